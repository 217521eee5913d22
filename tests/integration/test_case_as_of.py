"""A case rebuilt from its history as of a date: built step by step, the live case is noted
after each step, and the history alone must give back each of those notes for its date."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from kulturskole.read.case_as_of import case_as_of
from kulturskole.read.case_page import case_page
from kulturskole.read.cases import case_detail
from kulturskole.services import cases as service
from kulturskole.visits import advisors as advisor_service
from tests.builders.cases import GROUP, invoicing_details
from tests.builders.visits import ANNE, TWO_ADVISORS, import_advisors

pytestmark = pytest.mark.usefixtures("programme_loaded")
COMPARED = (
    "state",
    "applied_on",
    "contact",
    "application",
    "role_mapping_done",
    "signatures",
    "members",
)


def on(day: str) -> Acting:
    return Acting("tester", date.fromisoformat(day))


def as_of(engine: Engine, day: date | str, number: str = "0301") -> dict:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    with unit_of_work(engine, readonly=True) as session:
        return case_as_of(session, number, day)


def live(engine: Engine, day: str) -> dict:
    with unit_of_work(engine, readonly=True) as session:
        detail = case_detail(session, "0301", date.fromisoformat(day))
        advisor = case_page(session, "0301", date.fromisoformat(day))["advisor"]
    return {**{key: detail[key] for key in COMPARED}, "advisor": advisor and advisor["name"]}


def rebuilt(engine: Engine, day: str) -> dict:
    data = as_of(engine, day)
    return {key: data[key] for key in (*COMPARED, "advisor")}


def steps() -> list[tuple[str, object]]:
    """Each step: its effective date and what it does to 0301's case in a unit of work."""

    def apply(session, day):  # noqa: ANN001, ANN202
        application = service.Application(
            contact_name="Kari Søker",
            contact_email="kari@kommune.example.no",
            motivation="Kulturskolen for alle",
            development_area=None,
            county_dialogue=False,
        )
        service.apply(session, "0301", application, on(day))

    def amend(session, day):  # noqa: ANN001, ANN202
        service.amend_application(
            session, _case(session), on(day), development_area="Inkludering", county_dialogue=True
        )

    def group(session, day):  # noqa: ANN001, ANN202
        for name, email, phone, role in GROUP:
            service.set_member(
                session, _case(session), on(day), name=name, email=email, phone=phone, role=role
            )

    def change_role(session, day):  # noqa: ANN001, ANN202
        name, email, phone, _role = GROUP[3]
        service.set_member(
            session, _case(session), on(day), name=name, email=email, phone=phone, role="other"
        )

    def remove(session, day):  # noqa: ANN001, ANN202
        service.remove_member(session, _case(session), on(day), GROUP[2][1])

    def add_back(session, day):  # noqa: ANN001, ANN202
        name, email, phone, role = GROUP[2]
        service.set_member(
            session, _case(session), on(day), name=name, email=email, phone=phone, role=role
        )

    def sign(session, day):  # noqa: ANN001, ANN202
        service.sign(
            session,
            _case(session),
            on(day),
            chief_executive="Kommunedirektør Hansen",
            culture_school_head="Per Leder",
            signed_on=date.fromisoformat(day) - timedelta(days=2),
        )
        service.countersign(
            session, _case(session), on(day), signed_on=date.fromisoformat(day) - timedelta(days=1)
        )

    def invoicing(session, day):  # noqa: ANN001, ANN202
        invoicing_details(session, "0301", day)

    def advisor(session, day):  # noqa: ANN001, ANN202
        found = advisor_service.find_advisor(session, ANNE)
        advisor_service.assign(session, _case(session), found, on(day), "manual")

    def mapped(session, day):  # noqa: ANN001, ANN202
        service.record_role_mapping(session, _case(session), on(day))

    def terminate(session, day):  # noqa: ANN001, ANN202
        service.transition(
            session, _case(session), "terminate", on(day), reason="Brudd", initiated_by="leadership"
        )

    def fire(trigger: str):  # noqa: ANN202
        return lambda session, day: service.transition(session, _case(session), trigger, on(day))

    return [
        ("2024-04-10", apply),
        ("2024-04-20", amend),
        ("2024-05-15", fire("select")),
        ("2024-05-20", group),
        ("2024-05-25", change_role),
        ("2024-05-28", remove),
        ("2024-06-01", add_back),
        ("2024-06-03", mapped),
        ("2024-06-10", sign),
        ("2024-06-11", invoicing),
        ("2024-06-12", fire("contract")),
        ("2024-07-01", advisor),
        ("2024-08-01", fire("activate")),
        ("2024-09-30", terminate),
    ]


def _case(session):  # noqa: ANN001, ANN202
    return service.find_case(session, "0301", for_update=True)


def test_the_history_gives_back_the_case_as_it_stood_after_every_step(
    engine: Engine, tmp_path: Path
) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    notes: list[tuple[str, dict]] = []
    for day, step in steps():
        with unit_of_work(engine) as session:
            step(session, day)
        notes.append((day, live(engine, day)))
        assert rebuilt(engine, day) == notes[-1][1], day  # at once …
    for day, note in notes:  # … and after everything that came later
        assert rebuilt(engine, day) == note, day
        next_day = date.fromisoformat(day) + timedelta(days=1)
        if all(next_day.isoformat() < later for later, _ in notes if later > day):
            assert rebuilt(engine, next_day.isoformat()) == note, next_day


def test_the_rebuilt_case_shows_the_changes_in_between(engine: Engine, tmp_path: Path) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    for day, step in steps():
        with unit_of_work(engine) as session:
            step(session, day)
    before = as_of(engine, "2024-04-09")
    assert before["existed"] is False and before["state"] is None and before["members"] == []
    assert before["entries"] == 0 and before["last_change"] is None
    applied = as_of(engine, "2024-04-15")
    assert applied["existed"] and applied["state"] == "applied"
    assert applied["application"] == {
        "motivation": "Kulturskolen for alle",
        "development_area": None,
        "county_dialogue": False,
    }
    assert as_of(engine, "2024-04-20")["application"]["county_dialogue"] is True
    roles = {m["name"]: m["role"] for m in as_of(engine, "2024-05-24")["members"]}
    assert roles["Siri Politiker"] == "elected"
    assert {m["name"]: m["role"] for m in as_of(engine, "2024-05-25")["members"]}[
        "Siri Politiker"
    ] == "other"
    assert "Per Leder" not in {m["name"] for m in as_of(engine, "2024-05-30")["members"]}
    back = [m["name"] for m in as_of(engine, "2024-06-01")["members"]]
    assert back[-1] == "Per Leder"  # added again: last in the group
    assert as_of(engine, "2024-06-09")["signatures"]["signed_on"] is None
    assert as_of(engine, "2024-06-10")["signatures"] == {
        "chief_executive": "Kommunedirektør Hansen",
        "culture_school_head": "Per Leder",
        "signed_on": "2024-06-08",
        "director": "Morten Christiansen",
        "director_signed_on": "2024-06-09",
    }
    assert as_of(engine, "2024-06-30")["advisor"] is None
    assert as_of(engine, "2024-07-01")["advisor"] == "Anne Berg"
    assert [as_of(engine, d)["state"] for d in ("2024-08-01", "2024-09-29", "2024-09-30")] == [
        "active",
        "active",
        "terminated",
    ]
    final = as_of(engine, "2025-12-31")
    assert final["entries"] > 0 and final["last_change"] == "2024-09-30"
