"""The benchmark suite: ``uv run python -m benchmarks [--quick] [--json FILE] [--database-url URL]``
(also ``--repeats N``, ``--only NAME…``, ``--markdown``, ``--list``).

Each scenario's data is built once (a template SQLite file, copied for every repeat; on
PostgreSQL rebuilt into the given database before every repeat that changes it), then its
measured part runs in a fresh child process per repeat, which reports its own wall time, SQL
statements and peak RSS. The table gives the median over the repeats and the ratio to the
scenario's baseline measured in the same run (see benchmarks/scenarios.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.scenarios import DEFAULT_EXCLUDED, GROWTH, Scenario, scenarios, templates

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "benchmarks"
READ_ONLY = {"history"}  # measures that leave their database as they found it
REPEATS = 3  # the default, for the scenarios that are not heavy


class Refused(Exception):
    """A usage error: one line on stderr, exit status 2."""


class ChildFailed(Exception):
    pass


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the 357-case scenarios, and the history and web pages when their data is cached",
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the results as JSON")
    parser.add_argument("--database-url", metavar="URL", help="a PostgreSQL database to use")
    parser.add_argument(
        "--repeats",
        type=int,
        metavar="N",
        help=f"default {REPEATS}, and 1 for a scenario whose run takes minutes",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these scenarios only")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--list", action="store_true", help="list the scenarios and stop")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        raise Refused("--repeats must be at least 1")
    return args


def selected(args: argparse.Namespace) -> list[Scenario]:
    every = scenarios()
    by_name = {s.name: s for s in every}
    if args.only:
        unknown = [n for n in args.only if n not in by_name]
        if unknown:
            names = ", ".join(s.name for s in every)
            raise Refused(f"unknown scenario {', '.join(unknown)} (known: {names})")
        wanted = set(args.only)
        # a scenario compared with another runs after it, in the same run
        for name in list(wanted):
            if by_name[name].baseline.startswith("scenario:"):
                wanted.add(by_name[name].baseline.removeprefix("scenario:"))
        return [s for s in every if s.name in wanted]
    return [
        s
        for s in every
        if s.name not in DEFAULT_EXCLUDED
        and (not args.quick or s.quick or (s.quick_if_cached and cached(s.template)))
    ]


def cached_path(key: str) -> Path:
    from kulturskole.migrate import head_revision

    return CACHE / f"{key}-{head_revision()}.db"


def cached(key: str | None) -> bool:
    """Whether template ``key`` is kept between runs and already built (SQLite)."""
    return key is not None and templates()[key].cached and cached_path(key).exists()


def repeats_for(scenario: Scenario, asked: int | None, quick: bool = False) -> int:
    """``--repeats`` when given; else one run of a heavy scenario, REPEATS of the others, and
    one run of each with ``--quick`` (a look in minutes: invoicing-357 alone is ~1 min a run)."""
    if asked is not None:
        return asked
    return 1 if scenario.heavy or quick else REPEATS


def checked_url(url: str | None) -> str | None:
    if url is None:
        return None
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise Refused(f"--database-url {url!r} is not a database URL") from None
    if backend != "postgresql":
        raise Refused(f"--database-url is for PostgreSQL (SQLite is the default), not {backend}")
    try:
        engine = create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # noqa: BLE001 (any driver's refusal is a usage error here)
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise Refused(f"cannot connect to --database-url: {reason}") from None
    return url


def prefect_mode() -> str:
    """The Prefect the children will use, as they choose it (scenarios.use_prefect): a configured
    PREFECT_API_URL, else this checkout's local server when it runs, else a temporary one."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        return f"server at {url}"
    from kulturskole import local_prefect

    os.environ.setdefault("KULTURSKOLE_PREFECT_DIR", str(ROOT / "var" / "prefect"))
    state = local_prefect.running()
    if state is not None:
        return f"the local server at {state.url}"
    return "ephemeral (a temporary server in each process)"


