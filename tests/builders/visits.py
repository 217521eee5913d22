"""Advisors, visit windows and visits, built through the service layer, for the visit tests.

Everything here reads or writes through the same functions users call; the snapshots returned
(:class:`VisitRow`, :class:`MessageRow`) are plain values, safe to compare across transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.programme_file import parse_programme_file
from kulturskole.services.programmes import load_programme
from kulturskole.visits import advisors as advisor_service
from kulturskole.visits import scheduling
from models import Advisor, Base, Case, HistoryEntry, Message, ProgrammeEvent, Visit
from models.definition import iso_weeks
from tests.builders.invoicing import on
from tests.builders.programmes import PROGRAMME_FILE

OSLO = ZoneInfo("Europe/Oslo")
HEADER = "name,email,phone,counties,max_physical_per_day,max_digital_per_day"

ANNE = "anne.berg@kulturskoleradet.no"
BJORN = "bjorn.dal@kulturskoleradet.no"
CARL = "carl.eng@kulturskoleradet.no"
# Anne covers Oslo and Rogaland, Bjørn Rogaland only: Rogaland's cases are shared between them.
TWO_ADVISORS = (
    f"Anne Berg,{ANNE},,03 11,,",
    f"Bjørn Dal,{BJORN},+47 912 00 001,11,1,3",
)

# Norwegian public holidays on weekdays near the windows the tests use (independent of the
# `holidays` package the product uses), and 17 May, which is a Saturday in 2025.
PUBLIC_HOLIDAYS = {
    date(2024, 5, 17),
    date(2024, 12, 25),
    date(2024, 12, 26),
    date(2025, 1, 1),
    date(2025, 4, 17),  # Maundy Thursday
    date(2025, 4, 18),  # Good Friday
    date(2025, 4, 21),  # Easter Monday
    date(2025, 5, 1),
    date(2025, 5, 17),
    date(2025, 5, 29),  # Ascension Day
    date(2025, 6, 9),  # Whit Monday
    date(2025, 12, 25),
    date(2025, 12, 26),
}
SPRING = "visit-window-spring"  # 2025-04-14 … 2025-05-23, ISO weeks 16–21 (Easter, 1 and 17 May)


# --- advisors and blocked days ---------------------------------------------------------------


def advisors_csv(tmp_path: Path, *lines: str, name: str = "advisors.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def import_advisors(engine: Engine, tmp_path: Path, *lines: str) -> advisor_service.AdvisorImport:
    with unit_of_work(engine) as session:
        return advisor_service.import_advisors(session, advisors_csv(tmp_path, *lines))


def advisor_rows(engine: Engine) -> list[dict]:
    with unit_of_work(engine, readonly=True) as session:
        return [
            {
                "name": a.name,
                "email": a.email,
                "phone": a.phone,
                "counties": list(a.counties),
                "max_physical_per_day": a.max_physical_per_day,
                "max_digital_per_day": a.max_digital_per_day,
            }
            for a in session.scalars(select(Advisor).order_by(Advisor.email))
        ]


def block(engine: Engine, scope: str, ref: str | None, start: str, end: str, reason: str) -> None:
    with unit_of_work(engine) as session:
        advisor_service.block(
            session, scope, ref, date.fromisoformat(start), date.fromisoformat(end), reason
        )


def advisor_of(engine: Engine, number: str) -> str | None:
    with unit_of_work(engine, readonly=True) as session:
        return session.scalar(
            select(Advisor.email)
            .join(Case, Case.advisor_id == Advisor.id)
            .where(Case.municipality_number == number)
        )


# --- the programme's visit windows -----------------------------------------------------------


def add_window(
    engine: Engine,
    tmp_path: Path,
    start: str = "2025-04-14",
    end: str = "2025-05-23",
    *,
    mode: str = "physical",
    window_id: str = SPRING,
    invite_weeks_before: int | None = None,
) -> str:
    """Reload the 2024–2025 programme with one more exact visit window (a file variant)."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    text = _programme_text(invite_weeks_before) + (
        "\n\n"
        f"  - id: {window_id}\n"
        f'    title: "Veiledningsbesøk, testvindu {window_id}"\n'
        "    kind: visit-window\n"
        f"    mode: {mode}\n"
        f"    start: {start}\n"
        f"    end: {end}\n"
        f"    weeks: {iso_weeks(first, last)}\n"
    )
    _load(engine, tmp_path / f"programme-{window_id}.yaml", text)
    return window_id


def invite_weeks_before(engine: Engine, tmp_path: Path, weeks: int) -> None:
    """Reload the 2024–2025 programme inviting each window ``weeks`` weeks before it opens."""
    _load(engine, tmp_path / f"programme-invite-{weeks}.yaml", _programme_text(weeks))


ALL_AT_ONCE = 104
"""Weeks before opening that invite every window of the 2024–2025 programme at once (window 5
opens 60 weeks after September 2024): for the tests of how visits are placed, not when."""


