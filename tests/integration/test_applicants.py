"""County branches (fylkesavdelinger) apply as well as municipalities: registered on their first
application, named as the council names them in every letter, never invoiced, shown as county
branches in the console; a county that is not in the register is refused and nothing changes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.invoicing import issuing
from kulturskole.services import cases as service
from kulturskole.services.applicants import county_branch_number
from models import Case, Message, Municipality
from tests.builders.cases import GROUP, acting, apply_case
from tests.builders.invoicing import active, on
from tests.support.pages import page, words
from tests.support.web import logged_in

pytestmark = pytest.mark.usefixtures("programme_loaded")
BRANCH = "F50"
NAME = "Norsk kulturskoleråd Trøndelag"


def active_branch(engine: Engine, number: str = BRANCH) -> None:
    """A county branch brought to active: no invoicing details are asked of it."""
    apply_case(engine, number)
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
        for name, email, phone, role in GROUP:
            service.set_member(
                session, case, acting("2024-06-01"), name=name, email=email, phone=phone, role=role
            )
        service.record_role_mapping(session, case, acting("2024-06-01"))
        service.sign(
            session,
            case,
            acting("2024-06-10"),
            chief_executive="Fylkesleder Dalseg",
            culture_school_head="Per Leder",
            signed_on=date(2024, 6, 10),
        )
        service.countersign(session, case, acting("2024-06-10"), signed_on=date(2024, 6, 10))
        service.transition(session, case, "contract", acting("2024-06-10"))
        service.transition(session, case, "activate", acting("2024-08-01"))


def mail(engine: Engine, template: str) -> list[Message]:
    with unit_of_work(engine, readonly=True) as session:
        return list(session.scalars(select(Message).where(Message.template == template)))


@pytest.mark.parametrize(("given", "number"), [("50", "F50"), ("3", "F03"), ("f50", "F50")])
def test_county_branch_numbers_have_a_form_no_kommunenummer_can_take(given: str, number: str):
    assert county_branch_number(given) == number


def test_a_county_branch_is_registered_when_it_first_applies(engine: Engine) -> None:
    apply_case(engine, BRANCH)
    with unit_of_work(engine, readonly=True) as session:
        branch = session.get(Municipality, BRANCH)
        assert (branch.kind, branch.name, branch.county_number, branch.org_number) == (
            "county-branch",
            NAME,
            "50",
            None,
        )
        assert branch.county_name == "Trøndelag - Trööndelage"
        case = service.find_case(session, "f50")  # the number is found in either case
        assert (case.state, case.municipality_number) == ("applied", BRANCH)


def test_the_application_receipt_names_the_county_branch_never_as_a_kommune(
    engine: Engine,
) -> None:
    apply_case(engine, BRANCH)
    [receipt] = mail(engine, "application_received")
    assert receipt.subject.endswith(f"– {NAME}")
    assert f"Takk for søknaden fra {NAME} om å delta" in receipt.text_body
    assert f"{NAME} kommune" not in receipt.text_body + receipt.html_body + receipt.subject


def test_selection_letter_names_the_county_branch(engine: Engine) -> None:
    apply_case(engine, BRANCH)
    with unit_of_work(engine) as session:
        case = service.find_case(session, BRANCH, for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
    [selected] = mail(engine, "selected")
    assert selected.subject.startswith(f"{NAME} er valgt ut til ")
    assert "kommune" not in selected.subject


def test_a_county_that_is_not_in_the_register_is_refused_naming_the_valid_ones(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session, pytest.raises(InvalidInput) as refused:
        service.apply(
            session, "F99", service.Application("Kari", "kari@example.no"), acting(), None
        )
    assert str(refused.value).startswith("no county 99 in the register; valid counties: 03 Oslo")
    assert "50 Trøndelag" in str(refused.value)
    with unit_of_work(engine, readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.get(Municipality, "F99") is None


def test_a_county_branch_that_has_not_applied_is_not_found(engine: Engine) -> None:
    with unit_of_work(engine, readonly=True) as session, pytest.raises(NotFound) as missing:
        service.find_case(session, BRANCH)
    assert "county branch F50 has not applied" in str(missing.value)


def test_the_municipality_list_keeps_to_municipalities(engine: Engine) -> None:
    from kulturskole.read.municipalities import list_municipalities

    apply_case(engine, BRANCH)
    with unit_of_work(engine, readonly=True) as session:
        numbers = [row["number"] for row in list_municipalities(session, county="50")]
    assert BRANCH not in numbers and "5001" in numbers


def test_a_county_branch_is_never_invoiced_the_participation_fee(engine: Engine) -> None:
    active(engine, "5001")
    active_branch(engine)
    report = issuing.run(engine, on("2024-09-26"))
    assert [i["municipality"] for i in report.issued] == ["5001"]
    assert issuing.run(engine, on("2025-09-15")).issued[0]["municipality"] == "5001"
    assert all(i["municipality"] != BRANCH for i in report.skipped)
    assert mail(engine, "invoice") and all(NAME not in m.subject for m in mail(engine, "invoice"))


def test_the_console_shows_a_county_branch_as_one(engine: Engine) -> None:
    apply_case(engine, "5001")
    apply_case(engine, BRANCH)
    client = logged_in(engine, "viewer")
    listing = page(client, "/cases")
    rows = {words(row, "./td[1]"): words(row, "./td[2]") for row in listing.xpath("//tbody/tr")}
    assert rows[BRANCH] == f"{NAME} (fylkesavdeling)"
    assert "fylkesavdeling" not in rows["5001"]
    case = page(client, f"/cases/{BRANCH}")
    assert NAME in words(case, "//h1")
    assert words(case, '//p[@class="lead"]').startswith(
        "Fylkesavdeling i Norsk kulturskoleråd (faktureres ikke deltakeravgift) · Trøndelag"
    )
    missing = client.get("/cases/F03")
    assert missing.status_code == 404
    assert "Fylkesavdeling F03 har ingen sak i programmet." in missing.text
