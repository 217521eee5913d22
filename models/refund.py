"""Refunds: what was paid on an invoice that a credit note then credited, and its paying out."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

REFUND_STATUSES = ("due", "paid")


class Refund(Base):
    """Recorded ``due`` with the credit note of a (partly) paid invoice, for what was paid;
    ``paid`` once finance has paid it out (``paid_on``, the bank's ``reference``)."""

    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), unique=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), unique=True)
    amount_ore: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # due | paid
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
