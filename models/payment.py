"""Payments received from the bank and matched to an invoice by its KID."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Payment(Base):
    """One credit to the council's account, recorded against an invoice. ``reference`` is the
    bank's own, unique: a file imported twice records nothing twice."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    kid: Mapped[str] = mapped_column(String(25))
    amount_ore: Mapped[int] = mapped_column(Integer)
    booked_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))  # "file:line" it was imported from
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
