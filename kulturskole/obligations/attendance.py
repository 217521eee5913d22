"""Attendance (oppmøte) at joint gatherings and coordinator meetings: recording, correcting and
importing it from a sign-up sheet.

The group takes part in all gatherings; the coordinator in the coordinator meetings. What is
stored per case and event is how many were present and, where known, who (by e-mail). The
history keeps every value a row had, but never the addresses: only how many were named.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.contact import clean_email
from kulturskole.csvfile import read_rows
from kulturskole.errors import InvalidFile, InvalidInput, NotFound
from kulturskole.history import Acting, record
from kulturskole.services.cases import find_case
from kulturskole.services.programmes import get_programme
from models import Attendance, Case, ProgrammeEvent
from models.base import utcnow

ATTENDED_KINDS = ("joint-gathering", "coordinator-meeting")
HEADER = ["event", "kommunenummer", "present", "members"]
MAX_PRESENT = 1000
"""A sanity bound on one municipality's head count (a typo like 50000 is refused)."""

_SEPARATORS = re.compile(r"[\s;,]+")


def record_attendance(
    session: Session,
    case: Case,
    event_id: str,
    present: int,
    members: Sequence[str],
    acting: Acting,
) -> Attendance:
    """Create or correct the case's attendance at ``event_id``; the same values change nothing."""
    _require_taking_part(case)
    event = _attended_event(_events(session, case.programme_id), event_id, case.programme_id)
    _require_started(event, acting)
    emails = clean_members(members)
    _check_present(present, emails)
    row, _ = _apply(session, case, event.id, present, emails, acting)
    return row


def import_attendance(
    session: Session, path: Path, acting: Acting, programme_id: str | None
) -> int:
    """Record every line of a CSV file (event,kommunenummer,present,members), all or nothing.

    The whole file is checked before anything is written; the first bad line refuses it with
    ``path:line: reason``. Returns how many rows were created or changed (lines repeating what
    is already recorded change nothing).
    """
    programme = get_programme(session, programme_id)
    rows = _read_rows(path)
    events = _events(session, programme.id)
    cases: dict[str, Case] = {}
    seen: dict[tuple[str, str], int] = {}
    checked: list[tuple[Case, str, int, list[str]]] = []
    for line, row in rows:
        try:
            if len(row) != len(HEADER):
                raise InvalidInput(f"expected {len(HEADER)} fields, found {len(row)}")
            event_id, number, present_text, members_text = (cell.strip() for cell in row)
            event = _attended_event(events, event_id, programme.id)
            _require_started(event, acting)
            key = (event.id, number)
            if key in seen:
                raise InvalidInput(
                    f"{event.id} for kommunenummer {number} already given on line {seen[key]}"
                )
            if number not in cases:
                cases[number] = find_case(session, number, programme.id, for_update=True)
            case = cases[number]
            _require_taking_part(case)
            present = _parse_present(present_text)
            emails = clean_members(split_members(members_text))
            _check_present(present, emails)
        except (InvalidInput, NotFound) as exc:
            raise InvalidFile(f"{path}:{line}: {exc}") from None
        seen[key] = line
        checked.append((case, event.id, present, emails))
    if not checked:
        raise InvalidFile(f"{path}: no attendance in the file")
    recorded = 0
    for case, event_id, present, emails in checked:
        _, changed = _apply(session, case, event_id, present, emails, acting)
        recorded += changed
    return recorded


def attendance_of(session: Session, case: Case) -> dict[str, Attendance]:
    """The case's attendance rows by event id."""
    rows = session.scalars(select(Attendance).where(Attendance.case_id == case.id))
    return {row.event_id: row for row in rows}


def attended_events(session: Session, programme_id: str) -> list[ProgrammeEvent]:
    """The events of the programme attendance can be recorded for, in timetable order."""
    return [e for e in _events(session, programme_id).values() if _attendable(e)]


def split_members(text: str) -> list[str]:
    """E-mail addresses separated by spaces, semicolons or commas; empty text is none."""
    return [part for part in _SEPARATORS.split(text or "") if part]


