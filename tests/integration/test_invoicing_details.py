"""Buyer details captured at contract and stamped at issue; KIDs that cannot collide; invoices
dated on Norwegian business days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.invoicing import issuing
from kulturskole.invoicing.kid import is_valid, kid_for
from kulturskole.invoicing.paperwork import NO_ORGANISATION_NUMBER
from kulturskole.programme_file import parse_programme_file
from kulturskole.services import cases as service
from kulturskole.services.invoicing_details import (
    invoicing_details_of,
    set_invoicing_details,
)
from kulturskole.services.programmes import load_programme
from models import HistoryEntry, Invoice, Message
from states.errors import ConditionsNotMet
from tests.builders.cases import acting, apply_case
from tests.builders.invoicing import active, fire, invoices, on
from tests.builders.programmes import PROGRAMME_FILE
from tests.e2e.test_cli import everything

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"  # joint gathering 1 ended Wednesday 2024-09-25


def details(engine: Engine, number: str = "0301", **fields: str) -> object:
    with unit_of_work(engine) as session:
        return set_invoicing_details(session, number, acting("2024-06-01"), **fields)


def actions(engine: Engine, action: str) -> list[HistoryEntry]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(HistoryEntry).where(HistoryEntry.action == action)))


# --- setting the details ---------------------------------------------------------------------


def test_partial_updates_keep_the_other_fields_and_each_change_is_in_history(
    engine: Engine,
) -> None:
    apply_case(engine, "0301")
    view, changed = details(engine, reference="PO 117", email="faktura@oslo.example.no")
    assert changed == ["email", "reference"]
    view, changed = details(engine, address="Postboks 6127 Etterstad, 0602 Oslo")
    assert changed == ["address"]
    assert (view.reference, view.email) == ("PO 117", "faktura@oslo.example.no")
    assert view.address == ("Postboks 6127 Etterstad", "0602 Oslo")
    assert (view.name, view.org_number, view.peppol_id) == (
        "Oslo kommune",
        "958935420",
        "0192:958935420",
    )
    _, changed = details(engine, reference="PO 117")
    assert changed == []
    entries = actions(engine, "invoicing-details-changed")
    assert [e.details["changed"] for e in entries] == [["email", "reference"], ["address"]]
    # an empty value clears a field: the name falls back to the municipality's own name
    details(engine, name="Oslo kommune v/ Utdanningsetaten")
    view, changed = details(engine, name="")
    assert changed == ["name"] and view.name == "Oslo kommune" and "name" in view.defaults


def test_the_details_of_a_case_without_any_are_none(engine: Engine) -> None:
    apply_case(engine, "0301")
    with unit_of_work(engine) as session:
        assert invoicing_details_of(service.find_case(session, "0301")) is None


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"org_number": "958935421"}, "organisation number '958935421' is invalid"),
        ({"email": "faktura@@oslo"}, "e-mail address"),
        ({"peppol_id": "0192-958935420"}, "Peppol id"),
        ({"peppol_id": "0192:958935421"}, "scheme 0192 takes an organisation number"),
        ({"address": "Bare en gate"}, "postcode and place"),
        ({"reference": "Linje\nto"}, "control characters"),
        ({"reference": "r" * 101}, "longer than 100"),
    ],
)
def test_bad_input_changes_nothing(engine: Engine, fields: dict, says: str) -> None:
    apply_case(engine, "0301")
    before = everything(engine)
    with pytest.raises(InvalidInput, match=says):
        details(engine, **({"reference": "PO 117"} | fields))
    assert everything(engine) == before


def test_an_unknown_municipality_is_refused(engine: Engine) -> None:
    with pytest.raises(NotFound):
        details(engine, "9998", reference="PO 117")


def test_a_case_that_has_ended_keeps_its_details(engine: Engine) -> None:
    apply_case(engine, "0301")
    fire(engine, "0301", "withdraw", "2024-05-01")
    with pytest.raises(InvalidInput, match="the case is declined"):
        details(engine, reference="PO 117")
    active(engine, "5001")
    details(engine, "5001", reference="Etter aktivering")  # active: still allowed
    fire(engine, "5001", "terminate", "2024-10-15", reason="Brudd", initiated_by="leadership")
    with pytest.raises(InvalidInput, match="the case is terminated"):
        details(engine, "5001", reference="PO 118")


# --- the contract asks for them ----------------------------------------------------------------


def test_the_contract_is_refused_without_the_reference_and_the_invoice_address(
    engine: Engine,
) -> None:
    from tests.builders.cases import ready_for_contract

    ready_for_contract(engine, "0301")
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301")
        session.delete(case.invoicing_details)
    with pytest.raises(ConditionsNotMet, match="the buyer's reference and the invoice e-mail"):
        fire(engine, "0301", "contract", "2024-06-10")
    details(engine, reference="PO 117")
    with pytest.raises(ConditionsNotMet, match="lack the invoice e-mail address"):
        fire(engine, "0301", "contract", "2024-06-10")
    details(engine, email="faktura@oslo.example.no")
    fire(engine, "0301", "contract", "2024-06-10")


# --- stamped at issue ---------------------------------------------------------------------------


def test_an_invoice_carries_the_details_as_they_were_when_it_was_issued(engine: Engine) -> None:
    active(engine, "0301")
    details(
        engine,
        reference="PO 117",
        email="faktura@oslo.example.no",
        address="Postboks 6127 Etterstad\n0602 Oslo",
        org_number="974590778",
    )
    issuing.run(engine, on(AFTER_FIRST))
    details(engine, reference="Endret etterpå")  # later changes leave the invoice as issued
    [invoice] = invoices(engine)
    assert invoice.buyer_name == "Oslo kommune"
    assert (invoice.buyer_org_number, invoice.buyer_peppol_id) == ("974590778", "0192:974590778")
    assert invoice.buyer_reference == "PO 117"
    assert invoice.buyer_email == "faktura@oslo.example.no"
    assert invoice.buyer_address == "Postboks 6127 Etterstad\n0602 Oslo"
    assert "Postboks 6127 Etterstad" in invoice.document_html
    assert b"<cbc:BuyerReference>PO 117</cbc:BuyerReference>" in invoice.ehf_xml
    assert b'<cbc:EndpointID schemeID="0192">974590778</cbc:EndpointID>' in invoice.ehf_xml
    assert b"<cbc:PostalZone>0602</cbc:PostalZone>" in invoice.ehf_xml


def test_the_invoice_and_its_mail_name_the_municipality_by_its_own_name(engine: Engine) -> None:
    active(engine, "5001", "3114")
    issuing.run(engine, on(AFTER_FIRST))
    names = {i.buyer_name for i in invoices(engine)}
    assert names == {"Trondheim kommune", "Våler kommune"}
    with unit_of_work(engine) as session:
        bodies = [m.text_body for m in session.scalars(select(Message)) if m.template == "invoice"]
    assert bodies and all("Tråante" not in b and "(Østfold)" not in b for b in bodies)
    assert any("til Trondheim kommune" in b for b in bodies)


def test_haram_without_an_organisation_number_is_invoiced_by_name_and_address(
    engine: Engine,
) -> None:
    active(engine, "1580")
    details(engine, "1580", address="Rådhusvegen 2\n6270 Brattvåg")
    issuing.run(engine, on(AFTER_FIRST))
    [invoice] = invoices(engine)
    assert (invoice.buyer_name, invoice.buyer_org_number) == ("Haram kommune", None)
    assert invoice.buyer_peppol_id is None and invoice.ehf_xml is None
    assert NO_ORGANISATION_NUMBER in invoice.document_html
    assert "6270 Brattvåg" in invoice.document_html


# --- KIDs ---------------------------------------------------------------------------------------


def test_the_kid_carries_the_prefix_the_customer_and_the_number(engine: Engine) -> None:
    active(engine, "0301", "5001")
    issuing.run(engine, on(AFTER_FIRST))
    rows = invoices(engine)
    assert [i.number for i in rows] == [240001, 240002]  # the programme file's first number
    for invoice, customer in zip(rows, ("0301", "5001"), strict=True):
        assert invoice.kid == kid_for(invoice.number, customer, "24") and is_valid(invoice.kid)
        assert invoice.kid.startswith("24" + customer)


def test_the_database_refuses_a_second_invoice_with_the_same_kid(engine: Engine) -> None:
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    [invoice] = invoices(engine)
    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        columns = Invoice.__table__.columns
        twin = {c.name: getattr(invoice, c.name) for c in columns if c.name != "id"}
        session.add(Invoice(**twin | {"series": "another", "instalment": 2}))


def _variant(tmp_path: Path, name: str, *replacements: tuple[str, str]) -> Path:
    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_programme_of_another_series_with_the_same_kid_prefix_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    other_id = ("id: regionale-2024-2025", "id: regionale-2026-2027")
    other_series = ("series: fk-regionale-2024-2025", "series: fk-regionale-2026-2027")
    clash = _variant(tmp_path, "clash.yaml", other_id, other_series)
    before = everything(engine)
    refused = pytest.raises(InvalidInput, match="kid_prefix '24' is already used by programme")
    with refused, unit_of_work(engine) as session:
        load_programme(session, parse_programme_file(clash))
    assert everything(engine) == before
    own = _variant(
        tmp_path, "own.yaml", other_id, other_series, ('kid_prefix: "24"', 'kid_prefix: "26"')
    )
    same_series = _variant(tmp_path, "same.yaml", ("id: regionale-2024-2025", "id: regionale-x"))
    with unit_of_work(engine) as session:
        assert load_programme(session, parse_programme_file(own))[1] == "created"
        assert load_programme(session, parse_programme_file(same_series))[1] == "created"


# --- business days ------------------------------------------------------------------------------


def test_after_gathering_5_on_friday_the_saturday_run_issues_nothing_and_monday_does(
    engine: Engine,
) -> None:
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    issuing.run(engine, on("2025-02-14"))  # gathering 3 ended Thursday 2025-02-13
    saturday = issuing.run(engine, on("2025-09-13"))  # gathering 5 ended Friday 2025-09-12
    assert saturday.issued == []
    assert saturday.not_a_business_day == (
        "2025-09-13 is not a business day (Saturday); the next is 2025-09-15"
    )
    assert "not a business day" in saturday.headline()
    assert saturday.as_json()["not_a_business_day"] == saturday.not_a_business_day
    monday = issuing.run(engine, on("2025-09-15"))
    assert [i["instalment"] for i in monday.issued] == [3]
    third = invoices(engine)[-1]
    assert (third.issue_date, third.due_date) == (date(2025, 9, 15), date(2025, 10, 15))


def test_a_holiday_run_issues_nothing(engine: Engine) -> None:
    active(engine, "0301")
    report = issuing.run(engine, on("2024-12-26"))  # Second Day of Christmas, a Thursday
    assert report.issued == [] and "the next is 2024-12-27" in report.not_a_business_day
    assert invoices(engine) == []


def test_a_business_day_run_reports_no_closure(engine: Engine) -> None:
    active(engine, "0301")
    report = issuing.run(engine, on(AFTER_FIRST))
    assert report.not_a_business_day is None and len(report.issued) == 1


# --- read back: `cases show` and the console's case page ----------------------------------------


def test_the_case_shows_its_invoicing_details_to_the_cli_and_the_console(engine: Engine) -> None:
    from kulturskole.read.cases import case_detail
    from tests.support.web import logged_in

    apply_case(engine, "3114")
    with unit_of_work(engine, readonly=True) as session:
        shown = case_detail(session, "3114", date(2024, 5, 1))["invoicing"]
    assert (shown["name"], shown["reference"], shown["defaults"]) == (
        "Våler kommune",
        None,
        ["name", "org_number", "peppol_id"],
    )
    details(engine, "3114", reference="Bestilling 9", address="Kirkeveien 10, 1592 Våler i Østfold")
    page = logged_in(engine, "viewer").get("/cases/3114")
    assert page.status_code == 200
    assert "Fakturaopplysninger" in page.text and "Våler kommune" in page.text
    assert "Bestilling 9" in page.text and "Kirkeveien 10, 1592 Våler i Østfold" in page.text
    assert "Våler (Østfold)" in page.text  # the list form stays where it tells the two apart