class Data:
    """Templates and fresh working copies of them, one per repeat."""

    def __init__(self, folder: Path, url: str | None) -> None:
        self.folder = folder
        self.url = url  # PostgreSQL, or None for SQLite files
        self.templates = templates()
        self.pg_state: str | None = None  # the template the PostgreSQL database holds now
        self.repeat = 0

    def _engine(self, url: str):  # noqa: ANN202
        from kulturskole.db import engine_for

        return engine_for(url)

    def _file(self, key: str) -> Path:
        template = self.templates[key]
        path = cached_path(key) if template.cached else self.folder / "templates" / f"{key}.db"
        if path.exists():
            return path
        started = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        building = path.with_suffix(".building")
        if template.parent:
            shutil.copyfile(self._file(template.parent), building)
        else:
            building.unlink(missing_ok=True)
        engine = self._engine(f"sqlite:///{building}")
        template.build(engine)
        engine.dispose()
        building.rename(path)
        progress(f"data {key} built in {time.perf_counter() - started:.0f} s")
        return path

    def _rebuild_pg(self, key: str | None) -> None:
        from benchmarks.data import empty

        started = time.perf_counter()
        chain = []
        while key:
            chain.insert(0, key)
            key = self.templates[key].parent
        engine = self._engine(self.url)
        empty(engine)
        for step in chain:
            self.templates[step].build(engine)
        engine.dispose()
        if chain:
            progress(f"data {chain[-1]} built in {time.perf_counter() - started:.0f} s")

    def keep(self, key: str, work: Path) -> None:
        """The database a repeat left becomes template ``key`` (the state after a first
        invoicing run is the re-run's start: it is not built a second time)."""
        import sqlite3

        path = self.folder / "templates" / f"{key}.db"
        if self.url or path.exists() or not (work / "bench.db").exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(work / "bench.db")  # folds a left-over WAL into the file
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.move(work / "bench.db", path)

    def fresh(self, key: str | None, read_only: bool) -> tuple[str, Path]:
        """(database URL, working folder) for one repeat starting from template ``key``."""
        self.repeat += 1
        work = self.folder / "work" / str(self.repeat)
        work.mkdir(parents=True)
        if self.url:
            if not (read_only and self.pg_state == key and key is not None):
                self._rebuild_pg(key)
            self.pg_state = key if read_only else None
            return self.url, work
        if key is None:
            return f"sqlite:///{work / 'bench.db'}", work
        template = self._file(key)
        if read_only:
            return f"sqlite:///{template}", work
        shutil.copyfile(template, work / "bench.db")
        return f"sqlite:///{work / 'bench.db'}", work


def progress(line: str) -> None:
    print(f"[benchmarks] {line}", file=sys.stderr, flush=True)


