"""A case's history, oldest first, as the administrator and the council's scripts read it."""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.services.cases import find_case
from models import HistoryEntry


class HistoryRow(TypedDict):
    seq: int
    at: str  # UTC, ending in Z
    effective_on: str
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None
    details: dict[str, Any]
    flow_run_id: str | None


def case_history(
    session: Session, number: str, programme_id: str | None = None
) -> list[HistoryRow]:
    """Every history entry of municipality ``number``'s case, in sequence order."""
    case = find_case(session, number, programme_id)
    entries = session.scalars(
        select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.seq)
    )
    return [history_row(entry) for entry in entries]


def history_row(entry: HistoryEntry) -> HistoryRow:
    return HistoryRow(
        seq=entry.seq,
        at=entry.at.isoformat().replace("+00:00", "Z"),
        effective_on=entry.effective_on.isoformat(),
        actor=entry.actor,
        action=entry.action,
        from_state=entry.from_state,
        to_state=entry.to_state,
        reason=entry.reason,
        details=entry.details,
        flow_run_id=entry.flow_run_id,
    )