def _programme_text(weeks: int | None) -> str:
    text = PROGRAMME_FILE.read_text(encoding="utf-8").rstrip("\n")
    if weeks is not None:
        assert "  invite_weeks_before: 4\n" in text
        text = text.replace("  invite_weeks_before: 4\n", f"  invite_weeks_before: {weeks}\n")
    return text


def _load(engine: Engine, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    with unit_of_work(engine) as session:
        load_programme(session, parse_programme_file(path))


def windows(engine: Engine) -> dict[str, tuple[date, date]]:
    """The exact visit windows: id → (first day, last day)."""
    with unit_of_work(engine, readonly=True) as session:
        return {
            e.id: (e.start, e.end)
            for e in session.scalars(
                select(ProgrammeEvent).where(
                    ProgrammeEvent.kind == "visit-window", ProgrammeEvent.start.is_not(None)
                )
            )
        }


# --- scheduling and what it wrote ------------------------------------------------------------


def schedule(engine: Engine, day: str, *, dry_run: bool = False) -> scheduling.ScheduleReport:
    return scheduling.run(engine, on(day), dry_run=dry_run)


@dataclass(frozen=True)
class VisitRow:
    id: int
    number: str
    window: str
    start: datetime  # Europe/Oslo
    end: datetime
    mode: str
    advisor: str
    status: str
    sequence: int
    reason: str | None
    notes: str | None

    @property
    def day(self) -> date:
        return self.start.date()


def visits(engine: Engine, *, window: str | None = None) -> list[VisitRow]:
    with unit_of_work(engine, readonly=True) as session:
        query = (
            select(Visit, Case.municipality_number, Advisor.email)
            .join(Case, Case.id == Visit.case_id)
            .join(Advisor, Advisor.id == Visit.advisor_id)
            .order_by(Visit.id)
        )
        if window is not None:
            query = query.where(Visit.window_id == window)
        return [
            VisitRow(
                id=v.id,
                number=number,
                window=v.window_id,
                start=v.start.astimezone(OSLO),
                end=v.end.astimezone(OSLO),
                mode=v.mode,
                advisor=email,
                status=v.status,
                sequence=v.sequence,
                reason=v.reason,
                notes=v.notes,
            )
            for v, number, email in session.execute(query)
        ]


def visit_of(engine: Engine, number: str, window: str) -> VisitRow:
    (row,) = [v for v in visits(engine, window=window) if v.number == number]
    return row


@dataclass(frozen=True)
class MessageRow:
    id: int
    template: str
    to: tuple[str, ...]
    attachments: tuple[tuple[str, str, bytes], ...]  # filename, content type, content


def messages(engine: Engine, template: str | None = None) -> list[MessageRow]:
    with unit_of_work(engine, readonly=True) as session:
        query = select(Message).order_by(Message.id)
        if template is not None:
            query = query.where(Message.template == template)
        return [
            MessageRow(
                id=m.id,
                template=m.template,
                to=tuple(r["address"] for r in m.to),
                attachments=tuple((a.filename, a.content_type, a.content) for a in m.attachments),
            )
            for m in session.scalars(query)
        ]


def invitation(message: MessageRow) -> tuple[Calendar, Event]:
    """The message's .ics attachment, parsed: the calendar and its one VEVENT."""
    (ics,) = [a for a in message.attachments if a[1].startswith("text/calendar")]
    calendar = Calendar.from_ical(ics[2])
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def invitations_for(engine: Engine, visit_id: int, template: str) -> list[tuple[Calendar, Event]]:
    """The parsed invitations of ``template`` whose UID is the visit's."""
    found = []
    for message in messages(engine, template):
        calendar, event = invitation(message)
        if str(event["UID"]).startswith(f"visit-{visit_id}@"):
            found.append((calendar, event))
    return found


def history(engine: Engine, action: str) -> list[dict]:
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(
            select(HistoryEntry, Case.municipality_number)
            .join(Case, Case.id == HistoryEntry.case_id)
            .where(HistoryEntry.action == action)
            .order_by(HistoryEntry.id)
        )
        return [
            {
                "number": number,
                "effective_on": h.effective_on,
                "reason": h.reason,
                "details": dict(h.details or {}),
                "flow_run_id": h.flow_run_id,
            }
            for h, number in rows
        ]


def row_counts(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine, readonly=True) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def free_weekday(engine: Engine, advisor: str, window: str, after: date) -> date:
    """The first weekday of the window after ``after`` that is no public holiday and on which the
    advisor has no visit (blocked periods are the caller's business)."""
    start, end = windows(engine)[window]
    taken = {v.day for v in visits(engine) if v.advisor == advisor and v.status != "cancelled"}
    day = max(start, after + timedelta(days=1))
    while day <= end:
        if day.weekday() < 5 and day not in PUBLIC_HOLIDAYS and day not in taken:
            return day
        day += timedelta(days=1)
    raise AssertionError(f"no free weekday for {advisor} in {window}")
