"""Innbetalinger: the list of payments from the bank, and finance's upload of a bank file
(camt.054 or OCR giro) through the same import as ``kulturskole payments import``."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from models import HistoryEntry, Invoice, Payment
from tests.builders.invoicing import active, on
from tests.builders.payments import camt_file, ocr_file
from tests.support.web import csrf_of, logged_in

AFTER_FIRST = "2024-09-26"  # joint gathering 1 ended 2024-09-25


@pytest.fixture
def kids(engine: Engine, programme_loaded: str) -> dict[str, tuple[str, int]]:
    """Oslo, Haram and Trondheim invoiced for instalment 1: (KID, amount in øre) of each."""
    active(engine, "0301", "1580", "5001")
    issuing.run(engine, on(AFTER_FIRST))
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(
            select(Invoice.buyer_org_number, Invoice.kid, Invoice.amount_ore, Invoice.case_id)
        ).all()
        from models import Case

        numbers = dict(session.execute(select(Case.id, Case.municipality_number)).all())
    return {numbers[case_id]: (kid, amount) for _, kid, amount, case_id in rows}


def upload(client, data: bytes, name: str = "camt054.xml"):  # noqa: ANN001, ANN201
    return client.post(
        "/payments/import",
        data={"csrf": csrf_of(client, "/payments"), "back": "/payments"},
        files={"file": (name, data, "application/octet-stream")},
    )


def ledger(engine: Engine) -> tuple[list[tuple[int, str]], int, int]:
    """Every invoice's number and status, the payments and the history entries."""
    with unit_of_work(engine, readonly=True) as session:
        invoices = [
            tuple(r)
            for r in session.execute(
                select(Invoice.number, Invoice.status).order_by(Invoice.number)
            )
        ]
        payments = session.scalar(select(func.count()).select_from(Payment))
        entries = session.scalar(select(func.count()).select_from(HistoryEntry))
    return invoices, payments, entries


