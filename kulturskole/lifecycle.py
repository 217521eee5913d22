"""The programme's own calendar: cases start when the period starts and complete when it ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from kulturskole.reports import Report, filled_by_flow
from kulturskole.services import cases as case_service
from kulturskole.services.programmes import get_programme
from models import Breach, Case, GroupMember, Programme


@dataclass
class LifecycleReport(Report):
    EMPTY_ROW = {"municipality": "-", "change": "nothing due"}

    programme: str
    as_of: str
    dry_run: bool
    activated: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)
    decision_needed: list[dict[str, Any]] = field(default_factory=list)
    reminders_queued: int | None = filled_by_flow()

    def headline(self) -> str:
        return (
            f"{len(self.activated)} activated, {len(self.completed)} completed, "
            f"{len(self.decision_needed)} need a decision, {self.reminders_queued} reminders"
        )

    def artifact_rows(self) -> list[dict[str, Any]]:
        return (
            [{"municipality": m, "change": "activated"} for m in self.activated]
            + [{"municipality": m, "change": "completed"} for m in self.completed]
            + [
                {"municipality": f"{d['municipality']} {d['name']}", "change": d["reason"]}
                for d in self.decision_needed
            ]
        )

    def artifact_description(self, flow: str, as_of: date) -> str:
        return (
            f"{flow} as of {as_of}: {len(self.activated)} activated, "
            f"{len(self.completed)} completed, {self.reminders_queued} reminders queued"
        )


def due_states(programme: Programme, as_of: date) -> list[str]:
    """The states whose cases change as of the date: contracted once the period has started,
    active once it has ended."""
    starting = as_of >= programme.period_start
    ending = as_of > programme.period_end
    return [s for s, due in (("contracted", starting), ("active", ending)) if due]


def anything_due(session: Session, programme: Programme, as_of: date) -> bool:
    """Whether `advance` would change or list any case as of the date (one cheap query; the
    programme-day flow skips the task when not)."""
    states = due_states(programme, as_of)
    return bool(states) and (
        session.scalar(
            select(Case.id)
            .where(Case.programme_id == programme.id, Case.state.in_(states))
            .limit(1)
        )
        is not None
    )


def advance(
    engine: Engine, acting: Acting, programme_id: str | None = None, *, dry_run: bool = False
) -> LifecycleReport:
    """Activate contracted cases once the period has started; complete active cases once it
    has ended — except those with an open breach, which are listed for a decision."""
    with unit_of_work(engine, dry_run=dry_run) as session:
        programme = get_programme(session, programme_id)
        report = LifecycleReport(programme.id, acting.as_of.isoformat(), dry_run)
        states = due_states(programme, acting.as_of)
        if not states:
            return report
        cases = session.scalars(
            select(Case)
            .where(Case.programme_id == programme.id, Case.state.in_(states))
            .options(
                selectinload(Case.municipality),
                selectinload(Case.members).selectinload(GroupMember.person),
                selectinload(Case.contact),
            )
            .order_by(Case.municipality_number)
            .with_for_update(of=Case)
        ).all()
        open_breaches = set(
            session.scalars(
                select(Breach.case_id).where(
                    Breach.status == "open", Breach.case_id.in_([c.id for c in cases])
                )
            )
        )
        for case in cases:
            name = f"{case.municipality_number} {case.municipality.name}"
            if case.state == "contracted":
                case_service.transition(session, case, "activate", acting)
                report.activated.append(name)
            elif case.id in open_breaches:
                report.decision_needed.append(
                    {
                        "municipality": case.municipality_number,
                        "name": case.municipality.name,
                        "reason": "an open breach: decide on it before the case is completed",
                    }
                )
            else:
                case_service.transition(session, case, "complete", acting)
                report.completed.append(name)
    return report
