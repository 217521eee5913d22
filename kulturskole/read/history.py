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
    return [history_row(entry) for entry in entries_of(session, case.id)]


def entries_of(session: Session, case_id: int) -> list[Any]:
    """The case's entries in sequence order, as rows of their columns by attribute name: read
    through the unique index (case_id, seq), with no ORM object per entry (which cost most of
    the read); still an ORM statement, so what the session holds unflushed is flushed first."""
    columns = [attr.class_attribute for attr in HistoryEntry.__mapper__.column_attrs]
    return list(
        session.execute(
            select(*columns).where(HistoryEntry.case_id == case_id).order_by(HistoryEntry.seq)
        )
    )


def history_row(entry: HistoryEntry | Any) -> HistoryRow:
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
