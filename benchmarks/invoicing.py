"""One invoicing run over N active cases: time, peak memory, an immediate re-run, and the same
inserts done by bare SQLAlchemy Core (the suite, ``python -m benchmarks``, runs this as the
invoicing scenarios in fresh processes; this script is the one-off version).

    uv run python benchmarks/invoicing.py --cases 357 [--database-url URL]
    uv run python benchmarks/invoicing.py --cases 10000 [--database-url URL]

Setup is bulk-inserted with Core (benchmarks/data.py), so that the time measured is the run's
alone. The run issues instalment 1 (after the first physical joint gathering) to every case:
invoice row, HTML document, EHF XML, the invoice mail in the outbox with its attachment, and
history entries, in batches.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.data import setup  # noqa: E402
from benchmarks.floor import core_floor, snapshot  # noqa: E402
from benchmarks.scenarios import INVOICING_AS_OF  # noqa: E402
from kulturskole import bootstrap  # noqa: E402
from kulturskole.db import engine_for, unit_of_work  # noqa: E402
from kulturskole.history import Acting  # noqa: E402
from kulturskole.invoicing import issuing  # noqa: E402
from models import Invoice  # noqa: E402

bootstrap.wire()  # as every entry point does: transitions run their reactions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=357)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = engine_for(url)
    setup(engine, args.cases)
    acting = Acting("benchmark", INVOICING_AS_OF)
    before = snapshot(engine)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = issuing.run(engine, acting)
    first = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    core, _rows = core_floor(engine, before)
    started = time.perf_counter()
    again = issuing.run(engine, acting)
    rerun = time.perf_counter() - started
    with unit_of_work(engine, readonly=True) as session:
        issued = session.scalar(select(func.count()).select_from(Invoice))
    assert issued == len(report.issued) == args.cases and not again.issued
    print(
        f"{args.cases} cases on {engine.dialect.name}: run {first:.2f} s "
        f"({first / args.cases * 1000:.2f} ms/invoice), peak RSS {rss_after / 1024:.0f} MB "
        f"(+{(rss_after - rss_before) / 1024:.0f} MB during the run); re-run {rerun:.2f} s "
        f"({rerun / first:.1%} of the first); bare Core inserts of the same rows {core:.2f} s "
        f"(the run takes {first / core:.0f}× as long)"
    )


if __name__ == "__main__":
    main()
