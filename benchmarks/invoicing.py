"""One invoicing run over N active cases: time, peak memory, an immediate re-run, and the same
inserts done by bare SQLAlchemy Core.

    uv run python benchmarks/invoicing.py --cases 357 [--database-url URL]
    uv run python benchmarks/invoicing.py --cases 10000 [--database-url URL]

Setup is bulk-inserted with Core (municipalities beyond the real 357 are synthetic, with valid
organisation numbers; each case has the history of apply → select → contract → activate with a
correct hash chain), so that the time measured is the run's alone. The run issues instalment 1
(after the first physical joint gathering) to every case: invoice row, HTML document, EHF XML,
the invoice mail in the outbox with its attachment, and history entries, in batches.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Column, MetaData, Table, func, insert, select, text  # noqa: E402
from stdnum.no import orgnr  # noqa: E402

from kulturskole import PROGRAMMES_DIR, bootstrap  # noqa: E402
from kulturskole.db import engine_for, unit_of_work  # noqa: E402
from kulturskole.history import Acting  # noqa: E402
from kulturskole.invoicing import issuing  # noqa: E402
from kulturskole.migrate import upgrade  # noqa: E402
from kulturskole.programme_file import parse_programme_file  # noqa: E402
from kulturskole.services.municipalities import import_municipalities  # noqa: E402
from kulturskole.services.programmes import load_programme  # noqa: E402
from models import (  # noqa: E402
    Base,
    Case,
    GroupMember,
    HistoryEntry,
    Invoice,
    Municipality,
    Person,
)
from models.history import GENESIS, entry_hash  # noqa: E402

bootstrap.wire()  # as every entry point does: transitions run their reactions

AS_OF = date(2024, 9, 26)
STEPS = [
    ("apply", None, "applied", date(2024, 4, 15)),
    ("select", "applied", "selected", date(2024, 5, 15)),
    ("contract", "selected", "contracted", date(2024, 6, 10)),
    ("activate", "contracted", "active", date(2024, 8, 1)),
]


def synthetic_orgnr(i: int) -> str:
    base = 900_000_000 + i * 10
    while not orgnr.is_valid(str(base)):
        base += 1
    return str(base)


def setup(engine, count: int) -> None:  # noqa: ANN001
    if engine.dialect.name == "postgresql":  # a benchmark database starts empty
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    with unit_of_work(engine) as session:
        import_municipalities(session)
        load_programme(session, parse_programme_file(PROGRAMMES_DIR / "regionale-2024-2025.yaml"))
        known = set(session.scalars(select(Municipality.number)))
    numbers = sorted(known)[:count]
    extra = [f"{n:04d}" for n in range(10_000) if f"{n:04d}" not in known][: count - len(numbers)]
    now = datetime.now(UTC)
    with engine.begin() as connection:
        if extra:
            connection.execute(
                insert(Municipality),
                [
                    {
                        "number": n,
                        "name": f"Syntetisk {n}",
                        "county_number": n[:2],
                        "county_name": "Syntetisk",
                        "org_number": synthetic_orgnr(i),
                    }
                    for i, n in enumerate(extra)
                ],
            )
        numbers += extra
        people = [
            {
                "id": i + 1,
                "name": f"Koordinator {n}",
                "email": f"k.{n}@kommune.example.no",
                "phone": "91234567",
            }
            for i, n in enumerate(numbers)
        ]
        connection.execute(insert(Person), people)
        cases, history, members = [], [], []
        for i, number in enumerate(numbers):
            case_id = i + 1
            previous = GENESIS
            for seq, (action, before, after, day) in enumerate(STEPS, start=1):
                fields = {
                    "case_id": case_id,
                    "seq": seq,
                    "at": now,
                    "effective_on": day,
                    "actor": "benchmark",
                    "action": action,
                    "from_state": before,
                    "to_state": after,
                    "reason": None,
                    "details": {},
                    "flow_run_id": None,
                    "prev_hash": previous,
                }
                fields["hash"] = previous = entry_hash(fields)
                history.append(fields)
            cases.append(
                {
                    "id": case_id,
                    "programme_id": "regionale-2024-2025",
                    "municipality_number": number,
                    "state": "active",
                    "version": 1,
                    "applied_on": STEPS[0][3],
                    "contact_person_id": case_id,
                    "county_dialogue": True,
                    "role_mapping_done": True,
                    "history_seq": len(STEPS),
                    "history_hash": previous,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            members.append({"case_id": case_id, "person_id": case_id, "role": "coordinator"})
        connection.execute(insert(Case), cases)
        connection.execute(insert(GroupMember), members)
        connection.execute(insert(HistoryEntry), history)
        if connection.dialect.name == "postgresql":
            for table in ("person", "cases"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def core_equivalent(engine) -> float:  # noqa: ANN001
    """The rows the run wrote (invoices, messages, attachments, history entries), inserted again
    by bare Core executemany into plain copies of those tables, in one transaction."""
    names = ("invoice", "message", "message_attachment", "history")
    with engine.begin() as connection:
        rows = {
            name: [
                dict(r) for r in connection.execute(select(Base.metadata.tables[name])).mappings()
            ]
            for name in names
        }
    rows["history"] = [r for r in rows["history"] if r["seq"] > len(STEPS)]
    metadata = MetaData()
    copies = {
        name: Table(
            f"bench_{name}",
            metadata,
            *[Column(c.name, c.type) for c in Base.metadata.tables[name].c],
        )
        for name in names
    }
    metadata.create_all(engine)
    try:
        started = time.perf_counter()
        with engine.begin() as connection:
            for name in names:
                connection.execute(insert(copies[name]), rows[name])
        return time.perf_counter() - started
    finally:
        metadata.drop_all(engine)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=357)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = engine_for(url)
    setup(engine, args.cases)
    acting = Acting("benchmark", AS_OF)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = issuing.run(engine, acting)
    first = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    again = issuing.run(engine, acting)
    rerun = time.perf_counter() - started
    with unit_of_work(engine, readonly=True) as session:
        issued = session.scalar(select(func.count()).select_from(Invoice))
    assert issued == len(report.issued) == args.cases and not again.issued
    core = core_equivalent(engine)
    print(
        f"{args.cases} cases on {engine.dialect.name}: run {first:.2f} s "
        f"({first / args.cases * 1000:.2f} ms/invoice), peak RSS {rss_after / 1024:.0f} MB "
        f"(+{(rss_after - rss_before) / 1024:.0f} MB during the run); re-run {rerun:.2f} s "
        f"({rerun / first:.1%} of the first); bare Core inserts of the same rows {core:.2f} s "
        f"(the run takes {first / core:.0f}× as long)"
    )


if __name__ == "__main__":
    main()
