"""Payment reminders (betalingspåminnelser) sent for an invoice unpaid after its due date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

MAX_PAYMENT_REMINDERS = 2  # after the second, finance follows the invoice up by hand


class PaymentReminder(Base):
    """The ``ordinal``-th reminder of an invoice (1 or 2): when it went, the balance it asked
    for and the new due date it gave. One per invoice and ordinal: a reminder is made once."""

    __tablename__ = "payment_reminder"
    __table_args__ = (UniqueConstraint("invoice_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    sent_on: Mapped[date] = mapped_column(Date)
    balance_ore: Mapped[int] = mapped_column(Integer)
    new_due_date: Mapped[date] = mapped_column(Date)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
