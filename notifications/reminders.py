"""Reminders before gatherings, coordinator meetings, visits and the plans' due dates, queued on
the programme's calendar."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturskole.config import get_settings
from kulturskole.history import Acting
from models import Case, Deliverable, GroupMember, Programme
from notifications.case_mail import common_context, coordinator_or_contact, event_context, key_for
from notifications.outbox import queue
from states.groups import PARTICIPATING


def queue_due_reminders(session: Session, acting: Acting, programme_id: str | None = None) -> int:
    """Queue a reminder for every event that starts within the reminder window as of the date.

    A run that was missed catches up as long as the event has not started; the idempotency key
    (case, event) makes re-runs harmless. Returns how many were queued.
    """
    queued = 0
    programmes = session.scalars(
        select(Programme).where(Programme.id == programme_id) if programme_id else select(Programme)
    ).all()
    for programme in programmes:
        reminders = programme.rules.reminders
        days = reminders.days_before
        kinds = set(reminders.kinds)
        due = [
            e
            for e in programme.events
            if e.kind in kinds
            and e.start is not None
            and e.start - timedelta(days=days) <= acting.as_of < e.start
        ]
        if not due:
            continue
        cases = _taking_part(session, programme)
        for event in due:
            for case in cases:
                to = coordinator_or_contact(case)
                context = common_context(case, to) | {
                    "event": event_context(event),
                    "days_before": (event.start - acting.as_of).days,
                }
                message = queue(
                    session,
                    key=key_for(case, "reminder", event.id),
                    template="reminder",
                    context=context,
                    to=[to],
                    case=case,
                    acting=acting,
                )
                queued += message is not None
    return (
        queued
        + _visit_reminders(session, acting, programme_id)
        + _plan_reminders(session, acting, programme_id)
    )


def _visit_reminders(session: Session, acting: Acting, programme_id: str | None) -> int:
    """A reminder before each scheduled guidance visit, as before gatherings."""
    from datetime import datetime

    from models import Visit

    tz = get_settings().tz
    queued = 0
    for programme in session.scalars(
        select(Programme).where(Programme.id == programme_id) if programme_id else select(Programme)
    ):
        days = programme.rules.reminders.days_before
        first = datetime.combine(acting.as_of + timedelta(days=1), datetime.min.time(), tz)
        last = datetime.combine(acting.as_of + timedelta(days=days + 1), datetime.min.time(), tz)
        rows = session.execute(
            select(Visit, Case)
            .join(Case, Case.id == Visit.case_id)
            .where(
                Case.programme_id == programme.id,
                Case.state.in_(PARTICIPATING),
                Visit.status == "scheduled",
                Visit.start >= first,
                Visit.start < last,
            )
            .options(
                selectinload(Case.members).selectinload(GroupMember.person),
                selectinload(Case.contact),
                selectinload(Case.municipality),
            )
        ).all()
        for visit, case in rows:
            start, end = visit.start.astimezone(tz), visit.end.astimezone(tz)
            event = {
                "id": f"visit-{visit.id}",
                "title": "Veiledningsbesøk",
                "kind": "visit-window",
                "mode": visit.mode,
                "start": start.date(),
                "end": end.date(),
                "tentative": False,
                "when": None,
                "time": {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
                "duration_minutes": int((visit.end - visit.start).total_seconds() // 60),
                "note": None,
            }
            to = coordinator_or_contact(case)
            context = common_context(case, to) | {
                "event": event,
                "days_before": (start.date() - acting.as_of).days,
                # absence from a visit is reported to its advisor (issue 13)
                "advisor": {
                    "name": visit.advisor.name,
                    "email": visit.advisor.email,
                    "phone": visit.advisor.phone,
                },
            }
            message = queue(
                session,
                key=key_for(case, "reminder", f"visit-{visit.id}"),
                template="reminder",
                context=context,
                to=[to],
                case=case,
                acting=acting,
            )
            queued += message is not None
    return queued


# The plans a municipality delivers, and the programme-file key of each one's due date.
PLAN_DUE_KEYS = {"meeting-plan": "meeting_plan_due", "development-plan": "development_plan_due"}


def plan_reminder_dates(programme: Programme) -> dict[str, tuple[date, date]]:
    """Each plan with a due date: (the first day its reminder is due, the due date)."""
    rules = programme.rules
    before = timedelta(days=rules.reminders.plan_days_before)
    dues = {what: getattr(rules.obligations, key) for what, key in PLAN_DUE_KEYS.items()}
    return {what: (due - before, due) for what, due in dues.items() if due is not None}


def _plan_reminders(session: Session, acting: Acting, programme_id: str | None) -> int:
    """A reminder ``reminders.plan_days_before`` days before each plan's due date, to each case
    taking part that has not delivered it. A missed run catches up until the due date itself;
    the key (case, plan, due date) makes re-runs harmless, and a moved due date is reminded
    again."""
    queued = 0
    for programme in session.scalars(
        select(Programme).where(Programme.id == programme_id) if programme_id else select(Programme)
    ):
        due = {
            what: day
            for what, (first, day) in plan_reminder_dates(programme).items()
            if first <= acting.as_of <= day
        }
        if not due:
            continue
        cases = _taking_part(session, programme)
        delivered = {
            (case_id, what)
            for case_id, what in session.execute(
                select(Deliverable.case_id, Deliverable.what).where(
                    Deliverable.case_id.in_([case.id for case in cases]),
                    Deliverable.what.in_(list(due)),
                )
            )
        }
        for what, day in due.items():
            for case in cases:
                if (case.id, what) in delivered:
                    continue
                to = coordinator_or_contact(case)
                message = queue(
                    session,
                    key=key_for(case, "plan-reminder", what, day.isoformat()),
                    template="plan_reminder",
                    context=common_context(case, to) | {"plan": {"what": what, "due": day}},
                    to=[to],
                    case=case,
                    acting=acting,
                )
                queued += message is not None
    return queued


def _taking_part(session: Session, programme: Programme) -> list[Case]:
    """The programme's cases taking part, in kommunenummer order, with what a letter needs."""
    return list(
        session.scalars(
            select(Case)
            .where(Case.programme_id == programme.id, Case.state.in_(PARTICIPATING))
            .options(
                selectinload(Case.members).selectinload(GroupMember.person),
                selectinload(Case.contact),
                selectinload(Case.municipality),
            )
            .order_by(Case.municipality_number)
        )
    )