def clean_members(members: Sequence[str]) -> list[str]:
    """Each address checked and normalised; the same person twice is refused."""
    if isinstance(members, str):  # a lone string would be split into characters
        members = split_members(members)
    emails: list[str] = []
    seen: set[str] = set()
    for value in members:
        email = clean_email(value)
        if email.casefold() in seen:
            raise InvalidInput(f"e-mail address {email} is given twice in members")
        seen.add(email.casefold())
        emails.append(email)
    return emails


# --- internals --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Values:
    present: int
    members: frozenset[str]


def _apply(
    session: Session,
    case: Case,
    event_id: str,
    present: int,
    emails: list[str],
    acting: Acting,
) -> tuple[Attendance, bool]:
    """Write the checked values; (row, whether anything changed)."""
    row = session.scalars(
        select(Attendance).where(Attendance.case_id == case.id, Attendance.event_id == event_id)
    ).one_or_none()
    new = _Values(present, frozenset(e.casefold() for e in emails))
    previous_present = previous_members = None
    if row is not None:
        old = _Values(row.present, frozenset(e.casefold() for e in row.members or []))
        if old == new:
            return row, False
        previous_present, previous_members = row.present, len(row.members or [])
        row.present, row.members, row.recorded_at = present, list(emails), utcnow()
    else:
        row = Attendance(
            case_id=case.id,
            event_id=event_id,
            present=present,
            members=list(emails),
            recorded_at=utcnow(),
        )
        session.add(row)
    session.flush()
    # Personal data is referred to, not copied: the history gets how many were named, never who.
    record(
        session,
        case,
        acting,
        "attendance-recorded",
        details={
            "event": event_id,
            "present": present,
            "previous_present": previous_present,
            "members": len(emails),
            "previous_members": previous_members,
        },
    )
    return row, True


def _events(session: Session, programme_id: str) -> dict[str, ProgrammeEvent]:
    query = (
        select(ProgrammeEvent)
        .where(ProgrammeEvent.programme_id == programme_id)
        .order_by(ProgrammeEvent.position)
    )
    return {event.id: event for event in session.scalars(query)}


def _attendable(event: ProgrammeEvent) -> bool:
    return event.kind in ATTENDED_KINDS and event.start is not None and event.end is not None


def _attended_event(
    events: dict[str, ProgrammeEvent], event_id: str, programme_id: str
) -> ProgrammeEvent:
    event = events.get((event_id or "").strip())
    if event is not None and _attendable(event):
        return event
    allowed = ", ".join(e.id for e in events.values() if _attendable(e)) or "none"
    if event is None:
        why = f"event {event_id!r} is not in {programme_id}"
    elif event.kind not in ATTENDED_KINDS:
        why = (
            f"event {event.id} is of kind {event.kind}, "
            "not a joint gathering or coordinator meeting"
        )
    else:
        why = f"event {event.id} has no exact dates yet ({event.when or 'tentative'})"
    raise InvalidInput(f"{why}; attendance is recorded for one of: {allowed}")


def _require_started(event: ProgrammeEvent, acting: Acting) -> None:
    if event.start > acting.as_of:
        raise InvalidInput(
            f"{event.id} starts {event.start}, after the effective date {acting.as_of}: "
            "attendance can only be recorded for an event that has started"
        )


def _require_taking_part(case: Case) -> None:
    if case.state == "declined":
        raise InvalidInput(
            f"{case.municipality_number} did not take part in {case.programme_id} "
            "(its application was declined or withdrawn)"
        )


def _check_present(present: int, emails: list[str]) -> None:
    if isinstance(present, bool) or not isinstance(present, int):
        raise InvalidInput(f"present {present!r} is not a whole number")
    if present < 0:
        raise InvalidInput(f"present {present} is negative")
    if present > MAX_PRESENT:
        raise InvalidInput(f"present {present} is more than {MAX_PRESENT}")
    if present < len(emails):
        raise InvalidInput(
            f"present {present} is fewer than the {len(emails)} members named as present"
        )


def _parse_present(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise InvalidInput(f"present {text!r} is not a whole number of 0 or more")
    return int(text)


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    return read_rows(path, HEADER)
