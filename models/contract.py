"""The signed contract (kontrakt) as a document, and the agreement and contract meeting
(avtale- og kontraktsmøte) that opens each municipality's programme period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

CONTRACT_MEETING_STATUSES = ("scheduled", "held", "cancelled")


class SignedContract(Base):
    """The contract as all three signed it, rendered to PDF when the case is contracted.

    Its SHA-256 is in the case's history, so a replaced or altered file is noticed."""

    __tablename__ = "signed_contract"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    made_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContractMeeting(Base):
    """Avtale- og kontraktsmøte: one per case, digital unless the programme file says otherwise,
    with the case's advisor or, when it has none yet, the programme contact."""

    __tablename__ = "contract_meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisor.id"), nullable=True)
    host_name: Mapped[str] = mapped_column(String(200))
    host_email: Mapped[str] = mapped_column(String(320), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE
    held_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
