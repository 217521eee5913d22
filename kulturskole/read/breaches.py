"""Breaches of the programme's obligations, in the order they were opened."""

from __future__ import annotations

from typing import TypedDict, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturskole.obligations.breaches import breach_json
from models import Breach, Case


class BreachRow(TypedDict):
    """The shape of ``breach_json``, which the monitor's report uses too."""

    id: int
    municipality: str
    name: str
    rule: str
    status: str
    opened_on: str
    remedy_by: str
    evidence: str | None
    decision: str | None
    decided_by: str | None
    closed_on: str | None


def list_breaches(
    session: Session, *, only_open: bool = False, case_id: int | None = None
) -> list[BreachRow]:
    """Every breach by id, optionally only the open ones, or only one case's."""
    query = (
        select(Breach, Case)
        .join(Case, Case.id == Breach.case_id)
        .options(selectinload(Case.municipality))
        .order_by(Breach.id)
    )
    if only_open:
        query = query.where(Breach.status == "open")
    if case_id is not None:
        query = query.where(Breach.case_id == case_id)
    return [cast(BreachRow, breach_json(breach, case)) for breach, case in session.execute(query)]


def awaiting_run(session: Session, breach_id: int) -> str | None:
    """The paused monitor-obligations run waiting for a decision on the breach, if any."""
    breach = session.get(Breach, breach_id)
    return breach.awaiting_flow_run_id if breach else None
