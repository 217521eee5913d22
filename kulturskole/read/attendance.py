"""Recorded attendance (oppmøte) at gatherings and coordinator meetings, in timetable order."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.errors import InvalidInput
from models import Attendance, Case, ProgrammeEvent


class AttendanceRow(TypedDict):
    municipality: str
    event: str
    present: int
    members: int  # how many of those present are named
    recorded_at: str


def list_attendance(
    session: Session, *, event: str | None = None, case_id: int | None = None
) -> list[AttendanceRow]:
    """Every attendance row by the event's place in the timetable, then kommunenummer;
    optionally of one event or one case."""
    query = (
        select(Attendance, Case.municipality_number)
        .join(Case, Case.id == Attendance.case_id)
        .join(
            ProgrammeEvent,
            (ProgrammeEvent.programme_id == Case.programme_id)
            & (ProgrammeEvent.id == Attendance.event_id),
        )
        .order_by(ProgrammeEvent.position, Case.municipality_number)
    )
    if event is not None:
        known = session.scalar(select(ProgrammeEvent.id).where(ProgrammeEvent.id == event))
        if known is None:
            raise InvalidInput(f"no event {event!r} in any loaded programme")
        query = query.where(Attendance.event_id == event)
    if case_id is not None:
        query = query.where(Attendance.case_id == case_id)
    return [
        AttendanceRow(
            municipality=number,
            event=row.event_id,
            present=row.present,
            members=len(row.members or []),
            recorded_at=row.recorded_at.isoformat(),
        )
        for row, number in session.execute(query)
    ]
