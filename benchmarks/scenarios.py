"""The suite's scenarios: what data each needs (a chain of templates), what the child process
measures, what it is compared with, and the issue's target for it.

Templates are built once per run (the million-entry history once per machine, cached under
var/benchmarks/), by Core bulk inserts and, where a scenario starts from the state a service
leaves (a re-run, the web pages), by the service itself; building is never measured. A
measure runs in a fresh child process (benchmarks/child.py) and times only its own part.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

INVOICING_AS_OF = date(2024, 9, 26)  # after the first physical joint gathering: instalment 1
VISITS_AS_OF = date(2024, 9, 20)  # four weeks before window 1: one window invited
OBLIGATIONS_AS_OF = date(2025, 2, 14)
HISTORY_CASES, HISTORY_PER_CASE = 10_000, 100  # 1 000 000 entries
READS = 200  # repeated reads per child for the history and the web pages


# --- templates: name -> (parent template, builder) ------------------------------------------
def _cases(count: int) -> Callable[[Engine], None]:
    def build(engine: Engine) -> None:
        from benchmarks.data import setup

        setup(engine, count)

    return build


def _invoiced(engine: Engine) -> None:
    from kulturskole.history import Acting
    from kulturskole.invoicing import issuing

    issuing.run(engine, Acting("benchmark", INVOICING_AS_OF))


def _groups(engine: Engine) -> None:
    from benchmarks.data import mix

    mix(engine)


def _advisors(count: int) -> Callable[[Engine], None]:
    def build(engine: Engine) -> None:
        from benchmarks.data import advisors

        advisors(engine, count)

    return build


WEB_REAL_EVERY = 250  # web-10000: every 250th EHF (and the first) is really validated


def _web_state(engine: Engine) -> None:
    """What the console shows at 10 000 cases: instalments 1 and 2 issued and the obligations
    monitored as of 2025-02-14 (invoices, documents, mail, deliveries, breaches, warnings,
    history), all written by the services themselves.

    Only the costly step of an invoice's documents is shared: the EHF is validated (Saxon) for
    the first and every 250th invoice (~80); every other invoice takes the last real
    validation's verdict. Its HTML, EHF XML, number, KID, buyer, mail, deliveries and history
    entries are its own, made by ``issuing.run`` as usual. (The PDFs are laid out when the mails
    are delivered, which this state does not do: the pages show their attachments' names.)"""
    from unittest import mock

    from kulturskole.history import Acting
    from kulturskole.invoicing import issuing, validation
    from kulturskole.obligations import breaches

    check = validation.validate
    seen = [0]
    last_verdict: list[Any] = []

    def validate(xml, **kw):  # noqa: ANN001, ANN003, ANN202
        seen[0] += 1
        if seen[0] % WEB_REAL_EVERY == 1 or not last_verdict:
            last_verdict[:] = [check(xml, **kw)]
        return last_verdict[0]

    with mock.patch.object(validation, "validate", validate):
        issuing.run(engine, Acting("benchmark", OBLIGATIONS_AS_OF))
    breaches.monitor(engine, Acting("benchmark", OBLIGATIONS_AS_OF))


def _long_histories(engine: Engine) -> None:
    from benchmarks.data import long_histories

    long_histories(engine, HISTORY_CASES, HISTORY_PER_CASE)


@dataclass(frozen=True)
class Template:
    parent: str | None
    build: Callable[[Engine], None]
    cached: bool = False  # kept under var/benchmarks/ between runs (SQLite)


def templates() -> dict[str, Template]:
    found: dict[str, Template] = {}
    for n in (5, 357, 2_500, 5_000, 10_000):
        found[f"cases-{n}"] = Template(None, _cases(n))
        found[f"invoiced-{n}"] = Template(f"cases-{n}", _invoiced)
        found[f"groups-{n}"] = Template(f"cases-{n}", _groups)
    found["advisors-10000"] = Template("cases-10000", _advisors(200))
    found["web-10000"] = Template("groups-10000", _web_state, cached=True)
    found["history-1000000"] = Template(None, _long_histories, cached=True)
    return found


# --- targets --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    text: str
    met: Callable[[dict[str, Any]], bool]


def at_most_ratio(limit: float, what: str) -> Target:
    return Target(f"≤ {limit:g}× {what}", lambda r: r["ratio"] is not None and r["ratio"] <= limit)


def at_most_seconds(limit: float, rss_mb: float | None = None) -> Target:
    text = f"≤ {limit:g} s" if limit >= 1 else f"≤ {limit * 1000:g} ms"
    if rss_mb is None:
        return Target(text, lambda r: r["median_s"] <= limit)
    return Target(
        f"{text}, ≤ {rss_mb:g} MB",
        lambda r: r["median_s"] <= limit and r["peak_rss_mb"] <= rss_mb,
    )


# --- scenarios ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    name: str
    items: int  # cases (entries for the history)
    measure: str  # a key of MEASURES, run by the child
    template: str | None  # the data it starts from; None: an empty database
    baseline: str  # "floor" | "child:<measure>" | "scenario:<name>" | "in-child"
    what: str
    quick: bool = False
    target: Target | None = None
    params: dict[str, Any] = field(default_factory=dict)
    leaves: str | None = None  # the template its database is after a repeat
    # one measured run is expected to take over ~2 minutes: one repeat unless --repeats says
    heavy: bool = False
    # in --quick too when its template is already cached under var/benchmarks/
    quick_if_cached: bool = False


def scenarios() -> list[Scenario]:
    floor = "bare Core executemany of the rows written"

    def invoicing(n: int, quick: bool = False, target: Target | None = None) -> Scenario:
        # ~10 ms per invoice (mostly the EHF's validation; the PDF is laid out at delivery)
        return Scenario(
            f"invoicing-{n}",
            n,
            "invoicing",
            f"cases-{n}",
            "floor",
            f"instalment 1 for {n} active cases; baseline: {floor}",
            quick,
            target,
            leaves=f"invoiced-{n}",
            heavy=n >= 5_000,
        )

    def rerun(n: int, quick: bool = False) -> Scenario:
        return Scenario(
            f"invoicing-rerun-{n}",
            n,
            "invoicing",
            f"invoiced-{n}",
            f"scenario:invoicing-{n}",
            f"the same run again (nothing due); baseline: the first run (invoicing-{n})",
            quick,
            at_most_ratio(0.05, "first run"),
        )

    web_baseline = "the login page (a template, no data) in the same app"
    return [
        invoicing(357, quick=True),
        rerun(357, quick=True),
        Scenario(
            "demo-357",
            357,
            "demo",
            None,
            "child:trivial-flow",
            "`run_demo(share=1.0)`: the whole programme for all 357 municipalities; "
            "baseline: a trivial flow in the same Prefect mode",
            quick=True,
            target=at_most_seconds(60, 500),
        ),
        Scenario(
            "mail-357",
            357,
            "mail",
            "invoiced-357",
            "floor",
            "the 357 invoice mails delivered as files, each PDF laid out from the document "
            f"stored at issue; baseline: {floor}",
            quick=True,
        ),
        invoicing(2_500),
        invoicing(5_000),
        invoicing(10_000, target=at_most_ratio(3, "Core")),
        rerun(10_000),
        Scenario(
            "visits-10000",
            10_000,
            "visits",
            "advisors-10000",
            "floor",
            f"scheduling window 1 with invitations, 200 advisors; baseline: {floor}",
            target=at_most_seconds(10),
            heavy=True,
        ),
        Scenario(
            "obligations-10000",
            10_000,
            "obligations",
            "groups-10000",
            "floor",
            f"monitor-obligations, ~5 % in breach, warnings queued; baseline: {floor}",
            target=at_most_seconds(10),
            heavy=True,
        ),
        Scenario(
            "history-1000000",
            1_000_000,
            "history",
            "history-1000000",
            "in-child",
            "one case's history (100 entries) out of 1 000 000, median per read; "
            "baseline: the bare Core SELECT of the same rows",
            target=at_most_seconds(0.020),
            quick_if_cached=True,
        ),
        Scenario(
            "web-case-10000",
            10_000,
            "web",
            "web-10000",
            "in-child",
            f"server time of the richest case's page; baseline: {web_baseline}",
            target=at_most_seconds(0.200),
            params={"page": "case"},
            quick_if_cached=True,
        ),
        Scenario(
            "web-list-10000",
            10_000,
            "web",
            "web-10000",
            "in-child",
            f"server time of the case list, page 1; baseline: {web_baseline}",
            target=at_most_seconds(0.200),
            params={"page": "list"},
            quick_if_cached=True,
        ),
        # The machinery's own check (tests/unit/test_benchmark_suite.py); not in the default set.
        Scenario("invoicing-5", 5, "invoicing", "cases-5", "floor", "the suite's own check"),
    ]


DEFAULT_EXCLUDED = {"invoicing-5"}
GROWTH = ("invoicing-2500", "invoicing-10000", 4.5)


# --- measures (run in the child) ------------------------------------------------------------
def peak_rss_mb() -> float:
    """VmHWM (the peak since the meter started, on Linux), else ru_maxrss (since the start)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Meter:
    """Wall time, SQL statements and peak RSS of the measured part alone."""

    def __init__(self, counter: list[int]) -> None:
        self.counter = counter
        self.wall_s = 0.0
        self.statements = 0
        self.peak_rss_mb = 0.0

    def __enter__(self) -> Meter:
        # Linux: the high-water mark restarts here, so that setup before it does not count
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5")
        self.counter[0] = 0
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall_s = time.perf_counter() - self.started
        self.statements = self.counter[0]
        self.peak_rss_mb = peak_rss_mb()

    def result(self, done: int, **extra: Any) -> dict[str, Any]:
        """``done``: what the measured part produced (invoices issued, visits placed, …)."""
        return {
            "wall_s": self.wall_s,
            "statements": self.statements,
            "peak_rss_mb": self.peak_rss_mb,
            "done": done,
            **extra,
        }


def _floor_measure(  # noqa: ANN202
    work: Callable[[Engine], Any], count: Callable[[Any], int], imports: tuple[str, ...] = ()
):
    """``imports``: the modules the work needs, imported before the meter starts: a run is
    measured, not Python importing (the commands' start-up is measured on its own, README)."""

    def measure(url: str, counter: list[int], params: dict[str, Any]) -> dict[str, Any]:
        import importlib

        from benchmarks.floor import core_floor, snapshot
        from kulturskole.db import engine_for

        for module in imports:
            importlib.import_module(module)
        engine = engine_for(url)
        before = snapshot(engine)
        with Meter(counter) as meter:
            report = work(engine)
        baseline_s, rows = core_floor(engine, before)
        return meter.result(count(report), baseline_s=baseline_s, rows_written=rows)

    return measure


def _issue(engine: Engine) -> Any:
    from kulturskole.history import Acting
    from kulturskole.invoicing import issuing

    return issuing.run(engine, Acting("benchmark", INVOICING_AS_OF))


def _deliver(engine: Engine) -> Any:
    """Every queued mail delivered as files (no SMTP): the invoice mails' PDFs are laid out
    here, from the documents stored at issue."""
    import asyncio

    from kulturskole.config import get_settings
    from notifications.delivery import deliver_due

    settings = get_settings().model_copy(
        update={"outbox_dir": Path.cwd() / "outbox", "smtp_host": None}
    )
    return asyncio.run(deliver_due(engine, settings, INVOICING_AS_OF))


def _schedule(engine: Engine) -> Any:
    from kulturskole.history import Acting
    from kulturskole.visits import scheduling

    return scheduling.run(engine, Acting("benchmark", VISITS_AS_OF))


def _monitor(engine: Engine) -> Any:
    from kulturskole.history import Acting
    from kulturskole.obligations import breaches

    return breaches.monitor(engine, Acting("benchmark", OBLIGATIONS_AS_OF))


def use_prefect() -> str:
    """The Prefect the flow commands would use, chosen as `kulturskole demo` chooses it (the
    local server when it answers, a configured PREFECT_API_URL always), before Prefect is
    imported; on a checkout without kulturskole.local_prefect, what the environment says."""
    try:
        from kulturskole import local_prefect
    except ImportError:
        return "configured" if os.environ.get("PREFECT_API_URL") else "ephemeral"
    return local_prefect.use_prefect()


def _demo(url: str, counter: list[int], params: dict[str, Any]) -> dict[str, Any]:
    os.environ["KULTURSKOLE_DATABASE_URL"] = url
    os.environ["KULTURSKOLE_OUTBOX_DIR"] = str(Path.cwd() / "outbox")
    mode = use_prefect()
    with Meter(counter) as meter:
        from kulturskole.demo import run_demo

        result = run_demo(1.0, 2024)
    return meter.result(357, as_of=str(result.as_of), prefect=mode)


def _trivial_flow(url: str, counter: list[int], params: dict[str, Any]) -> dict[str, Any]:
    mode = use_prefect()
    with Meter(counter) as meter:
        from prefect import flow

        @flow(name="benchmark-trivial")
        def trivial() -> int:
            return 1

        trivial()
    return meter.result(1, prefect=mode)


def _repeated(call: Callable[[], Any], reads: int) -> list[float]:
    call()  # warm-up: caches filled, statements compiled
    samples = []
    for _ in range(reads):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _history(url: str, counter: list[int], params: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import select

    from kulturskole.db import engine_for, unit_of_work
    from kulturskole.read.history import case_history
    from models import Case, HistoryEntry

    engine = engine_for(url)
    with unit_of_work(engine, readonly=True) as session:
        number, case_id = session.execute(
            select(Case.municipality_number, Case.id).order_by(Case.id.desc()).limit(1)
        ).one()

    def read() -> None:
        with unit_of_work(engine, readonly=True) as session:
            assert len(case_history(session, number)) == HISTORY_PER_CASE

    def bare() -> None:
        with engine.connect() as connection:
            connection.execute(
                select(HistoryEntry.__table__)
                .where(HistoryEntry.case_id == case_id)
                .order_by(HistoryEntry.seq)
            ).all()

    with Meter(counter) as meter:
        samples = _repeated(read, READS)
    result = meter.result(READS, reads=READS)
    result["wall_s"] = statistics.median(samples)
    result["statements"] = round(meter.statements / (READS + 1))
    result["baseline_s"] = statistics.median(_repeated(bare, READS))
    return result


def _web(url: str, counter: list[int], params: dict[str, Any]) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from benchmarks.web_pages import SYNTHETIC_AS_OF, logged_in_client, richest_case
    from kulturskole.db import engine_for

    engine = engine_for(url)
    client, timed = logged_in_client(engine, SYNTHETIC_AS_OF)
    number, _name = richest_case(engine)
    path = f"/cases/{number}" if params["page"] == "case" else "/cases"

    def get(on: TestClient, where: str) -> Callable[[], float]:
        def call() -> float:
            answer = on.get(where)
            assert answer.status_code == 200, f"{where} answered {answer.status_code}"
            return timed.last

        return call

    def server_times(call: Callable[[], float], reads: int) -> list[float]:
        call()
        return [call() for _ in range(reads)]

    reads = max(20, READS // 10)
    with Meter(counter) as meter:
        samples = server_times(get(client, path), reads)
    anonymous = TestClient(timed, follow_redirects=False)
    baseline = server_times(get(anonymous, "/login"), reads)
    result = meter.result(reads, reads=reads, path=path)
    result["wall_s"] = statistics.median(samples)
    result["statements"] = round(meter.statements / (reads + 1))
    result["baseline_s"] = statistics.median(baseline)
    client.close()
    anonymous.close()
    return result


MEASURES: dict[str, Callable[[str, list[int], dict[str, Any]], dict[str, Any]]] = {
    "invoicing": _floor_measure(
        _issue,
        lambda report: len(report.issued),
        ("kulturskole.invoicing.issuing", "kulturskole.invoicing.paperwork"),
    ),
    "mail": _floor_measure(
        _deliver,
        lambda report: len(report.sent),
        ("notifications.delivery", "kulturskole.invoicing.pdf", "weasyprint"),
    ),
    "visits": _floor_measure(
        _schedule, lambda report: len(report.scheduled), ("kulturskole.visits.scheduling",)
    ),
    "obligations": _floor_measure(
        _monitor, lambda report: len(report.opened), ("kulturskole.obligations.breaches",)
    ),
    "demo": _demo,
    "trivial-flow": _trivial_flow,
    "history": _history,
    "web": _web,
}
