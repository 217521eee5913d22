"""The agreement and contract meeting (avtale- og kontraktsmøte) of each case.

"Programperioden starter med avtale- og kontraktsmøte med hver deltakerkommune": when a case is
contracted, a meeting is booked with its advisor or, before one is assigned, the programme
contact; digital unless the programme file says otherwise (``contract_meeting``). The day is the
first open one (no weekend, public holiday or blocked period, as for guidance visits) from the
programme period's start, or ``lead_days`` after the contract when that is later; the time is
the host's first free slot that day (other contract meetings, and an advisor's visits). The
coordinator and the host get an invitation with an .ics; the meeting is recorded held later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from kulturskole.errors import InvalidInput
from kulturskole.history import Acting, record
from kulturskole.visits.calendar import Calendar
from kulturskole.visits.ics import Invitation, invitation_ics
from models import Advisor, Case, ContractMeeting, Visit
from models.base import utcnow
from notifications.case_mail import (
    common_context,
    coordinator_or_contact,
    key_for,
    programme_contact,
)
from notifications.outbox import File, Recipient, queue
from notifications.render import kommune
from states.groups import PARTICIPATING

BOOKABLE = PARTICIPATING  # a meeting is booked for a case taking part
SEARCH_DAYS = 120  # how far from the first possible day a free slot is looked for


@dataclass(frozen=True)
class Host:
    """Who holds the meeting for the council: the advisor, or the programme contact."""

    name: str
    email: str
    phone: str | None
    advisor_id: int | None


def meeting_of(session: Session, case: Case) -> ContractMeeting | None:
    return session.scalars(
        select(ContractMeeting).where(ContractMeeting.case_id == case.id)
    ).one_or_none()


def book(session: Session, case: Case, acting: Acting) -> ContractMeeting:
    """Book the case's contract meeting and queue its invitation; a case that has one keeps
    it (booking again changes nothing)."""
    existing = meeting_of(session, case)
    if existing is not None:
        return existing
    if case.state not in BOOKABLE:
        raise InvalidInput(
            f"{_who(case)} is {case.state}: a contract meeting is booked once it is contracted"
        )
    settings = case.programme.rules.contract_meeting
    host = _host(session, case)
    start = _first_free(session, case, host, acting)
    meeting = ContractMeeting(
        case_id=case.id,
        advisor_id=host.advisor_id,
        host_name=host.name,
        host_email=host.email,
        start=start,
        end=start + timedelta(minutes=settings.minutes),
        mode=settings.mode,
        status="scheduled",
        sequence=0,
    )
    session.add(meeting)
    session.flush()
    record(
        session,
        case,
        acting,
        "contract-meeting-scheduled",
        details={
            "meeting_id": meeting.id,
            "start": _local_iso(meeting.start),
            "end": _local_iso(meeting.end),
            "mode": meeting.mode,
            "advisor_id": host.advisor_id,
        },
    )
    queue_invitation(session, case, meeting, host, acting)
    return meeting


def held(
    session: Session, case: Case, acting: Acting, *, on: date | None = None
) -> tuple[ContractMeeting, bool]:
    """Record the meeting held (on its own day unless ``on`` says otherwise); returns the
    meeting and whether anything changed. Refused before the meeting's day and in the future."""
    meeting = meeting_of(session, case)
    if meeting is None:
        raise InvalidInput(f"{_who(case)} has no contract meeting: none is booked")
    scheduled_on = meeting.start.astimezone(get_settings().tz).date()
    day = scheduled_on if on is None else on
    if meeting.status == "cancelled":
        raise InvalidInput(f"the contract meeting of {_who(case)} was cancelled")
    if day < scheduled_on:
        raise InvalidInput(
            f"the contract meeting of {_who(case)} is scheduled for {scheduled_on.isoformat()}; "
            f"it cannot have been held on {day.isoformat()}"
        )
    if day > acting.as_of:
        raise InvalidInput(
            f"the contract meeting of {_who(case)} on {day.isoformat()} is after the effective "
            f"date {acting.as_of.isoformat()}: record it once it has been held"
        )
    if meeting.status == "held":
        if meeting.held_on == day:
            return meeting, False
        raise InvalidInput(
            f"the contract meeting of {_who(case)} is already recorded held on "
            f"{meeting.held_on.isoformat()}"
        )
    meeting.status, meeting.held_on = "held", day
    session.flush()
    record(
        session,
        case,
        acting,
        "contract-meeting-held",
        details={"meeting_id": meeting.id, "held_on": day.isoformat()},
    )
    return meeting, True


def cancel_for_termination(session: Session, case: Case, acting: Acting) -> bool:
    """A terminated case's meeting that has not taken place is cancelled, and the coordinator
    and the host get the calendar cancellation (METHOD:CANCEL). False when there was none."""
    meeting = meeting_of(session, case)
    if meeting is None or meeting.status != "scheduled":
        return False
    if meeting.start.astimezone(get_settings().tz).date() < acting.as_of:
        return False  # its day has passed: whether it was held is for an administrator to say
    meeting.status = "cancelled"
    meeting.sequence += 1
    session.flush()
    record(
        session,
        case,
        acting,
        "contract-meeting-cancelled",
        details={"meeting_id": meeting.id, "start": _local_iso(meeting.start)},
    )
    phone = (
        session.get(Advisor, meeting.advisor_id).phone
        if meeting.advisor_id is not None
        else case.programme.rules.contact.phone
    )
    host = Host(meeting.host_name, meeting.host_email, phone, meeting.advisor_id)
    queue_invitation(session, case, meeting, host, acting, cancelled=True)
    return True


