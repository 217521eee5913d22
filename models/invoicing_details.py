"""Where and to whom a case's invoices go: the buyer as the municipality's finance office wants
it named (captured before the contract, stamped on each invoice when it is issued)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.case import Case


class InvoicingDetails(Base):
    """One row per case. A field left empty falls back to the municipality's own data at issue
    (kulturskole.services.invoicing_details.effective_details): its own name + "kommune", its
    organisation number, and the Peppol id ``0192:`` + that number."""

    __tablename__ = "invoicing_details"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    org_number: Mapped[str | None] = mapped_column(String(9), nullable=True)
    peppol_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)  # lines, "\n"-separated
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Declared here (not on Case) so that the case model stays as it is; ``case.invoicing_details``
    # is the row or None.
    case: Mapped[Case] = relationship(
        backref=backref("invoicing_details", uselist=False, cascade="all, delete-orphan")
    )
