"""Reminders before gatherings and coordinator meetings, queued on the programme's calendar."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturskole.config import get_settings
from kulturskole.history import Acting
from models import Case, GroupMember, Programme
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
        cases = session.scalars(
            select(Case)
            .where(Case.programme_id == programme.id, Case.state.in_(PARTICIPATING))
            .options(
                selectinload(Case.members).selectinload(GroupMember.person),
                selectinload(Case.contact),
                selectinload(Case.municipality),
            )
            .order_by(Case.municipality_number)
        ).all()
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
    return queued + _visit_reminders(session, acting, programme_id)


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
