"""Invoices and credit notes for the participation fee, numbered without gaps per series."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

INVOICE_STATUSES = ("issued", "sent", "paid", "credited")
INVOICE_KINDS = ("invoice", "credit")


class InvoiceSeries(Base):
    """The next number of a series. Its row is locked while a number is taken, so numbers are
    given out one transaction at a time: a rolled-back transaction gives its numbers back."""

    __tablename__ = "invoice_series"

    series: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("series", "number"),
        # Nothing is invoiced twice: one standing invoice per case and instalment. A credited
        # invoice no longer stands, so the instalment can be invoiced again.
        Index(
            "uq_invoice_standing",
            "case_id",
            "instalment",
            unique=True,
            sqlite_where=text("kind = 'invoice' AND status != 'credited'"),
            postgresql_where=text("kind = 'invoice' AND status != 'credited'"),
        ),
        # A KID names one invoice, whatever its series (kulturskole.invoicing.kid).
        Index(
            "uq_invoice_kid",
            "kid",
            unique=True,
            sqlite_where=text("kid IS NOT NULL"),
            postgresql_where=text("kid IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # invoice | credit
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    instalment: Mapped[int] = mapped_column(Integer)
    amount_ore: Mapped[int] = mapped_column(Integer)  # positive; a credit note credits it
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    kid: Mapped[str | None] = mapped_column(String(25), nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    trigger_event_id: Mapped[str] = mapped_column(String(100))
    # The buyer as it was at issue
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_org_number: Mapped[str | None] = mapped_column(String(9), nullable=True)
    buyer_address: Mapped[str | None] = mapped_column(Text, nullable=True)
    buyer_reference: Mapped[str] = mapped_column(String(200))
    buyer_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    buyer_peppol_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Credit notes: the invoice they correct and why; invoices: whether a credit re-opens it
    credits_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reissue: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The documents as issued
    document_html: Mapped[str] = mapped_column(Text)
    ehf_xml: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), nullable=True)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
