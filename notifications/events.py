"""Mail about the programme's common events, to the cases that exist when it is sent.

- **Invitations** (``event_invitation``) to the inspiration gathering (inspirasjonssamling,
  before the start: for those who have applied, been selected or contracted) and to the sharing
  arena (delingsarena, at the end: for those taking part or who have completed), a number of
  days before the event (``invitations.days_before`` in the programme file). A tentative event
  gets no invitation until the programme file gives it dates.
- **Notices** (``event_scheduled``) when a programme file that is loaded again makes a tentative
  event exact ("Nå er tidspunktet for koordinatorsamling 5 fastsatt: …") or moves an exact one,
  queued in the transaction that updates the programme.

Both go to each case's coordinator (before one is named, the contact who applied), once: the
idempotency key names the case and the event (and, for a notice, the new time and the one it
replaces), so a re-run or a reload of the same file queues nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturskole.history import Acting
from models import Case, GroupMember, Programme, ProgrammeEvent
from notifications.case_mail import common_context, coordinator_or_contact, event_context, key_for
from notifications.outbox import queue

#: Who is invited to an event of each kind: the cases in these states on the day it is sent.
INVITED: dict[str, tuple[str, ...]] = {
    "inspiration": ("applied", "selected", "contracted"),
    "sharing-arena": ("active", "completed"),
}

#: Who is told when an event of each kind gets its time or a new one: the cases that exist then
#: for it (the gathering-goers of the moment for the common events, as for their invitations).
TOLD: dict[str, tuple[str, ...]] = {
    "coordinator-meeting": ("active",),
    "joint-gathering": ("active",),
    "visit-window": ("active",),
    **INVITED,
}


@dataclass(frozen=True)
class EventChange:
    """An event of a reloaded programme file that got its time (``previous`` tentative) or a
    new one (``previous`` exact, with other dates or clock)."""

    event: ProgrammeEvent
    previous: dict[str, Any]  # the event as it was: event_context() of the old row


def invitation_date(event: Any, days_before: int) -> date | None:
    """The day the invitation to ``event`` is due, or None (not invited, or tentative)."""
    if event.kind not in INVITED or event.tentative or event.start is None:
        return None
    return event.start - timedelta(days=days_before)


def queue_due_invitations(session: Session, acting: Acting, programme_id: str | None = None) -> int:
    """Queue the invitations due as of the date: from the invitation date until the event starts
    (a missed run catches up). Returns how many were queued."""
    queued = 0
    query = select(Programme)
    if programme_id:
        query = query.where(Programme.id == programme_id)
    for programme in session.scalars(query).all():
        days = programme.rules.invitations.days_before
        for event in programme.events:
            due = invitation_date(event, days)
            if due is None or not due <= acting.as_of < event.start:
                continue
            for case in _cases(session, programme.id, INVITED[event.kind]):
                queued += _send(session, case, acting, "event_invitation", event, "invitation")
    return queued


def tell_about_changes(
    session: Session, programme: Programme, changes: Sequence[EventChange], acting: Acting
) -> int:
    """Queue a notice of each change to the cases it concerns (``TOLD``); how many."""
    queued = 0
    for change in changes:
        states = TOLD.get(change.event.kind)
        if not states:
            continue
        # The new time and the one it replaces: moved back to a time told before is news too.
        when = f"{_time_key(change.event)}/from/{_time_key(change.previous)}"
        for case in _cases(session, programme.id, states):
            queued += _send(
                session,
                case,
                acting,
                "event_scheduled",
                change.event,
                f"scheduled/{when}",
                previous=change.previous,
            )
    return queued


def _time_key(event: ProgrammeEvent | dict[str, Any]) -> str:
    """ "2025-08-27/2025-08-27[/09:00/11:30]", or "tentative" for an event without dates."""
    if isinstance(event, dict):
        start, end, clock = event["start"], event["end"], event["time"] or {}
    else:
        start, end, clock = event.start, event.end, (event.details or {}).get("time") or {}
    if start is None:
        return "tentative"
    parts = [start.isoformat(), end.isoformat(), clock.get("start"), clock.get("end")]
    return "/".join(part for part in parts if part)


def _cases(session: Session, programme_id: str, states: Iterable[str]) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(Case.programme_id == programme_id, Case.state.in_(tuple(states)))
            .options(
                selectinload(Case.members).selectinload(GroupMember.person),
                selectinload(Case.contact),
                selectinload(Case.municipality),
            )
            .order_by(Case.municipality_number)
        )
    )


def _send(
    session: Session,
    case: Case,
    acting: Acting,
    template: str,
    event: ProgrammeEvent,
    what: str,
    **extra: Any,
) -> bool:
    to = coordinator_or_contact(case)
    context = common_context(case, to) | {
        "event": event_context(event),
        "applicant": {"kind": case.municipality.kind},
        **extra,
    }
    message = queue(
        session,
        key=key_for(case, "event", event.id, what),
        template=template,
        context=context,
        to=[to],
        case=case,
        acting=acting,
    )
    return message is not None
