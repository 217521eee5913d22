"""Programmes: load a validated definition into the database, find one; amounts in NOK."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.history import Acting
from models import Programme, ProgrammeEvent
from models.definition import EventDefinition, ProgrammeDefinition
from notifications.case_mail import event_context
from notifications.events import EventChange, tell_about_changes

LoadResult = Literal["created", "updated", "unchanged"]


def _event_values(event: EventDefinition, position: int) -> dict[str, Any]:
    details: dict[str, Any] = {
        "months": event.months,
        "time": event.time.model_dump() if event.time else None,
        "duration_minutes": event.duration_minutes,
        "note": event.note,
    }
    return {
        "position": position,
        "title": event.title,
        "kind": event.kind,
        "mode": event.mode,
        "start": event.start,
        "end": event.end,
        "weeks": list(event.weeks),
        "tentative": event.tentative,
        "when": event.when,
        "details": {key: value for key, value in details.items() if value not in (None, [])},
    }


def _assign(row: Programme | ProgrammeEvent, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def load_programme(
    session: Session, definition: ProgrammeDefinition, acting: Acting | None = None
) -> tuple[Programme, str]:
    """Insert or update the programme and its timetable; "created", "updated" or "unchanged".

    Events are matched by id: new ones are inserted, changed ones updated, and those no longer
    in the file deleted. Position is the order in the file. An event that was tentative and now
    has dates, or an exact one whose dates or clock changed, is told to the cases it concerns
    (notifications.events) in this same transaction, as of ``acting`` (default: today, by the
    configured actor).
    """
    _require_own_kid_prefix(session, definition)
    values = {
        "title": definition.title,
        "period_start": definition.period.start,
        "period_end": definition.period.end,
        "fee_ore": definition.fee_ore,
        "definition": definition.to_json(),
    }
    programme = session.get(Programme, definition.id)
    if programme is None:
        programme = Programme(id=definition.id, **values)
        programme.events = [
            ProgrammeEvent(programme_id=definition.id, id=event.id, **_event_values(event, index))
            for index, event in enumerate(definition.events)
        ]
        session.add(programme)
        session.flush()
        return programme, "created"

    changed = _assign(programme, values)
    existing = {event.id: event for event in programme.events}
    before = {event.id: event_context(event) for event in programme.events}
    events: list[ProgrammeEvent] = []
    for index, event in enumerate(definition.events):
        row = existing.pop(event.id, None)
        if row is None:
            row = ProgrammeEvent(programme_id=programme.id, id=event.id)
            changed = True
        changed = _assign(row, _event_values(event, index)) or changed
        events.append(row)
    if existing:  # events no longer in the file: removed from the list, deleted as orphans
        changed = True
    programme.events = events
    session.flush()
    if changes := timetable_changes(before, events):
        settings = get_settings()
        tell_about_changes(
            session, programme, changes, acting or Acting(settings.actor, settings.today())
        )
    return programme, "updated" if changed else "unchanged"


def timetable_changes(
    before: dict[str, dict[str, Any]], events: list[ProgrammeEvent]
) -> list[EventChange]:
    """The events that got their time (tentative before, exact now) or a new one (other dates or
    clock), with how each was; a new event or one made tentative again is no change to tell."""
    changes = []
    for event in events:
        previous = before.get(event.id)
        if previous is None or event.tentative or event.start is None:
            continue
        clock = (event.details or {}).get("time")
        if (
            previous["tentative"]
            or previous["start"] is None
            or (previous["start"], previous["end"], previous["time"])
            != (event.start, event.end, clock)
        ):
            changes.append(EventChange(event, previous))
    return changes


def _require_own_kid_prefix(session: Session, definition: ProgrammeDefinition) -> None:
    """No two series share a KID prefix (kulturskole.invoicing.kid): two programmes of one series
    share its numbers, and so may share its prefix; another series must have its own."""
    series = definition.invoicing.series or definition.id
    prefix = definition.invoicing.kid_prefix or ""
    for other in session.scalars(select(Programme).where(Programme.id != definition.id)):
        invoicing = other.rules.invoicing
        other_series = invoicing.series or other.id
        if other_series != series and (invoicing.kid_prefix or "") == prefix:
            shown = f"kid_prefix {prefix!r}" if prefix else "no kid_prefix"
            raise InvalidInput(
                f"programme {definition.id}: invoicing.kid_prefix: {shown} is already used by "
                f"programme {other.id} (series {other_series}); the series {series} needs a "
                "prefix of its own, or KIDs of the two series could be the same"
            )


def get_programme(session: Session, programme_id: str | None) -> Programme:
    """The programme ``programme_id``, or with None the only one loaded."""
    if programme_id is not None:
        programme = session.get(Programme, programme_id)
        if programme is not None:
            return programme
    loaded = list(session.scalars(select(Programme).order_by(Programme.id)))
    names = ", ".join(programme.id for programme in loaded)
    if programme_id is not None:
        known = f"loaded: {names}" if loaded else "none is loaded"
        raise NotFound(f"no programme {programme_id!r} is loaded ({known})")
    if not loaded:
        raise NotFound("no programme is loaded; run `kulturskole programmes load FILE`")
    if len(loaded) > 1:
        raise NotFound(f"several programmes are loaded ({names}): give --programme ID")
    return loaded[0]


def format_ore(amount_ore: int) -> str:
    """Øre as a decimal amount with two decimals, by integer arithmetic: 2000000 → "20000.00"."""
    sign = "-" if amount_ore < 0 else ""
    kroner, ore = divmod(abs(amount_ore), 100)
    return f"{sign}{kroner}.{ore:02d}"
