"""Guidance visits (veiledningsbesøk) in time order, in Oslo time."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from kulturskole.visits.advisors import find_advisor
from models import Advisor, Case, Visit


class VisitRow(TypedDict):
    id: int
    municipality: str
    window: str
    start: str  # ISO 8601 with the Oslo offset
    end: str
    mode: str
    advisor: str  # the advisor's e-mail
    status: str
    sequence: int
    notes: str | None
    reason: str | None


def list_visits(
    session: Session, *, advisor: str | None = None, case_id: int | None = None
) -> list[VisitRow]:
    """Every visit by start, optionally only those of the advisor with e-mail ``advisor`` or
    of one case."""
    query = (
        select(Visit, Case.municipality_number, Advisor.email)
        .join(Case, Case.id == Visit.case_id)
        .join(Advisor, Advisor.id == Visit.advisor_id)
        .order_by(Visit.start, Visit.id)
    )
    if advisor:
        query = query.where(Advisor.id == find_advisor(session, advisor).id)
    if case_id is not None:
        query = query.where(Visit.case_id == case_id)
    tz = get_settings().tz
    return [
        VisitRow(
            id=visit.id,
            municipality=number,
            window=visit.window_id,
            start=visit.start.astimezone(tz).isoformat(),
            end=visit.end.astimezone(tz).isoformat(),
            mode=visit.mode,
            advisor=email,
            status=visit.status,
            sequence=visit.sequence,
            notes=visit.notes,
            reason=visit.reason,
        )
        for visit, number, email in session.execute(query)
    ]
