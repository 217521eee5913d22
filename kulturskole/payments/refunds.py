"""Refunds: recorded ``due`` when a (partly) paid invoice is credited
(``kulturskole.invoicing.ledger.credit``), recorded ``paid`` here when finance has paid them out."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.errors import InvalidInput, NotFound
from kulturskole.history import Acting, record
from kulturskole.invoicing.ledger import find_invoice
from kulturskole.services.programmes import format_ore
from models import Case, Invoice, Refund


def record_refund(
    session: Session,
    number: int,
    paid_on: date,
    acting: Acting,
    *,
    reference: str | None = None,
    series: str | None = None,
) -> Refund:
    """Record that the refund of invoice ``number`` was paid out on ``paid_on``."""
    invoice = find_invoice(session, number, series)
    if invoice.kind != "invoice":
        raise InvalidInput(f"{number} is a credit note; give the number of the invoice it credits")
    refund = session.scalar(select(Refund).where(Refund.invoice_id == invoice.id).with_for_update())
    if refund is None:
        raise NotFound(f"invoice {number} has no refund due (only a credited paid invoice has)")
    if refund.status == "paid":
        raise InvalidInput(
            f"the refund of invoice {number} was already paid out on {refund.paid_on}"
        )
    note = session.get(Invoice, refund.credit_note_id)
    if paid_on < note.issue_date:
        raise InvalidInput(
            f"payout date {paid_on} is before the credit note's date {note.issue_date}"
        )
    reference = (reference or "").strip() or None
    if reference is not None and (len(reference) > 200 or not reference.isprintable()):
        raise InvalidInput("the reference is one line of at most 200 characters")
    refund.status, refund.paid_on, refund.reference = "paid", paid_on, reference
    case = session.get(Case, invoice.case_id, with_for_update=True)
    record(
        session,
        case,
        acting,
        "refund-paid",
        details={
            "series": invoice.series,
            "invoice": invoice.number,
            "credit_note": note.number,
            "amount_ore": refund.amount_ore,
            "paid_on": paid_on.isoformat(),
            "reference": reference,
        },
    )
    return refund


def list_refunds(session: Session, status: str | None = None) -> list[dict[str, Any]]:
    """Every refund (due first, then paid), oldest first."""
    from sqlalchemy.orm import aliased

    note = aliased(Invoice)
    query = (
        select(Refund, Invoice, note, Case.municipality_number)
        .join(Invoice, Invoice.id == Refund.invoice_id)
        .join(note, note.id == Refund.credit_note_id)
        .join(Case, Case.id == Invoice.case_id)
        .order_by(Refund.status, Invoice.series, Invoice.number)
    )
    if status is not None:
        query = query.where(Refund.status == status)
    return [
        {
            "series": invoice.series,
            "invoice": invoice.number,
            "credit_note": credit.number,
            "municipality": municipality,
            "buyer": invoice.buyer_name,
            "amount": format_ore(refund.amount_ore),
            "status": refund.status,
            "credited_on": credit.issue_date.isoformat(),
            "paid_on": refund.paid_on.isoformat() if refund.paid_on else None,
            "reference": refund.reference,
        }
        for refund, invoice, credit, municipality in session.execute(query)
    ]
