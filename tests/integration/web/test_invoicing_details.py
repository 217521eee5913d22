"""Fakturaopplysninger on the case page: finance enters who receives the invoices; bad input
is refused in Norwegian and changes nothing; other roles see the details but no form."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.services import cases as service
from kulturskole.services.invoicing_details import invoicing_details_of
from models import HistoryEntry
from tests.builders.invoicing import active
from tests.support.web import csrf_of, logged_in

FORM = {
    "reference": "4500012345",
    "email": "faktura@trondheim.kommune.no",
    "address": "Postboks 2300 Torgarden\n7004 Trondheim",
    "name": "",
    "org_number": "",
    "peppol_id": "",
}


def details(engine: Engine, number: str = "5001"):  # noqa: ANN201
    with unit_of_work(engine, readonly=True) as session:
        view = invoicing_details_of(service.find_case(session, number))
        entries = session.scalar(select(func.count()).select_from(HistoryEntry))
    return view, entries


def send(client, data: dict[str, str], number: str = "5001"):  # noqa: ANN001, ANN201
    token = csrf_of(client, f"/cases/{number}")
    return client.post(f"/cases/{number}/invoicing-details", data={**data, "csrf": token})


def test_finance_enters_the_invoicing_details_and_they_are_kept(
    engine: Engine, programme_loaded: str
) -> None:
    active(engine, "5001")
    client = logged_in(engine, "finance")
    page = client.get("/cases/5001")
    assert 'id="invoicing-form"' in page.text
    response = send(client, FORM)
    assert response.status_code == 303
    assert response.headers["location"] == "/cases/5001#invoicing-details"
    view, _ = details(engine)
    assert view.reference == "4500012345" and view.email == "faktura@trondheim.kommune.no"
    assert view.address == ("Postboks 2300 Torgarden", "7004 Trondheim")
    assert view.name == "Trondheim kommune" and view.org_number == "942110464"
    shown = client.get("/cases/5001").text
    assert "Fakturaopplysningene er lagret." in shown
    assert "faktura@trondheim.kommune.no" in shown and "4500012345" in shown
    assert "Fakturaopplysninger endret" in shown
    assert "Endret: e-post for faktura, postadresse, deres referanse" in shown
    with unit_of_work(engine, readonly=True) as session:
        actions = session.scalars(select(HistoryEntry.action)).all()
    assert "invoicing-details-changed" in actions


def test_a_broken_organisation_number_is_refused_and_nothing_changes(
    engine: Engine, programme_loaded: str
) -> None:
    active(engine, "5001")
    client = logged_in(engine, "finance")
    send(client, FORM)
    before = details(engine)
    response = send(client, FORM | {"org_number": "942110465", "reference": "ny"})
    assert response.status_code == 303
    page = client.get("/cases/5001").text
    assert "Organisasjonsnummeret «942110465» er ikke gyldig" in page
    assert details(engine) == before


def test_a_bad_email_address_is_refused_in_norwegian(engine: Engine, programme_loaded: str) -> None:
    active(engine, "5001")
    client = logged_in(engine, "finance")
    before = details(engine)
    send(client, FORM | {"email": "faktura@"})
    assert "E-postadressen «faktura@» er ikke gyldig." in client.get("/cases/5001").text
    assert details(engine) == before


def test_a_viewer_sees_the_details_without_a_form_and_may_not_post(
    engine: Engine, programme_loaded: str
) -> None:
    active(engine, "5001")
    client = logged_in(engine, "viewer")
    page = client.get("/cases/5001")
    assert 'id="invoicing-details"' in page.text and 'id="invoicing-form"' not in page.text
    before = details(engine)
    assert send(client, FORM).status_code == 403
    assert details(engine) == before
