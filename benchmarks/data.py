"""The benchmarks' data, bulk-inserted with SQLAlchemy Core so that building it costs seconds and
is never part of what is measured.

Every builder writes what the real services would have written (a correct hash chain, groups,
attendance), so that the services under measurement find a database like a real one. The
builders are shared by the suite (``python -m benchmarks``) and the older one-off scripts.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from stdnum.no import orgnr

from kulturskole import PROGRAMMES_DIR
from kulturskole.db import unit_of_work
from kulturskole.migrate import upgrade
from kulturskole.programme_file import parse_programme_file
from kulturskole.services.municipalities import import_municipalities
from kulturskole.services.programmes import load_programme
from models import (
    Advisor,
    Attendance,
    Case,
    Deliverable,
    GroupMember,
    HistoryEntry,
    Municipality,
    Person,
)
from models.history import GENESIS, entry_hash

PROGRAMME = "regionale-2024-2025"
STEPS = [
    ("apply", None, "applied", date(2024, 4, 15)),
    ("select", "applied", "selected", date(2024, 5, 15)),
    ("contract", "selected", "contracted", date(2024, 6, 10)),
    ("activate", "contracted", "active", date(2024, 8, 1)),
]
GATHERINGS = ["joint-gathering-1", "joint-gathering-2", "joint-gathering-3"]
MEETINGS = ["coordinator-meeting-1", "coordinator-meeting-2", "coordinator-meeting-3"]


def synthetic_orgnr(i: int) -> str:
    base = 900_000_000 + i * 10
    while not orgnr.is_valid(str(base)):
        base += 1
    return str(base)


def empty(engine: Engine) -> None:
    """A benchmark database starts empty (PostgreSQL: the schema is dropped; SQLite files are
    always new)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def chain(case_id: int, steps: list[tuple], now: datetime) -> Iterator[dict[str, Any]]:
    """History rows for ``steps`` (action, from, to, effective_on) of one case, hash-chained
    from the genesis as kulturskole.history writes them."""
    previous = GENESIS
    for seq, (action, before, after, day) in enumerate(steps, start=1):
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
        yield fields


def setup(engine: Engine, count: int, steps: list[tuple] | None = None) -> None:
    """``count`` active cases of the shipped programme (municipalities beyond the real 357 are
    synthetic, with valid organisation numbers), each with a coordinator and the history of
    ``steps`` (default: apply → select → contract → activate)."""
    steps = steps or STEPS
    empty(engine)
    upgrade(engine)
    with unit_of_work(engine) as session:
        import_municipalities(session)
        load_programme(session, parse_programme_file(PROGRAMMES_DIR / f"{PROGRAMME}.yaml"))
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
        cases, members = [], []
        history: list[dict[str, Any]] = []
        for i, number in enumerate(numbers):
            case_id = i + 1
            rows = list(chain(case_id, steps, now))
            history += rows
            cases.append(
                {
                    "id": case_id,
                    "programme_id": PROGRAMME,
                    "municipality_number": number,
                    "state": steps[-1][2],
                    "version": 1,
                    "applied_on": steps[0][3],
                    "contact_person_id": case_id,
                    "county_dialogue": True,
                    "role_mapping_done": True,
                    "history_seq": len(steps),
                    "history_hash": rows[-1]["hash"],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            members.append({"case_id": case_id, "person_id": case_id, "role": "coordinator"})
            if len(history) >= 50_000 or i == len(numbers) - 1:  # bounded memory for 1 000 000
                connection.execute(insert(Case), cases)
                connection.execute(insert(GroupMember), members)
                connection.execute(insert(HistoryEntry), history)
                cases, members, history = [], [], []
        if connection.dialect.name == "postgresql":
            for table in ("person", "cases", "history"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def long_histories(engine: Engine, cases: int, per_case: int) -> None:
    """``cases`` active cases with ``per_case`` history entries each: the four steps, then
    notes (a million entries in all for the history read)."""
    notes = [("note", "active", "active", date(2024, 8, 2))] * (per_case - len(STEPS))
    setup(engine, cases, STEPS + notes)


def mix(engine: Engine, seed: int = 2024) -> None:
    """For each case a group of five and, as of 2025-02-14, attendance at the joint gatherings
    and coordinator meetings so far (about 5 % absent from one of them), the meeting plan
    delivered by 92 %, the development plan by 85 %; about 2 % of groups have lost their
    school owner."""
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
        if connection.dialect.name == "postgresql":
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('person', 'id'), "
                    "(SELECT max(id) FROM person))"
                )
            )


def cover(sizes: Counter[str], advisors: int) -> list[list[str]]:
    """Counties per advisor, so that every county is covered and cases per advisor even out:
    with fewer advisors than counties, each takes the largest county left to the least loaded;
    with more, each county gets advisors in proportion to its cases."""
    if advisors < len(sizes):
        load = [0] * advisors
        counties: list[list[str]] = [[] for _ in range(advisors)]
        for county, size in sizes.most_common():
            i = load.index(min(load))
            counties[i].append(county)
            load[i] += size
        return counties
    total = sum(sizes.values())
    share = {c: max(1, round(advisors * n / total)) for c, n in sizes.items()}
    while sum(share.values()) > advisors:
        share[max(share, key=lambda c: share[c] - advisors * sizes[c] / total)] -= 1
    while sum(share.values()) < advisors:
        share[max(sizes, key=lambda c: advisors * sizes[c] / total - share[c])] += 1
    return [[c] for c, n in sorted(share.items()) for _ in range(n)]


def advisors(engine: Engine, count: int) -> None:
    """``count`` advisors covering the cases' counties, with the default capacity (1 physical
    or 3 digital visits a day)."""
    with unit_of_work(engine, readonly=True) as session:
        sizes = Counter(
            session.scalars(
                select(Municipality.county_number).join(
                    Case, Case.municipality_number == Municipality.number
                )
            )
        )
    with engine.begin() as connection:
        connection.execute(
            insert(Advisor),
            [
                {
                    "name": f"Veileder {i:03d}",
                    "email": f"veileder{i:03d}@kulturskoleradet.no",
                    "phone": None,
                    "counties": counties,
                    "max_physical_per_day": 1,
                    "max_digital_per_day": 3,
                }
                for i, counties in enumerate(cover(sizes, count))
            ],
        )


def exact_programme(mode: str) -> Path:
    """The shipped programme with visit window 4 made exact (weeks 23–24), as an administrator
    would, the default mode ``mode``, and every window invited at once."""
    text_ = (PROGRAMMES_DIR / f"{PROGRAMME}.yaml").read_text(encoding="utf-8")
    start = text_.index("  - id: visit-window-4")
    end = text_.index("  - id:", start + 10)
    window = (
        "  - id: visit-window-4\n"
        '    title: "Veiledningsbesøk/veiledning kommunegruppe 4"\n'
        "    kind: visit-window\n    mode: null\n    start: 2025-06-02\n    end: 2025-06-13\n"
        "    weeks: [23, 24]\n\n"
    )
    text_ = text_[:start] + window + text_[end:]
    text_ = text_.replace("  default_mode: physical", f"  default_mode: {mode}")
    # Every window invited at once (the shipped file invites each four weeks before it opens).
    text_ = text_.replace("  invite_weeks_before: 4", "  invite_weeks_before: 104")
    path = Path(tempfile.mkdtemp()) / "programme.yaml"
    path.write_text(text_, encoding="utf-8")
    return path
