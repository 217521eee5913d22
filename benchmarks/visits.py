"""Scheduling guidance visits: time, and how evenly the load spreads.

    uv run python benchmarks/visits.py --cases 357 --advisors 10 [--mode physical|digital]
    uv run python benchmarks/visits.py --cases 10000 --advisors 200 [--dry-run-only]

Setup by benchmarks/data.py (Core bulk inserts; synthetic municipalities beyond the real
357). Advisors cover counties round-robin with the default capacity (1 physical or 3 digital
visits a day). Visit window 4 ("June or August 2025") is made exact (weeks 23–24), as an
administrator would, and every window is invited at once (`invite_weeks_before: 104`), so that
all five windows are scheduled in one run. Reported: the time of a dry run (placement only), of
the real run (visits, history, invitation mails with .ics), of an immediate re-run, and per
window the max/min visits per advisor.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from benchmarks.data import advisors, exact_programme, setup  # noqa: E402
from kulturskole import bootstrap  # noqa: E402
from kulturskole.db import engine_for, unit_of_work  # noqa: E402
from kulturskole.history import Acting  # noqa: E402
from kulturskole.programme_file import parse_programme_file  # noqa: E402
from kulturskole.services.programmes import load_programme  # noqa: E402
from kulturskole.visits import scheduling  # noqa: E402
from models import Visit  # noqa: E402

bootstrap.wire()  # as every entry point does: transitions run their reactions

AS_OF = date(2024, 9, 20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=357)
    parser.add_argument("--advisors", type=int, default=10)
    parser.add_argument("--mode", choices=["physical", "digital"], default="physical")
    parser.add_argument("--dry-run-only", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = engine_for(url)
    setup(engine, args.cases)
    with unit_of_work(engine) as session:
        load_programme(session, parse_programme_file(exact_programme(args.mode)))
    advisors(engine, args.advisors)
    acting = Acting("benchmark", AS_OF)
    started = time.perf_counter()
    dry = scheduling.run(engine, acting, dry_run=True)
    dry_s = time.perf_counter() - started
    line = (
        f"{args.cases} cases, {args.advisors} advisors, {args.mode}: dry run {dry_s:.2f} s "
        f"({len(dry.scheduled)} placed, {len(dry.unplaced)} not placed)"
    )
    if not args.dry_run_only:
        started = time.perf_counter()
        real = scheduling.run(engine, acting)
        real_s = time.perf_counter() - started
        started = time.perf_counter()
        again = scheduling.run(engine, acting)
        again_s = time.perf_counter() - started
        assert not again.scheduled
        line += (
            f"; real run {real_s:.2f} s ({len(real.scheduled)} visits with invitations, "
            f"{real_s / max(len(real.scheduled), 1) * 1000:.2f} ms/visit); "
            f"re-run {again_s:.2f} s"
        )
    print(line)
    reasons = Counter(u["reason"].split(":")[0] for u in dry.unplaced)
    if reasons:
        print("  not placed:", dict(reasons))
    per_window: dict[str, Counter[str]] = defaultdict(Counter)
    per_day: Counter[tuple[str, date]] = Counter()
    for visit in dry.scheduled:
        per_window[visit["window"]][visit["advisor"]] += 1
        per_day[(visit["advisor"], date.fromisoformat(visit["start"][:10]))] += 1
    for window, load in sorted(per_window.items()):
        print(
            f"  {window}: visits per advisor max {max(load.values())}, "
            f"min {min(load.values())} ({len(load)} advisors)"
        )
    print(f"  most visits by one advisor on one day: {max(per_day.values())}")
    if not args.dry_run_only:
        with unit_of_work(engine, readonly=True) as session:
            assert session.query(Visit).count() == len(real.scheduled)


if __name__ == "__main__":
    main()