# --- the slot -----------------------------------------------------------------------------------


def _host(session: Session, case: Case) -> Host:
    if case.advisor_id is not None:
        advisor = session.get(Advisor, case.advisor_id)
        return Host(advisor.name, advisor.email, advisor.phone, advisor.id)
    contact = programme_contact(case.programme)
    return Host(
        contact.name or contact.address, contact.address, case.programme.rules.contact.phone, None
    )


def _first_free(session: Session, case: Case, host: Host, acting: Acting) -> datetime:
    rules = case.programme.rules.contract_meeting
    tz = get_settings().tz
    first = max(case.programme.period_start, acting.as_of + timedelta(days=rules.lead_days))
    last = first + timedelta(days=SEARCH_DAYS)
    calendar = Calendar.load(session, first, last)
    busy = _busy(session, host, datetime.combine(first, time(0), tz), tz)
    minutes = timedelta(minutes=rules.minutes)
    day = first
    while day <= last:
        reason = calendar.why_blocked(
            day, case.municipality.county_number, case.municipality_number, host.email
        )
        if reason is None:
            for clock in rules.starts:
                start = datetime.combine(day, time.fromisoformat(clock), tz)
                if not any(s < start + minutes and start < e for s, e in busy):
                    return start
        day += timedelta(days=1)
    raise InvalidInput(
        f"no free time for the contract meeting of {_who(case)} with {host.name} between "
        f"{first.isoformat()} and {last.isoformat()}"
    )


def _busy(
    session: Session, host: Host, after: datetime, tz: object
) -> list[tuple[datetime, datetime]]:
    """The host's booked times from ``after``: contract meetings, and an advisor's visits."""
    taken = [
        (m.start, m.end)
        for m in session.scalars(
            select(ContractMeeting).where(
                ContractMeeting.host_email == host.email,
                ContractMeeting.status != "cancelled",
                ContractMeeting.end > after,
            )
        )
    ]
    if host.advisor_id is not None:
        taken += [
            (v.start, v.end)
            for v in session.scalars(
                select(Visit).where(
                    Visit.advisor_id == host.advisor_id,
                    Visit.status != "cancelled",
                    Visit.end > after,
                )
            )
        ]
    return taken


# --- the invitation -------------------------------------------------------------------------------


def uid_of(meeting: ContractMeeting) -> str:
    domain = parseaddr(get_settings().mail_from)[1].rpartition("@")[2] or "kulturskole.local"
    return f"contract-meeting-{meeting.id}@{domain}"


def location_of(meeting: ContractMeeting, case: Case) -> str:
    if meeting.mode == "digital":
        return "Nettmøte (lenke sendes før møtet)"
    return kommune(case.municipality.name)


def queue_invitation(
    session: Session,
    case: Case,
    meeting: ContractMeeting,
    host: Host,
    acting: Acting,
    *,
    cancelled: bool = False,
) -> None:
    """Mail the coordinator and the host, with the meeting as an .ics: a REQUEST, or with
    ``cancelled`` a CANCEL of the same UID with the raised sequence."""
    method = "CANCEL" if cancelled else "REQUEST"
    coordinator = coordinator_or_contact(case)
    title = case.programme.title
    name = kommune(case.municipality.name)
    location = location_of(meeting, case)
    ics = invitation_ics(
        Invitation(
            uid=uid_of(meeting),
            sequence=meeting.sequence,
            method=method,
            start=meeting.start,
            end=meeting.end,
            summary=f"Avtale- og kontraktsmøte: {title} – {name}",
            description=(
                f"Avtale- og kontraktsmøte i {title} for {name} med {host.name} ({host.email}"
                + (f", tlf. {host.phone}" if host.phone else "")
                + ")."
            ),
            location=location,
            organizer_name=host.name,
            organizer_email=host.email,
            attendees=((coordinator.name, coordinator.address),),
            stamp=utcnow(),
        )
    )
    context = common_context(case, coordinator) | {
        "meeting": {
            "start": meeting.start,
            "end": meeting.end,
            "mode": meeting.mode,
            "location": location,
            "host": {
                "name": host.name,
                "email": host.email,
                "phone": host.phone,
                "advisor": host.advisor_id is not None,
            },
        }
    }
    queue(
        session,
        key=key_for(case, "contract-meeting", meeting.id, meeting.sequence, method.lower()),
        template="contract_meeting_cancelled" if cancelled else "contract_meeting_invitation",
        context=context,
        to=[coordinator, Recipient(host.name, host.email)],
        case=case,
        acting=acting,
        attachments=[
            File(
                "avlysning.ics" if cancelled else "invitasjon.ics",
                f"text/calendar; charset=utf-8; method={method}",
                ics,
            )
        ],
    )


def _local_iso(moment: datetime) -> str:
    return moment.astimezone(get_settings().tz).isoformat()


def _who(case: Case) -> str:
    return f"{case.municipality_number} {case.municipality.name}"
