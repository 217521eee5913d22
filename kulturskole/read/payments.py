"""Payments received: the newest first, with the invoice each paid and its municipality."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturskole.services.programmes import format_ore
from models import Case, Invoice, Payment


class PaymentRow(TypedDict):
    id: int
    booked_on: str
    kid: str
    amount: str  # NOK with two decimals
    reference: str
    source: str  # "file:line" it was imported from
    series: str
    number: int
    municipality: str
    buyer: str
    invoice_status: str


def count_payments(session: Session) -> tuple[int, int]:
    """How many payments are recorded, and their sum in øre."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Payment.amount_ore), 0)).select_from(Payment)
    ).one()
    return int(count), int(total)


def list_payments(
    session: Session, *, limit: int | None = None, offset: int = 0
) -> list[PaymentRow]:
    """Payments by booking date, the newest first (then the last imported first)."""
    query = (
        select(Payment, Invoice.series, Invoice.number, Invoice.buyer_name, Invoice.status)
        .add_columns(Case.municipality_number)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .join(Case, Case.id == Invoice.case_id)
        .order_by(Payment.booked_on.desc(), Payment.id.desc())
        .limit(limit)
        .offset(offset or None)
    )
    return [
        PaymentRow(
            id=payment.id,
            booked_on=payment.booked_on.isoformat(),
            kid=payment.kid,
            amount=format_ore(payment.amount_ore),
            reference=payment.reference,
            source=payment.source,
            series=series,
            number=number,
            municipality=municipality,
            buyer=buyer,
            invoice_status=status,
        )
        for payment, series, number, buyer, status, municipality in session.execute(query)
    ]