def child_environment() -> dict[str, str]:
    """The suite's environment without the database and outbox settings (the child is told its
    database); the local Prefect server is looked for where this checkout keeps it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KULTURSKOLE_") or k == "KULTURSKOLE_PREFECT_DIR"
    }
    env.setdefault("KULTURSKOLE_PREFECT_DIR", str(ROOT / "var" / "prefect"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PREFECT_HOME", str(CACHE / "prefect-home"))
    # a first start of the temporary server migrates its database: on a busy machine minutes
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")
    return env


def run_child(measure: str, url: str, work: Path, params: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.child", measure, "--url", url]
    command += ["--params", json.dumps(params)]
    done = subprocess.run(
        command, cwd=work, env=child_environment(), capture_output=True, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise ChildFailed(f"{measure} exited {done.returncode}:\n  " + "\n  ".join(tail))
    return json.loads(lines[-1])


def run_scenario(
    scenario: Scenario, data: Data, repeats: int, done: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    runs, baselines = [], []
    read_only = scenario.measure in READ_ONLY
    for i in range(repeats):
        url, work = data.fresh(scenario.template, read_only)
        result = run_child(scenario.measure, url, work, scenario.params)
        if scenario.baseline.startswith("child:"):
            url, work = data.fresh(None, read_only=False)
            base = run_child(scenario.baseline.removeprefix("child:"), url, work, {})
            result["baseline_s"] = base["wall_s"]
        runs.append(result)
        if "baseline_s" in result:
            baselines.append(result["baseline_s"])
        progress(
            f"{scenario.name} {i + 1}/{repeats}: {result['wall_s']:.3f} s, "
            f"{result['statements']} statements, {result['peak_rss_mb']:.0f} MB"
            + (f", baseline {result['baseline_s']:.3f} s" if "baseline_s" in result else "")
        )
        if scenario.leaves:
            data.keep(scenario.leaves, work)
        if not read_only:
            shutil.rmtree(work, ignore_errors=True)
    median = statistics.median(r["wall_s"] for r in runs)
    if scenario.baseline.startswith("scenario:"):
        other = done.get(scenario.baseline.removeprefix("scenario:"))
        baseline = other["median_s"] if other else None
    else:
        baseline = statistics.median(baselines) if baselines else None
    row: dict[str, Any] = {
        "name": scenario.name,
        "items": scenario.items,
        "median_s": round(median, 6),
        "baseline_s": None if baseline is None else round(baseline, 6),
        "ratio": round(median / baseline, 3) if baseline else None,
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        "statements": int(statistics.median(r["statements"] for r in runs)),
        "what": scenario.what,
        "walls_s": [round(r["wall_s"], 6) for r in runs],
        "done": runs[-1].get("done"),
        "repeats": repeats,
    }
    if "prefect" in runs[-1]:
        row["prefect"] = runs[-1]["prefect"]
    if scenario.target:
        row["target"] = scenario.target.text
        row["met"] = scenario.target.met(row)
    return row


COLUMNS = [
    ("scenario", "name", "<"),
    ("items", "items", ">"),
    ("repeats", "repeats", ">"),
    ("median", "median_s", ">"),
    ("baseline", "baseline_s", ">"),
    ("ratio", "ratio", ">"),
    ("peak RSS MB", "peak_rss_mb", ">"),
    ("statements", "statements", ">"),
    ("target", "target", "<"),
    ("met", "met", "<"),
]


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if key in ("median_s", "baseline_s"):
        return seconds(value)
    if key == "ratio":
        return "–" if value is None else f"{value:.2f}×"
    if key == "items":
        return f"{value:,}".replace(",", " ")
    if key == "met":
        return "" if value is None else ("yes" if value else "NO")
    if key == "peak_rss_mb":
        return f"{value:.0f}"
    return "" if value is None else str(value)


def growth(rows: list[dict[str, Any]]) -> str | None:
    small, large, limit = GROWTH
    found = {r["name"]: r for r in rows}
    if small not in found or large not in found:
        return None
    ratio = found[large]["median_s"] / found[small]["median_s"]
    met = "yes" if ratio <= limit else "NO"
    statements = found[large]["statements"] / max(found[small]["statements"], 1)
    return (
        f"growth {large} / {small}: {ratio:.2f}× time (target ≤ {limit:g}×: {met}), "
        f"{statements:.2f}× statements"
    )


def table(rows: list[dict[str, Any]], markdown: bool) -> str:
    cells = [[cell(r, key) for _, key, _ in COLUMNS] for r in rows]
    heads = [head for head, _, _ in COLUMNS]
    if markdown:
        lines = ["| " + " | ".join(heads) + " |"]
        lines.append("|" + "|".join("---:" if a == ">" else "---" for _, _, a in COLUMNS) + "|")
        lines += ["| " + " | ".join(c) + " |" for c in cells]
        return "\n".join(lines)
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]

    def line(values: list[str]) -> str:
        return "  ".join(
            f"{v:{a}{w}}" for v, w, (_, _, a) in zip(values, widths, COLUMNS, strict=True)
        ).rstrip()

    return "\n".join([line(heads), *(line(c) for c in cells)])


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    # a stopped suite still removes its data and stops its child (subprocess.run kills it)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        args = arguments(argv)
        chosen = selected(args)
        url = checked_url(args.database_url)
    except Refused as refusal:
        print(f"benchmarks: {refusal}", file=sys.stderr)
        return 2
    if args.list:
        for s in scenarios():
            print(f"{s.name:<22} {'quick ' if s.quick else '      '}{s.what}")
        return 0
    database = "PostgreSQL" if url else "SQLite"
    counts = [repeats_for(s, args.repeats, args.quick) for s in chosen]
    progress(f"{len(chosen)} scenarios, {sum(counts)} runs on {database}; Prefect {prefect_mode()}")
    folder = Path(tempfile.mkdtemp(prefix="benchmarks-"))
    data = Data(folder, url)
    rows: list[dict[str, Any]] = []
    done: dict[str, dict[str, Any]] = {}
    failed = []
    try:
        for scenario in chosen:
            try:
                repeats = repeats_for(scenario, args.repeats, args.quick)
                row = run_scenario(scenario, data, repeats, done)
            except ChildFailed as failure:
                progress(f"{scenario.name} FAILED: {failure}")
                failed.append(scenario.name)
                continue
            rows.append(row)
            done[row["name"]] = row
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    total = time.perf_counter() - started
    print(
        f"{database}, Prefect {prefect_mode()}, median of each scenario's repeats; "
        f"suite ran {total:.0f} s"
    )
    print(table(rows, args.markdown))
    line = growth(rows)
    if line:
        print(line)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
