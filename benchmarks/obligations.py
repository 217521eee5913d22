"""One monitor-obligations run over N active cases with a realistic mix of breaches.

    uv run python benchmarks/obligations.py --cases 357 [--database-url URL]
    uv run python benchmarks/obligations.py --cases 10000

Setup by benchmarks/data.py (Core bulk inserts): ``setup`` and ``mix`` (groups of five,
attendance with about 5 % absent, plans delivered by 92 % and 85 %, 2 % without a school owner).
Reported: the first run (opens breaches and queues warnings), an immediate re-run, and a dry run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from benchmarks.data import mix, setup  # noqa: E402
from kulturskole import bootstrap  # noqa: E402
from kulturskole.db import engine_for, unit_of_work  # noqa: E402
from kulturskole.history import Acting  # noqa: E402
from kulturskole.obligations import breaches  # noqa: E402
from models import Breach  # noqa: E402

bootstrap.wire()  # as every entry point does: transitions run their reactions

AS_OF = date(2025, 2, 14)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=357)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = engine_for(url)
    setup(engine, args.cases)
    mix(engine)
    acting = Acting("benchmark", AS_OF)
    started = time.perf_counter()
    dry = breaches.monitor(engine, acting, dry_run=True)
    dry_s = time.perf_counter() - started
    started = time.perf_counter()
    first = breaches.monitor(engine, acting)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = breaches.monitor(engine, acting)
    again_s = time.perf_counter() - started
    assert not again.opened and len(first.opened) == len(dry.opened)
    with unit_of_work(engine, readonly=True) as session:
        by_rule = Counter(session.scalars(select(Breach.rule)))
    print(
        f"{args.cases} active cases on {engine.dialect.name}: first run {first_s:.2f} s "
        f"({len(first.opened)} breaches opened and warned), re-run {again_s:.2f} s, "
        f"dry run {dry_s:.2f} s; breaches by rule: {dict(sorted(by_rule.items()))}"
    )


if __name__ == "__main__":
    main()
