"""The export for accounting: one line per invoice, credit note, payment and refund in a period,
each a balanced posting that finance can load into the council's accounting system.

A line's date is the invoice's or credit note's issue date, the payment's booking date, or the
refund's payout date (a refund still due is not yet a posting). Every amount is positive, with
the account to debit and the account to credit (``invoicing.accounts`` of the programme file,
NS 4102 by default):

=========  ===================  ===================
type       debit                credit
=========  ===================  ===================
invoice    receivable (1500)    revenue (3200)
credit     revenue (3200)       receivable (1500)
payment    bank (1920)          receivable (1500)
refund     receivable (1500)    bank (1920)
=========  ===================  ===================

``number`` is the invoice's or credit note's own number; a payment and a refund carry the number
of the invoice they belong to (as does ``invoice``, which for a credit note is the invoice it
credits). ``reference`` is the bank's reference of a payment or refund, ``manual`` for one
recorded by hand, and the reason of a credit note.

``amount`` is kroner with a dot and two decimals ("6666.67"), ``amount_ore`` the same amount in
øre as an integer: exact, for a machine to sum. A payment recorded by hand (``invoices paid``)
without a bank line is a payment of what the bank lines did not cover, on its ``paid_on`` date,
with the reference ``manual``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from kulturskole.errors import InvalidInput
from kulturskole.services.programmes import format_ore
from models import Case, Invoice, Payment, Programme, Refund

COLUMNS = (
    "type",
    "series",
    "number",
    "invoice",
    "kid",
    "date",
    "due_date",
    "buyer_name",
    "buyer_org_number",
    "municipality",
    "programme",
    "amount",
    "amount_ore",
    "debit_account",
    "credit_account",
    "status",
    "reference",
)
FORMATS = ("csv", "xlsx")
_ORDER = {"invoice": 0, "credit": 1, "payment": 2, "refund": 3}


def check_period(start: date, end: date) -> None:
    if start > end:
        raise InvalidInput(f"--from {start} is after --to {end}")


def export_rows(session: Session, start: date, end: date) -> list[dict[str, Any]]:
    """Every posting dated ``start``..``end`` (both included), by date, then type and number."""
    check_period(start, end)
    accounts = {p.id: p.rules.invoicing.accounts for p in session.scalars(select(Programme))}
    rows: list[dict[str, Any]] = []

    def line(kind: str, document: Invoice, case: Case, **values: Any) -> dict[str, Any]:
        ledger = accounts[case.programme_id]
        debit, credit = {
            "invoice": (ledger.receivable, ledger.revenue),
            "credit": (ledger.revenue, ledger.receivable),
            "payment": (ledger.bank, ledger.receivable),
            "refund": (ledger.receivable, ledger.bank),
        }[kind]
        amount_ore = values.pop("amount_ore")
        return {
            "type": kind,
            "series": document.series,
            "number": values.pop("number", document.number),
            "invoice": values.pop("invoice", document.number),
            "kid": document.kid,
            "date": values.pop("day").isoformat(),
            "due_date": document.due_date.isoformat() if document.due_date else None,
            "buyer_name": document.buyer_name,
            "buyer_org_number": document.buyer_org_number,
            "municipality": case.municipality_number,
            "programme": case.programme_id,
            "amount": format_ore(amount_ore),
            "amount_ore": amount_ore,
            "debit_account": debit,
            "credit_account": credit,
            "status": values.pop("status"),
            "reference": values.pop("reference", None),
        }

    credited = aliased(Invoice)
    for document, case, original in session.execute(
        select(Invoice, Case, credited)
        .join(Case, Case.id == Invoice.case_id)
        .outerjoin(credited, credited.id == Invoice.credits_invoice_id)
        .where(Invoice.issue_date >= start, Invoice.issue_date <= end)
    ):
        if document.kind == "invoice":
            rows.append(
                line(
                    "invoice",
                    document,
                    case,
                    day=document.issue_date,
                    amount_ore=document.amount_ore,
                    status=document.status,
                )
            )
        else:
            rows.append(
                line(
                    "credit",
                    document,
                    case,
                    invoice=original.number if original else None,
                    day=document.issue_date,
                    amount_ore=document.amount_ore,
                    status=document.status,
                    reference=document.reason,
                )
            )
    for payment, invoice, case in session.execute(
        select(Payment, Invoice, Case)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .join(Case, Case.id == Invoice.case_id)
        .where(Payment.booked_on >= start, Payment.booked_on <= end)
    ):
        rows.append(
            line(
                "payment",
                invoice,
                case,
                day=payment.booked_on,
                amount_ore=payment.amount_ore,
                status="booked",
                reference=payment.reference,
            )
        )
    rows.extend(_manual_payments(session, start, end, line))
    for refund, invoice, case in session.execute(
        select(Refund, Invoice, Case)
        .join(Invoice, Invoice.id == Refund.invoice_id)
        .join(Case, Case.id == Invoice.case_id)
        .where(Refund.status == "paid", Refund.paid_on >= start, Refund.paid_on <= end)
    ):
        rows.append(
            line(
                "refund",
                invoice,
                case,
                day=refund.paid_on,
                amount_ore=refund.amount_ore,
                status="paid",
                reference=refund.reference,
            )
        )
    rows.sort(key=lambda r: (r["date"], _ORDER[r["type"]], r["series"], r["number"]))
    return rows


def _manual_payments(session: Session, start: date, end: date, line: Any) -> list[dict[str, Any]]:
    """Invoices marked paid by hand: what their bank lines do not cover."""
    found = list(
        session.execute(
            select(Invoice, Case)
            .join(Case, Case.id == Invoice.case_id)
            .where(
                Invoice.kind == "invoice",
                Invoice.paid_on.is_not(None),
                Invoice.paid_on >= start,
                Invoice.paid_on <= end,
                or_(Invoice.status == "paid", Invoice.status == "credited"),
            )
        )
    )
    if not found:
        return []
    banked: dict[int, int] = defaultdict(int)
    for invoice_id, total in session.execute(
        select(Payment.invoice_id, func.sum(Payment.amount_ore))
        .where(Payment.invoice_id.in_([i.id for i, _ in found]))
        .group_by(Payment.invoice_id)
    ):
        banked[invoice_id] = int(total or 0)
    rows = []
    for invoice, case in found:
        rest = invoice.amount_ore - banked[invoice.id]
        if rest > 0:
            rows.append(
                line(
                    "payment",
                    invoice,
                    case,
                    day=invoice.paid_on,
                    amount_ore=rest,
                    status="booked",
                    reference="manual",
                )
            )
    return rows


def export_values(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[row[column] for column in COLUMNS] for row in rows]


def export_file(rows: list[dict[str, Any]], form: str) -> bytes:
    """The rows as CSV (``;``, UTF-8 with BOM) or Excel, headed by ``COLUMNS``."""
    from kulturskole.spreadsheet import csv_bytes, xlsx_bytes

    if form not in FORMATS:
        raise InvalidInput(f"unknown format {form!r}; use csv or xlsx")
    values = export_values(rows)
    if form == "csv":
        return csv_bytes(COLUMNS, values)
    return xlsx_bytes("bokføring", COLUMNS, values)
