"""Calendar invitations (RFC 5545 / iTIP RFC 5546) for guidance visits.

One visit is one ``VEVENT`` with a stable UID. The first invitation is ``METHOD:REQUEST`` with
``SEQUENCE:0``; every change is sent again as a REQUEST with the sequence raised by one, and a
cancellation is ``METHOD:CANCEL`` with the latest sequence and ``STATUS:CANCELLED``.

Times are always written as Europe/Oslo local time with ``TZID=Europe/Oslo``, whatever zone the
caller used, and the calendar carries a ``VTIMEZONE`` for Europe/Oslo generated from the zoneinfo
database by ``icalendar`` (``Timezone.from_tzid``), covering the calendar years of the event.
Escaping, line folding and CRLF are left to ``icalendar``.

The output depends only on the :class:`Invitation`: DTSTAMP is passed in, nothing reads the clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event, Timezone, vCalAddress
from icalendar.parser.string import _foldline

__all__ = ["OSLO", "PRODID", "Invitation", "invitation_ics"]

PRODID = "-//Norsk kulturskoleråd//kulturskole//NB"
OSLO_TZID = "Europe/Oslo"
OSLO = ZoneInfo(OSLO_TZID)

_METHODS = ("REQUEST", "CANCEL")
_STATUSES = ("CONFIRMED", "CANCELLED")
# An address goes into the calendar as a mailto: URI: no whitespace or control characters.
_BAD_EMAIL = re.compile(r"[\s\x00-\x1f\x7f]")
_FOLD_AT = 75  # octets: icalendar's limit (RFC 5545 3.1)


def _whole_seconds(moment: datetime) -> datetime:
    """iCalendar DATE-TIME has no fractions of a second; drop them rather than let them vanish."""
    return moment.replace(microsecond=0)


def _require_aware(name: str, moment: object) -> None:
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


def _require_email(name: str, email: object) -> None:
    if not isinstance(email, str) or "@" not in email or _BAD_EMAIL.search(email):
        raise ValueError(f"{name} {email!r} is not an e-mail address")


@dataclass(frozen=True)
class Invitation:
    """Everything one calendar invitation for a visit says.

    ``status`` follows ``method``: a CANCEL is always ``CANCELLED`` (set here if left at the
    default), and a REQUEST that says ``CANCELLED`` is refused — cancel with ``method="CANCEL"``.
    """

    uid: str  # stable per visit, e.g. "visit-42@kulturskole.kulturskoleradet.no"
    sequence: int  # 0 for the first invitation, +1 for each change; CANCEL uses the latest
    method: Literal["REQUEST", "CANCEL"]
    start: datetime  # timezone-aware; written as Europe/Oslo local time
    end: datetime
    summary: str
    description: str
    location: str | None  # the municipality, or "Nettmøte" (+ link text) for online meetings
    organizer_name: str
    organizer_email: str  # the advisor
    attendees: tuple[tuple[str | None, str], ...]  # (name, email): the coordinator and others
    stamp: datetime  # DTSTAMP, written in UTC
    status: Literal["CONFIRMED", "CANCELLED"] = "CONFIRMED"

    def __post_init__(self) -> None:
        if not self.uid or not self.uid.strip():
            raise ValueError("uid is empty")
        if isinstance(self.sequence, bool) or not isinstance(self.sequence, int):
            raise ValueError(f"sequence must be an int, got {self.sequence!r}")
        if self.sequence < 0:
            raise ValueError(f"sequence must be >= 0, got {self.sequence}")
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {self.method!r}")
        if self.status not in _STATUSES:
            raise ValueError(f"status must be one of {_STATUSES}, got {self.status!r}")
        if self.method == "CANCEL":
            object.__setattr__(self, "status", "CANCELLED")
        elif self.status == "CANCELLED":
            raise ValueError("a REQUEST cannot be CANCELLED; send method='CANCEL' instead")
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        _require_aware("stamp", self.stamp)
        if _whole_seconds(self.end) <= _whole_seconds(self.start):
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )
        _require_email("organizer_email", self.organizer_email)
        attendees = tuple((name, email) for name, email in self.attendees)
        if not attendees:
            raise ValueError("an invitation needs at least one attendee")
        for _name, email in attendees:
            _require_email("attendee e-mail", email)
        object.__setattr__(self, "attendees", attendees)


def _oslo_timezone(first: datetime, last: datetime) -> Timezone:
    """VTIMEZONE for Europe/Oslo from zoneinfo, covering the calendar years first..last."""
    return Timezone.from_tzid(
        OSLO_TZID,
        first_date=date(first.year, 1, 1),
        last_date=date(last.year + 1, 1, 1),
    )


@lru_cache(maxsize=16)
def _oslo_timezone_ical(first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE's lines for the years, generated once: building it from zoneinfo and
    writing it out was most of an invitation's cost, and it is the same for every visit."""
    return _oslo_timezone(datetime(first_year, 1, 1), datetime(last_year, 1, 1)).to_ical()


def _address(email: str, name: str | None, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key] = value
    return address


def _to_ical(component: Component) -> bytes:
    """``component.to_ical()``, byte for byte, folding only the lines that need it: icalendar
    folds every line character by character, which was half of writing an invitation, and a
    line shorter than the 75-octet limit comes out of its folding unchanged."""
    lines = []
    for line in component.content_lines():
        if not line:
            continue
        data = line.encode("utf-8")
        lines.append(data if len(data) < _FOLD_AT else _foldline(line).encode("utf-8"))
    return b"\r\n".join(lines) + b"\r\n"


def invitation_ics(invitation: Invitation) -> bytes:
    """The invitation as an iCalendar object (UTF-8, CRLF, folded): same input, same bytes."""
    start = _whole_seconds(invitation.start).astimezone(OSLO)
    end = _whole_seconds(invitation.end).astimezone(OSLO)
    stamp = _whole_seconds(invitation.stamp).astimezone(UTC)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invitation.method)

    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    if invitation.location:
        event.add("location", invitation.location)
    event.add("organizer", _address(invitation.organizer_email, invitation.organizer_name))
    for name, email in invitation.attendees:
        event.add(
            "attendee",
            _address(
                email,
                name,
                ROLE="REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="TRUE",
            ),
        )
    event.add("status", invitation.status)
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    # The VTIMEZONE comes first among the calendar's components, right before the VEVENT: its
    # lines (cached) are put there, byte for byte what the whole calendar would write.
    data = _to_ical(calendar)
    at = data.index(b"BEGIN:VEVENT\r\n")
    return data[:at] + _oslo_timezone_ical(start.year, end.year) + data[at:]
