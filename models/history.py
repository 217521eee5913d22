"""The append-only, hash-chained history of every case."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, UTCDateTime

GENESIS = "0" * 64


class HistoryEntry(Base):
    """One thing that happened to a case. The database refuses UPDATE and DELETE on this table."""

    __tablename__ = "history"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_on: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    flow_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


def entry_hash(fields: dict[str, Any]) -> str:
    """SHA-256 of an entry's content and its predecessor's hash, over canonical JSON."""
    canonical = {
        "case_id": fields["case_id"],
        "seq": fields["seq"],
        "at": _iso_utc(fields["at"]),
        "effective_on": fields["effective_on"].isoformat(),
        "actor": fields["actor"],
        "action": fields["action"],
        "from_state": fields["from_state"],
        "to_state": fields["to_state"],
        "reason": fields["reason"],
        "details": fields["details"] or {},
        "flow_run_id": fields["flow_run_id"],
        "prev_hash": fields["prev_hash"],
    }
    blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _iso_utc(at: datetime) -> str:
    # Microseconds are kept: both SQLite and PostgreSQL store them exactly.
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
