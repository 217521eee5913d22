"""One monitor-obligations run over N active cases with a realistic mix of breaches.

    uv run python benchmarks/obligations.py --cases 357 [--database-url URL]
    uv run python benchmarks/obligations.py --cases 10000

Setup as in benchmarks/invoicing.py (Core bulk inserts), plus for each case a group of five
(coordinator, school owner, …) and, as of 2025-02-14: attendance at the joint gatherings and
coordinator meetings so far (about 5 % absent from one of them), the meeting plan delivered by
92 %, the development plan by 85 %; about 2 % of groups have lost their school owner. Reported:
the first run (opens breaches and queues warnings), an immediate re-run, and a dry run.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from benchmarks.invoicing import setup  # noqa: E402
from kulturskole import bootstrap  # noqa: E402
from kulturskole.db import engine_for, unit_of_work  # noqa: E402
from kulturskole.history import Acting  # noqa: E402
from kulturskole.obligations import breaches  # noqa: E402
from models import Attendance, Breach, Case, Deliverable, GroupMember, Person  # noqa: E402

bootstrap.wire()  # as every entry point does: transitions run their reactions

AS_OF = date(2025, 2, 14)
GATHERINGS = ["joint-gathering-1", "joint-gathering-2", "joint-gathering-3"]
MEETINGS = ["coordinator-meeting-1", "coordinator-meeting-2", "coordinator-meeting-3"]


def mix(engine, seed: int = 2024) -> None:  # noqa: ANN001
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with unit_of_work(engine, readonly=True) as session:
        cases = list(session.scalars(select(Case.id)))
        next_person = session.scalar(select(func.max(Person.id))) + 1
    people, members, attendance, deliverables = [], [], [], []
    for case_id in cases:
        roles = ["school-owner", "culture-school-head", "elected", "other"]
        if rng.random() < 0.02:
            roles[0] = "other"  # the school owner has left
        for role in roles:
            people.append(
                {
                    "id": next_person,
                    "name": f"Deltaker {next_person}",
                    "email": f"p{next_person}@kommune.example.no",
                    "phone": None,
                }
            )
            members.append({"case_id": case_id, "person_id": next_person, "role": role})
            next_person += 1
        for event in GATHERINGS:
            present = 0 if rng.random() < 0.05 else rng.randint(3, 5)
            attendance.append(
                {
                    "case_id": case_id,
                    "event_id": event,
                    "present": present,
                    "members": [],
                    "recorded_at": now,
                }
            )
        for event in MEETINGS:
            if rng.random() >= 0.03:
                attendance.append(
                    {
                        "case_id": case_id,
                        "event_id": event,
                        "present": 1,
                        "members": [],
                        "recorded_at": now,
                    }
                )
        for what, share, day in (
            ("meeting-plan", 0.92, date(2024, 10, 15)),
            ("development-plan", 0.85, date(2025, 1, 20)),
        ):
            if rng.random() < share:
                deliverables.append({"case_id": case_id, "what": what, "delivered_on": day})
    with engine.begin() as connection:
        connection.execute(insert(Person), people)
        connection.execute(insert(GroupMember), members)
        connection.execute(insert(Attendance), attendance)
        connection.execute(insert(Deliverable), deliverables)


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
