"""Advisors (veiledere), their guidance visits (veiledningsbesøk), and days no visit may fall on."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, UTCDateTime, utcnow

VISIT_STATUSES = ("scheduled", "done", "missed", "cancelled")
VISIT_MODES = ("physical", "digital")
BLOCK_SCOPES = ("all", "county", "municipality", "advisor")


class Advisor(Base):
    __tablename__ = "advisor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    counties: Mapped[list[str]] = mapped_column(JSONType, default=list)  # county numbers
    max_physical_per_day: Mapped[int] = mapped_column(Integer, default=1)
    max_digital_per_day: Mapped[int] = mapped_column(Integer, default=3)


class BlockedPeriod(Base):
    """Days on which no visit may be placed: school holidays of a county or municipality, other
    dates an administrator enters, or an advisor's absence. Weekends and public holidays are
    blocked without being stored."""

    __tablename__ = "blocked_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))  # all | county | municipality | advisor
    ref: Mapped[str | None] = mapped_column(
        String(320), nullable=True
    )  # county nr, kommunenr, e-mail
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(Base):
    """One guidance visit of a case in one visit window of the programme."""

    __tablename__ = "visit"
    __table_args__ = (
        UniqueConstraint("case_id", "window_id"),
        Index("ix_visit_advisor_start", "advisor_id", "start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    window_id: Mapped[str] = mapped_column(String(100))  # the programme event id
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisor.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    advisor: Mapped[Advisor] = relationship()
