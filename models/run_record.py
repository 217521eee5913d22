"""What each flow run did, kept in our own database for the status overview (Prefect's records
are for watching runs; ours are the record of what happened)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, UTCDateTime, utcnow


class RunRecord(Base):
    __tablename__ = "run_record"
    __table_args__ = (Index("ix_run_record_flow", "flow", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow: Mapped[str] = mapped_column(String(60))
    programme_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    as_of: Mapped[date] = mapped_column(Date)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    flow_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
