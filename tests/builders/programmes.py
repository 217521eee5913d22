"""The shipped programme file, as the tests load it, and as a programme held in memory."""

from __future__ import annotations

from pathlib import Path

from kulturskole import PROGRAMMES_DIR
from kulturskole.programme_file import parse_programme_file
from models import Programme, ProgrammeEvent

PROGRAMME_FILE = PROGRAMMES_DIR / "regionale-2024-2025.yaml"
PROGRAMME_ID = "regionale-2024-2025"


def programme_in_memory(path: Path = PROGRAMME_FILE) -> Programme:
    """The programme file as a transient ``Programme`` with its timetable, never added to a
    session: what the pure rules read, as ``load_programme`` would store it."""
    definition = parse_programme_file(path)
    return Programme(
        id=definition.id,
        title=definition.title,
        period_start=definition.period.start,
        period_end=definition.period.end,
        fee_ore=definition.fee_ore,
        definition=definition.to_json(),
        events=[
            ProgrammeEvent(
                programme_id=definition.id,
                id=event.id,
                position=position,
                title=event.title,
                kind=event.kind,
                mode=event.mode,
                start=event.start,
                end=event.end,
                weeks=list(event.weeks),
                tentative=event.tentative,
                when=event.when,
                details={},
            )
            for position, event in enumerate(definition.events)
        ],
    )
