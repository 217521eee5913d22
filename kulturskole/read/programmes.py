"""A programme and its timetable."""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy.orm import Session

from kulturskole.services.programmes import format_ore, get_programme
from models import Programme


class EventRow(TypedDict):
    id: str
    title: str
    kind: str
    mode: str | None
    start: str | None
    end: str | None
    weeks: list[int]
    tentative: bool
    when: str | None  # the tentative time in words ("late August")


class ProgrammeDetail(TypedDict):
    id: str
    title: str
    period_start: str
    period_end: str
    fee: str  # NOK with two decimals
    currency: str
    instalments: list[dict[str, Any]]
    events: list[EventRow]


def programme_detail(session: Session, programme_id: str | None = None) -> ProgrammeDetail:
    """The programme ``programme_id`` (or the only one loaded), events in timetable order."""
    return detail_of(get_programme(session, programme_id))


def detail_of(programme: Programme) -> ProgrammeDetail:
    return ProgrammeDetail(
        id=programme.id,
        title=programme.title,
        period_start=programme.period_start.isoformat(),
        period_end=programme.period_end.isoformat(),
        fee=format_ore(programme.fee_ore),
        currency=programme.rules.currency,
        instalments=programme.rules.invoicing.instalments,
        events=[
            EventRow(
                id=event.id,
                title=event.title,
                kind=event.kind,
                mode=event.mode,
                start=event.start.isoformat() if event.start else None,
                end=event.end.isoformat() if event.end else None,
                weeks=list(event.weeks or []),
                tentative=bool(event.tentative),
                when=event.when,
            )
            for event in sorted(programme.events, key=lambda event: event.position)
        ],
    )
