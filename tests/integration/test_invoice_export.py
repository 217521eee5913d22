"""`invoices export`: every invoice, credit note, payment and refund of a period as postings,
CSV read back with exact sums, Excel opened with openpyxl, and mistakes refused."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from kulturskole.invoicing.export import COLUMNS
from kulturskole.invoicing.ledger import credit, record_payment
from kulturskole.payments.importing import import_payments
from kulturskole.payments.lines import PaymentLine
from kulturskole.payments.refunds import record_refund
from tests.builders.invoicing import active, invoices, nr, on
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")


@pytest.fixture
def booked(engine: Engine) -> dict[int, str]:
    """Three invoices (26.09.2024): the first paid by hand and credited (by the fourth number)
    with its refund paid out, the second partly paid from the bank, the third open; the KIDs by
    number."""
    active(engine, "0301", "5001", "1103")
    issuing.run(engine, on("2024-09-26"))
    kids = {i.number: i.kid for i in invoices(engine)}
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), date(2024, 10, 10), on("2024-10-10"))
        import_payments(
            session,
            [PaymentLine("bank.xml:15", kids[nr(2)], 123_456, date(2024, 10, 12), "camt:N1-1")],
            on("2024-10-12"),
        )
        credit(session, nr(1), '=HYPERLINK("http://x")', on("2024-10-15"))
        record_refund(session, nr(1), date(2024, 10, 20), on("2024-10-20"), reference="UT-1")
    return kids


def export_csv(cli: CliRunner, *args: str) -> list[dict[str, str]]:
    result = run(cli, "invoices", "export", "--format", "csv", *args)
    assert result.exit_code == 0, result.stderr
    raw = result.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_has_one_line_per_posting_and_sums_exactly(
    engine: Engine, booked: dict[int, str], cli: CliRunner
) -> None:
    rows = export_csv(cli, "--from", "2024-09-01", "--to", "2024-12-31")
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["type"], int(r["number"]), r["date"]) for r in rows] == [
        ("invoice", nr(1), "2024-09-26"),
        ("invoice", nr(2), "2024-09-26"),
        ("invoice", nr(3), "2024-09-26"),
        ("payment", nr(1), "2024-10-10"),
        ("payment", nr(2), "2024-10-12"),
        ("credit", nr(4), "2024-10-15"),
        ("refund", nr(1), "2024-10-20"),
    ]
    by = {(r["type"], int(r["number"])): r for r in rows}
    invoice = by[("invoice", nr(1))]
    assert invoice["kid"] == booked[nr(1)] and invoice["buyer_org_number"]
    assert (invoice["municipality"], invoice["programme"]) == ("0301", "regionale-2024-2025")
    assert (invoice["amount"], invoice["amount_ore"], invoice["status"]) == (
        "6666.67",
        "666667",
        "credited",
    )
    assert (invoice["debit_account"], invoice["credit_account"]) == ("1500", "3200")
    assert invoice["due_date"] and invoice["series"] == "fk-regionale-2024-2025"
    note = by[("credit", nr(4))]
    assert (note["debit_account"], note["invoice"]) == ("3200", str(nr(1)))
    # A reason typed by a person cannot become a formula in a spreadsheet.
    assert note["reference"] == '\'=HYPERLINK("http://x")'
    assert (by[("payment", nr(1))]["reference"], by[("payment", nr(1))]["amount_ore"]) == (
        "manual",
        "666667",
    )
    assert (by[("payment", nr(2))]["reference"], by[("payment", nr(2))]["amount"]) == (
        "camt:N1-1",
        "1234.56",
    )
    assert (by[("payment", nr(2))]["debit_account"], by[("payment", nr(2))]["credit_account"]) == (
        "1920",
        "1500",
    )
    assert (by[("refund", nr(1))]["debit_account"], by[("refund", nr(1))]["reference"]) == (
        "1500",
        "UT-1",
    )
    # The receivable's movement, summed exactly in øre, is what is still owed.
    balance = 0
    for row in rows:
        amount = int(row["amount_ore"])
        assert row["amount"] == f"{amount // 100}.{amount % 100:02d}"
        if row["debit_account"] == "1500":
            balance += amount
        if row["credit_account"] == "1500":
            balance -= amount
    assert balance == 666_667 + (666_667 - 123_456)


def test_the_period_is_by_each_lines_own_date(
    engine: Engine, booked: dict[int, str], cli: CliRunner
) -> None:
    rows = export_csv(cli, "--from", "2024-10-12", "--to", "2024-10-15")
    assert [(r["type"], r["number"]) for r in rows] == [
        ("payment", str(nr(2))),
        ("credit", str(nr(4))),
    ]
    assert export_csv(cli, "--from", "2025-01-01", "--to", "2025-01-31") == []


def test_xlsx_opens_with_openpyxl_amounts_as_numbers_and_no_formula(
    engine: Engine, booked: dict[int, str], cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bokføring.xlsx"
    result = run(
        cli,
        "invoices",
        "export",
        "--from",
        "2024-09-01",
        "--to",
        "2024-12-31",
        "--format",
        "xlsx",
        "--output",
        str(path),
    )
    assert result.exit_code == 0, result.stderr
    assert "7 lines written to" in result.stderr
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 8
    amount = COLUMNS.index("amount")
    assert float(rows[1][amount]) == 6666.67
    reason = next(
        c for c in sheet[7] if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")
    )
    assert reason.data_type == "s"  # text, not a formula
    assert sum(int(r[COLUMNS.index("amount_ore")]) for r in rows[1:]) == (
        3 * 666_667 + 666_667 + 123_456 + 666_667 + 666_667
    )


def test_xlsx_goes_to_standard_output_when_it_is_not_a_terminal(
    engine: Engine, booked: dict[int, str], cli: CliRunner, tmp_path: Path
) -> None:
    result = run(
        cli, "invoices", "export", "--from", "2024-09-01", "--to", "2024-09-30", "--format", "xlsx"
    )
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "out.xlsx"
    path.write_bytes(result.stdout_bytes)
    assert len(list(load_workbook(path).active.iter_rows())) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2024-13-01", "--to", "2024-12-31"), "--from"),
        (("--from", "2024-09-01", "--to", "snart"), "--to"),
        (("--from", "2024-12-31", "--to", "2024-09-01"), "is after --to"),
        (("--from", "2024-09-01", "--to", "2024-12-31", "--format", "pdf"), "--format"),
        (
            ("--from", "2024-09-01", "--to", "2024-12-31", "--output", "/nonexistent/dir/x.csv"),
            "the folder /nonexistent/dir does not exist",
        ),
    ],
)
def test_bad_options_are_refused_with_one_line(
    engine: Engine, booked: dict[int, str], cli: CliRunner, args: tuple, message: str
) -> None:
    result = run(cli, "invoices", "export", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
