"""Eksport til regnskap: the postings of a period downloaded from the ledger page, the same
file as ``kulturskole invoices export``."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from kulturskole.invoicing.export import export_file, export_rows
from kulturskole.payments.importing import import_payments
from kulturskole.payments.lines import PaymentLine
from models import Invoice
from tests.builders.invoicing import active, on
from tests.support.web import logged_in


@pytest.fixture
def postings(engine: Engine, programme_loaded: str) -> None:
    """Oslo and Trondheim invoiced on 26.09.2024; Oslo pays by KID on 10.10.2024."""
    active(engine, "0301", "5001")
    issuing.run(engine, on("2024-09-26"))
    with unit_of_work(engine) as session:
        kid, amount = session.execute(
            select(Invoice.kid, Invoice.amount_ore).where(Invoice.buyer_org_number == "958935420")
        ).one()
        line = PaymentLine("bank:1", kid, amount, date(2024, 10, 10), "BANK-1")
        import_payments(session, [line], on("2024-10-10"))


def test_the_period_downloads_as_csv_the_same_as_the_command(
    engine: Engine, postings: None
) -> None:
    client = logged_in(engine, "viewer")
    assert 'id="accounting-export"' in client.get("/invoices").text
    response = client.get("/invoices/export?from=2024-09-01&to=2024-10-31&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="regnskap-2024-09-01-2024-10-31.csv"' in (response.headers["content-disposition"])
    )
    with unit_of_work(engine, readonly=True) as session:
        expected = export_file(export_rows(session, date(2024, 9, 1), date(2024, 10, 31)), "csv")
    assert response.content == expected
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3  # two invoices and one payment
    assert sum(int(r["amount_ore"]) for r in rows) == 3 * 666_667


def test_a_shorter_period_holds_only_its_own_lines(engine: Engine, postings: None) -> None:
    client = logged_in(engine, "viewer")
    response = client.get("/invoices/export?from=2024-10-01&to=2024-10-31")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 and int(rows[0]["amount_ore"]) == 666_667  # only the payment


def test_the_period_downloads_as_excel(engine: Engine, postings: None) -> None:
    client = logged_in(engine, "finance")
    response = client.get("/invoices/export?from=2024-09-01&to=2024-10-31&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 4  # headings and three lines


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-10-31&to=2024-09-01", "Fra-datoen (31. oktober 2024) er etter til-datoen"),
        ("from=31.10.2024&to=2024-11-01", "«31.10.2024» er ikke en dato"),
        ("from=2024-09-01&to=2024-10-31&format=pdf", "ukjent format «pdf»"),
    ],
)
def test_a_bad_period_or_format_is_refused_in_norwegian(
    engine: Engine, postings: None, query: str, message: str
) -> None:
    response = logged_in(engine, "viewer").get(f"/invoices/export?{query}")
    assert response.status_code == 400 and message in response.text
