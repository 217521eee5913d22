"""How each invoice or credit note reached its buyer: one row per channel.

``ehf``: the UBL document through the configured access point (a folder drop or an access
point's REST API); ``email``: the PDF by mail to the invoice address. ``status`` tells the
truth: ``pending`` (not yet delivered: not handed over, or handed over and not confirmed — then
``reference`` holds the access point's message id), ``delivered``, or ``rejected`` with the
reason (the rule ids of a document that failed validation, the access point's or the mail
server's answer). ``attempts`` counts the hand-overs tried.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

DELIVERY_CHANNELS = ("ehf", "email")
DELIVERY_STATUSES = ("pending", "delivered", "rejected")


class InvoiceDelivery(Base):
    __tablename__ = "invoice_delivery"
    __table_args__ = (UniqueConstraint("invoice_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # ehf | email
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
