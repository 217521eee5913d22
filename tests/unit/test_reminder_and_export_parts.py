"""The parts of payment reminders, refunds and the accounting export that need no database:
the programme file's settings, the letters' wording, and the spreadsheet writer's guard."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kulturskole.errors import InvalidFile
from kulturskole.programme_file import parse_programme_file
from kulturskole.spreadsheet import csv_bytes, dangerous, xlsx_bytes
from notifications.render import render
from tests.unit.test_programme_file import SHIPPED, VALID
from tests.unit.test_templates import context_for

NBSP = "\u00a0"


def parse(tmp_path: Path, text: str):  # noqa: ANN201
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return parse_programme_file(path)


def test_the_shipped_file_reminds_after_14_days_and_names_ns4102_accounts() -> None:
    invoicing = parse_programme_file(SHIPPED).invoicing
    assert (invoicing.reminder_days, invoicing.reminder_due_days) == (14, 14)
    accounts = invoicing.accounts
    assert (accounts.revenue, accounts.receivable, accounts.bank) == ("3200", "1500", "1920")


def test_reminder_days_and_accounts_have_defaults_and_are_checked(tmp_path: Path) -> None:
    plain = parse(tmp_path, VALID).invoicing
    assert plain.reminder_days == 14 and plain.accounts.receivable == "1500"
    custom = VALID.replace(
        "  payment_terms_days: 30\n",
        '  payment_terms_days: 30\n  reminder_days: 10\n  accounts: {revenue: "3100"}\n',
    )
    parsed = parse(tmp_path, custom).invoicing
    assert (parsed.reminder_days, parsed.accounts.revenue, parsed.accounts.bank) == (
        10,
        "3100",
        "1920",
    )
    for bad, field in (
        ("  reminder_days: 0\n", "invoicing.reminder_days"),
        ('  accounts: {bank: "19x0"}\n', "invoicing.accounts.bank"),
    ):
        with pytest.raises(InvalidFile, match=field.replace(".", r"\.")):
            parse(
                tmp_path,
                VALID.replace("  payment_terms_days: 30\n", f"  payment_terms_days: 30\n{bad}"),
            )


def test_an_unpaid_invoice_can_never_be_made_a_terminating_rule(tmp_path: Path) -> None:
    text = VALID + "obligations:\n  terminating_rules: [gathering-attendance, invoice-overdue]\n"
    with pytest.raises(InvalidFile, match="invoice-overdue can never lead to termination"):
        parse(tmp_path, text)


def test_a_warning_threatens_termination_only_for_a_rule_that_can_lead_to_it() -> None:
    context = context_for("obligation_warning")
    context["breach"] = {**context["breach"], "rule": "meeting-plan", "can_terminate": False}
    result = render("obligation_warning", context)
    assert "øyeblikkelig virkning" not in result.text and "avslutte" not in result.text
    assert "øyeblikkelig virkning" not in result.html
    context["breach"] = {**context["breach"], "rule": "invoice-overdue", "can_terminate": True}
    with pytest.raises(ValueError, match="never threatens termination"):
        render("obligation_warning", context)


def test_the_second_reminder_says_so_and_a_first_without_payments_shows_none() -> None:
    context = context_for("payment_reminder")
    context["reminder"] = {**context["reminder"], "ordinal": 2, "paid_ore": 0}
    result = render("payment_reminder", context)
    assert result.subject.startswith("2. betalingspåminnelse: faktura 17 – Trondheim")
    assert "Dette er andre påminnelse om fakturaen." in result.text
    assert "Innbetalt" not in result.text and "Innbetalt" not in result.html
    first = render("payment_reminder", context_for("payment_reminder"))
    assert first.subject.startswith("Betalingspåminnelse: faktura 17 – ")
    assert f"Innbetalt: 2{NBSP}000,00{NBSP}kr" in first.text
    assert "andre påminnelse" not in first.text and "økonomiavdeling" not in first.text


def test_the_credit_note_says_what_is_refunded() -> None:
    context = context_for("credit_note")
    context["refund"] = {"amount_ore": 666667, "invoice_amount_ore": 666667, "account": None}
    result = render("credit_note", context)
    assert f"Vi har mottatt 6{NBSP}666,67{NBSP}kroner i betaling for faktura 17." in result.text
    assert "kontonummeret beløpet skal betales tilbake til" in result.text
    assert "skal derfor ikke betales" not in result.text
    context["refund"] = {"amount_ore": 100, "invoice_amount_ore": 666667, "account": "1234"}
    partly = render("credit_note", context)
    assert "Resten av fakturaen skal ikke betales." in partly.text
    assert "kontonummeret" not in partly.text
    unpaid = render("credit_note", context_for("credit_note"))
    assert "tilbake" not in unpaid.text


@pytest.mark.parametrize(
    ("value", "is_dangerous"),
    [
        ("=1+1", True),
        ("+47 912", True),
        ("-x", True),
        ("@SUM(A1)", True),
        ("\tcmd", True),
        ("-6666.67", False),
        ("6666.67", False),
        ("+12", False),
        ("Oslo", False),
        (12, False),
        (None, False),
    ],
)
def test_formula_injection_is_recognised(value: object, is_dangerous: bool) -> None:
    assert dangerous(value) is is_dangerous


def test_csv_and_xlsx_writers_keep_text_as_text(tmp_path: Path) -> None:
    values = [["=cmd|' /C calc'!A0", "-6666.67", None, date(2024, 9, 26)]]
    data = csv_bytes(["a", "b", "c", "d"], values)
    assert data.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))[1:]
    assert row == ["'=cmd|' /C calc'!A0", "-6666.67", "", "2024-09-26"]
    path = tmp_path / "x.xlsx"
    path.write_bytes(xlsx_bytes("t", ["a", "b", "c", "d"], values))
    sheet = load_workbook(path).active
    cell = sheet["A2"]
    assert (cell.value, cell.data_type) == ("=cmd|' /C calc'!A0", "s")
    assert float(sheet["B2"].value) == -6666.67