def test_finance_uploads_a_camt054_file_and_the_invoices_are_paid(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    client = logged_in(engine, "finance")
    (oslo, amount), (trondheim, _) = kids["0301"], kids["5001"]
    data = camt_file([(oslo, amount, "2024-10-10"), (trondheim, 100_000, "2024-10-11")])
    page = upload(client, data)
    assert page.status_code == 200
    assert "2 innbetalinger i filen" in page.text and "2 registrert" in page.text
    assert "Betalt (fakturaen er gjort opp)" in page.text
    assert "Delbetaling (restbeløp gjenstår)" in page.text
    with unit_of_work(engine, readonly=True) as session:
        status = dict(session.execute(select(Invoice.kid, Invoice.status)).all())
    assert status[oslo] == "paid" and status[trondheim] == "issued"
    listing = client.get("/payments")
    assert listing.status_code == 200
    assert oslo in listing.text and trondheim in listing.text
    assert "2 innbetalinger" in listing.text
    # the partly paid invoice shows what is left in the ledger
    rest = client.get("/invoices?q=5001").text
    assert "5\xa0666,67\xa0kr" in rest and "innbetalt 1\xa0000,00\xa0kr" in rest


def test_an_ocr_file_is_read_as_well(engine: Engine, kids: dict[str, tuple[str, int]]) -> None:
    client = logged_in(engine, "finance")
    kid, amount = kids["1580"]
    page = upload(client, ocr_file([(kid, amount, "2024-10-12")]), "innbetalinger.ocr")
    assert page.status_code == 200 and "1 registrert" in page.text
    with unit_of_work(engine, readonly=True) as session:
        assert session.scalar(select(Invoice.status).where(Invoice.kid == kid)) == "paid"


def test_lines_that_do_not_match_are_shown_and_change_nothing(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    client = logged_in(engine, "finance")
    oslo, amount = kids["0301"]
    before = ledger(engine)
    data = camt_file([("00000000000017", 500_00, "2024-10-10"), (oslo, amount + 1, "2024-10-10")])
    page = upload(client, data)
    assert page.status_code == 200
    assert "0 registrert" in page.text and "2 ikke registrert" in page.text
    assert "Ukjent KID" in page.text and "Mer enn restbeløpet" in page.text
    assert ledger(engine) == before


def test_the_same_file_twice_records_nothing_twice(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    client = logged_in(engine, "finance")
    kid, amount = kids["0301"]
    data = camt_file([(kid, amount, "2024-10-10")])
    assert "1 registrert" in upload(client, data).text
    once = ledger(engine)
    again = upload(client, data)
    assert "0 registrert" in again.text and "Allerede importert" in again.text
    assert ledger(engine) == once


def test_a_malformed_file_is_refused_naming_its_line_and_nothing_changes(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    client = logged_in(engine, "finance")
    before = ledger(engine)
    response = upload(client, b"<Document>\n<unclosed>\n", "bank.xml")
    assert response.status_code == 303 and response.headers["location"] == "/payments"
    page = client.get("/payments").text
    assert "Filen bank.xml kan ikke leses, og ingenting er registrert." in page
    assert "Feil på linje 3: not well-formed XML" in page
    assert ledger(engine) == before


def test_an_empty_file_is_refused(engine: Engine, kids: dict[str, tuple[str, int]]) -> None:
    client = logged_in(engine, "finance")
    assert upload(client, b"\n", "tom.txt").status_code == 303
    assert "Filen tom.txt er tom." in client.get("/payments").text


def test_an_upload_without_a_file_asks_for_one(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    client = logged_in(engine, "finance")
    response = client.post(
        "/payments/import", data={"csrf": csrf_of(client, "/payments"), "back": "/payments"}
    )
    assert response.status_code == 303
    assert "Velg en fil fra banken" in client.get("/payments").text


def test_a_viewer_sees_the_payments_but_may_not_upload(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    client = logged_in(engine, "viewer")
    page = client.get("/payments")
    assert page.status_code == 200 and 'id="payment-upload"' not in page.text
    kid, amount = kids["0301"]
    before = ledger(engine)
    assert upload(client, camt_file([(kid, amount, "2024-10-10")])).status_code == 403
    assert ledger(engine) == before


def test_an_upload_without_the_csrf_token_is_refused(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    client = logged_in(engine, "finance")
    kid, amount = kids["0301"]
    before = ledger(engine)
    response = client.post(
        "/payments/import", files={"file": ("c.xml", camt_file([(kid, amount, "2024-10-10")]))}
    )
    assert response.status_code == 403
    assert ledger(engine) == before


def test_the_payments_download_as_csv(engine: Engine, kids: dict[str, tuple[str, int]]) -> None:
    client = logged_in(engine, "finance")
    kid, amount = kids["0301"]
    upload(client, camt_file([(kid, amount, "2024-10-10")]))
    response = client.get("/payments?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Bokført", "KID", "Beløp (kr)"]
    assert rows[1][:3] == ["2024-10-10", kid, "6666.67"]


# --- refunds ----------------------------------------------------------------------------------


def credited_after_payment(engine: Engine, kids: dict[str, tuple[str, int]]) -> int:
    """Oslo pays its invoice in full, then the invoice is credited: the invoice's number."""
    from kulturskole.invoicing.ledger import credit

    client = logged_in(engine, "admin")
    kid, amount = kids["0301"]
    upload(client, camt_file([(kid, amount, "2024-10-10")]))
    with unit_of_work(engine) as session:
        number = session.scalar(select(Invoice.number).where(Invoice.kid == kid))
        credit(session, number, "Feil kjøper", on("2024-10-15"))
    return number


def test_a_refund_due_is_listed_and_finance_records_it_paid_out(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    number = credited_after_payment(engine, kids)
    client = logged_in(engine, "finance")
    page = client.get("/payments").text
    assert 'id="refund-list"' in page and "Skal tilbakebetales" in page
    series = "fk-regionale-2024-2025"
    response = client.post(
        f"/payments/refunds/{series}/{number}",
        data={"csrf": csrf_of(client, "/payments"), "on": "2024-10-20", "reference": "UT-1"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/payments#refunds"
    page = client.get("/payments").text
    assert f"Tilbakebetalingen for faktura {number} (6\xa0666,67\xa0kr)" in page
    assert "Utbetalt 20.10.2024" in page and "UT-1" in page
    with unit_of_work(engine, readonly=True) as session:
        actions = session.scalars(select(HistoryEntry.action)).all()
    assert "refund-paid" in actions
    # the same refund twice: refused in Norwegian, nothing changes
    before = ledger(engine)
    client.post(
        f"/payments/refunds/{series}/{number}",
        data={"csrf": csrf_of(client, "/payments"), "on": "2024-10-21"},
    )
    assert "ble utbetalt 20. oktober 2024" in client.get("/payments").text
    assert ledger(engine) == before


def test_a_payout_before_the_credit_note_is_refused(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    number = credited_after_payment(engine, kids)
    client = logged_in(engine, "finance")
    before = ledger(engine)
    client.post(
        f"/payments/refunds/fk-regionale-2024-2025/{number}",
        data={"csrf": csrf_of(client, "/payments"), "on": "2024-10-01"},
    )
    assert "er før kreditnotaens dato" in client.get("/payments").text
    assert ledger(engine) == before


def test_a_viewer_sees_refunds_but_may_not_record_them(
    engine: Engine, kids: dict[str, tuple[str, int]]
) -> None:
    number = credited_after_payment(engine, kids)
    client = logged_in(engine, "viewer")
    page = client.get("/payments").text
    assert "Skal tilbakebetales" in page and "Registrer utbetalt" not in page
    response = client.post(
        f"/payments/refunds/fk-regionale-2024-2025/{number}",
        data={"csrf": csrf_of(client, "/payments"), "on": "2024-10-20"},
    )
    assert response.status_code == 403
