"""Obligations: who took part in gatherings and meetings, what was delivered, and breaches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
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

from models.base import Base, JSONType, UTCDateTime, utcnow

BREACH_STATUSES = ("open", "resolved", "waived", "terminated")
DELIVERABLES = ("development-plan", "meeting-plan")


class Attendance(Base):
    """How many of the group took part in one joint gathering or coordinator meeting (and who,
    by e-mail, where known). A correction replaces the row; the history keeps every value."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("case_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    event_id: Mapped[str] = mapped_column(String(100))
    present: Mapped[int] = mapped_column(Integer)
    members: Mapped[list[str]] = mapped_column(JSONType, default=list)  # e-mails
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Deliverable(Base):
    """A document the municipality delivered: the development plan (utviklingsplan) or the
    long-term meeting plan."""

    __tablename__ = "deliverable"
    __table_args__ = (UniqueConstraint("case_id", "what"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    what: Mapped[str] = mapped_column(String(40))
    delivered_on: Mapped[date] = mapped_column(Date)
    filename: Mapped[str | None] = mapped_column(String(300), nullable=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Breach(Base):
    """A rule of the programme that a case does not keep, from when it was found until it is
    resolved, waived or ends in termination."""

    __tablename__ = "breach"
    __table_args__ = (
        # One open breach per case and rule: a rule failing every day opens it once.
        Index(
            "uq_breach_open",
            "case_id",
            "rule",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default="open")
    opened_on: Mapped[date] = mapped_column(Date)
    remedy_by: Mapped[date] = mapped_column(Date)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # waiver or decision reason
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)  # approve | reject
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    awaiting_flow_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
