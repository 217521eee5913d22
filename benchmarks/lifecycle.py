"""Time 357 cases from `applied` to `active` through the service layer.

    uv run python benchmarks/lifecycle.py [--database-url URL]

Default: SQLite in a temporary folder, one transaction per municipality per stage (apply;
select; group of four, role mapping and signatures; contract; activate), as when an
administrator types the commands one municipality at a time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from kulturskole import PROGRAMMES_DIR, bootstrap
from kulturskole.db import engine_for, unit_of_work
from kulturskole.history import Acting, verify
from kulturskole.migrate import upgrade
from kulturskole.programme_file import parse_programme_file
from kulturskole.services import cases as service
from kulturskole.services.municipalities import DEFAULT_FILE, import_municipalities, read_file
from kulturskole.services.programmes import load_programme
from models import Case, HistoryEntry

bootstrap.wire()  # as every entry point does: transitions run their reactions

ROLES = ["coordinator", "school-owner", "culture-school-head", "elected"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = engine_for(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        import_municipalities(session)
        load_programme(session, parse_programme_file(PROGRAMMES_DIR / "regionale-2024-2025.yaml"))
    numbers = [m.number for m in read_file(DEFAULT_FILE)]

    def on(day: str) -> Acting:
        return Acting("benchmark", date.fromisoformat(day))

    def stage(name: str, action) -> float:  # noqa: ANN001
        started = time.perf_counter()
        for number in numbers:
            with unit_of_work(engine) as session:
                action(session, number)
        elapsed = time.perf_counter() - started
        print(
            f"  {name:<34} {elapsed * 1000:8.0f} ms  ({elapsed / len(numbers) * 1000:.2f} ms/case)"
        )
        return elapsed

    def apply(session, number: str) -> None:  # noqa: ANN001
        service.apply(
            session,
            number,
            service.Application(
                contact_name="Kari Nordmann",
                contact_email=f"post.{number}@kommune.example.no",
                motivation="Utvikle kulturskolen",
                development_area="Inkludering",
                county_dialogue=True,
            ),
            on("2024-04-15"),
        )

    def fire(trigger: str, day: str):  # noqa: ANN202
        def action(session, number: str) -> None:  # noqa: ANN001
            case = service.find_case(session, number, for_update=True)
            service.transition(session, case, trigger, on(day))

        return action

    def prepare(session, number: str) -> None:  # noqa: ANN001
        case = service.find_case(session, number, for_update=True)
        for i, role in enumerate(ROLES):
            service.set_member(
                session,
                case,
                on("2024-06-01"),
                name=f"Deltaker {i}",
                email=f"d{i}.{number}@kommune.example.no",
                phone="91234567",
                role=role,
            )
        service.record_role_mapping(session, case, on("2024-06-01"))
        service.sign(
            session,
            case,
            on("2024-06-10"),
            chief_executive="Kommunedirektør",
            culture_school_head="Kulturskoleleder",
            signed_on=date(2024, 6, 10),
        )
        service.countersign(session, case, on("2024-06-10"), signed_on=date(2024, 6, 10))

    print(f"{len(numbers)} cases on {engine.url.render_as_string(hide_password=True)}")
    total = sum(
        [
            stage("apply", apply),
            stage("select", fire("select", "2024-05-15")),
            stage("group of 4, role mapping, sign", prepare),
            stage("contract", fire("contract", "2024-06-10")),
            stage("activate", fire("activate", "2024-08-01")),
        ]
    )
    with unit_of_work(engine) as session:
        active = session.scalar(select(func.count()).where(Case.state == "active"))
        entries = session.scalar(select(func.count()).select_from(HistoryEntry))
        started = time.perf_counter()
        problems = list(verify(session))
        verify_ms = (time.perf_counter() - started) * 1000
    assert active == len(numbers) and not problems
    print(
        f"  {'total applied → active':<34} {total * 1000:8.0f} ms  "
        f"({total / len(numbers) * 1000:.2f} ms/case)"
    )
    print(f"  {active} active, {entries} history entries; audit verify {verify_ms:.0f} ms")


if __name__ == "__main__":
    main()
