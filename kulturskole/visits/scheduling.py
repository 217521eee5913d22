"""Placing guidance visits inside the programme's visit windows, one window at a time.

A window's visits are placed and invited ``visits.invite_weeks_before`` weeks before it opens
(its invitation date, ``invite_on``), on the first run on or after that date; until then it is
reported waiting, and a tentative window waits until the programme file makes it exact. For
every exact visit window that is due and has not ended, every contracted or active case without
a visit in it gets one: a day inside the window that is not blocked (weekend, public holiday,
school holiday of its county or municipality, the advisor's absence), within the advisor's daily
capacity for the mode, on the advisor's least loaded day so that visits spread over the window.
A case without an advisor gets one by county, spreading the load. A case that cannot be placed is
reported with the reason. A re-run never moves a visit; one window is one transaction.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.history import Acting, Pending, record_many
from kulturskole.services.programmes import get_programme
from kulturskole.visits.advisors import pick_by_county
from kulturskole.visits.calendar import Calendar, days
from kulturskole.visits.invitations import invitation_message, mail_domain
from kulturskole.visits.report import ScheduleReport
from models import Advisor, Case, GroupMember, Programme, ProgrammeEvent, Visit
from models.definition import Visits
from notifications.outbox import queue_many
from states.groups import PARTICIPATING


class _Occupancy:
    """What each advisor already has on each day: visits per mode and digital slots taken."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.by_mode: Counter[tuple[int, date, str]] = Counter()
        self.total: Counter[tuple[int, date]] = Counter()
        self.slots: dict[tuple[int, date], set[time]] = defaultdict(set)
        self.days: dict[int, list[date]] = defaultdict(list)  # sorted

    def add(self, advisor_id: int, start: datetime, mode: str) -> None:
        local = start.astimezone(self.tz)
        self.by_mode[(advisor_id, local.date(), mode)] += 1
        self.total[(advisor_id, local.date())] += 1
        self.slots[(advisor_id, local.date())].add(local.time())
        used = self.days[advisor_id]
        position = bisect_left(used, local.date())
        if position == len(used) or used[position] != local.date():
            used.insert(position, local.date())

    def spread(self, advisor_id: int, day: date) -> int:
        """Days to the advisor's nearest day with a visit (large when it has none)."""
        used = self.days[advisor_id]
        position = bisect_left(used, day)
        near = [used[i] for i in (position - 1, position) if 0 <= i < len(used)]
        return min((abs((day - other).days) for other in near), default=10_000)


def run(
    engine: Engine, acting: Acting, programme_id: str | None = None, *, dry_run: bool = False
) -> ScheduleReport:
    with unit_of_work(engine, readonly=True) as session:
        programme = get_programme(session, programme_id)
        report = ScheduleReport(programme.id, acting.as_of, dry_run)
        windows = []
        for event in programme.events:
            if event.kind != "visit-window":
                continue
            if event.tentative or event.start is None:
                report.skipped_windows.append(
                    {
                        "window": event.id,
                        "title": event.title,
                        "reason": f"tentative ({event.when}): make it exact in the programme file",
                        "when": event.when,  # the reason's part, for the console's Norwegian
                    }
                )
            elif event.end <= acting.as_of:
                report.skipped_windows.append(
                    {
                        "window": event.id,
                        "title": event.title,
                        "reason": f"ended on {event.end.isoformat()}",
                        "ended_on": event.end.isoformat(),
                    }
                )
            elif acting.as_of < (invite_on := invite_date(event, programme.rules.visits)):
                report.waiting.append(
                    {"window": event.id, "title": event.title, "invite_on": invite_on.isoformat()}
                )
            else:
                windows.append(event.id)
        programme_id = programme.id
    assigned: dict[int, int] = {}  # case id → advisor id given by this run
    for window_id in windows:
        with unit_of_work(engine, dry_run=dry_run) as session:
            # The programme's row lock makes overlapping runs take turns.
            programme = session.get(Programme, programme_id, with_for_update=True)
            window = next(e for e in programme.events if e.id == window_id)
            _schedule_window(session, programme, window, acting, report, assigned)
    return report


def invite_date(window: ProgrammeEvent, settings: Visits) -> date:
    """The date a window's visits are placed and invited: ``invite_weeks_before`` weeks before
    it opens. (A tentative window has no date: it is not asked.)"""
    return window.start - timedelta(weeks=settings.invite_weeks_before)


def invite_dates(programme: Programme) -> dict[str, date]:
    """Each exact visit window's invitation date, by window id: the days the scheduler has
    something new to do (a programme played on a calendar steps through them)."""
    settings = programme.rules.visits
    return {
        event.id: invite_date(event, settings)
        for event in programme.events
        if event.kind == "visit-window" and not event.tentative and event.start is not None
    }


def _schedule_window(
    session: Session,
    programme: Programme,
    window: ProgrammeEvent,
    acting: Acting,
    report: ScheduleReport,
    assigned: dict[int, int],
) -> None:
    settings = programme.rules.visits
    tz = get_settings().tz
    mode = window.mode or settings.default_mode
    eligible = (Case.programme_id == programme.id, Case.state.in_(PARTICIPATING))
    has_visit = select(Visit.id).where(Visit.case_id == Case.id, Visit.window_id == window.id)
    report.existing += session.scalar(
        select(func.count()).select_from(Case).where(*eligible, has_visit.exists())
    )
    waiting = session.scalars(
        select(Case)
        .where(*eligible, ~has_visit.exists())
        .options(*_loads(report.dry_run))
        .order_by(Case.municipality_number)
    ).all()
    if not waiting:
        return
    advisors = {a.id: a for a in session.scalars(select(Advisor).order_by(Advisor.name))}
    load: Counter[int] = Counter(
        dict(
            session.execute(
                select(Case.advisor_id, func.count())
                .where(Case.programme_id == programme.id, Case.advisor_id.is_not(None))
                .group_by(Case.advisor_id)
            ).all()
        )
    )
    first_day = max(window.start, acting.as_of + timedelta(days=1))
    calendar = Calendar.load(session, first_day, window.end)
    occupancy = _Occupancy(tz)
    for visit in session.scalars(
        select(Visit).where(
            Visit.status != "cancelled",
            Visit.start >= _at(window.start, time(0), tz),
            Visit.start < _at(window.end + timedelta(days=1), time(0), tz),
        )
    ):
        occupancy.add(visit.advisor_id, visit.start, visit.mode)
    window_days = days(first_day, window.end)

    if report.dry_run:  # a dry run's earlier windows were rolled back: count their choices
        load.update(assigned.values())
    history: list[Pending] = []
    for case in waiting:
        if case.advisor_id is None and case.id in assigned:  # chosen in an earlier dry window
            case.advisor_id = assigned[case.id]
        elif case.advisor_id is None:
            county = case.municipality.county_number
            advisor = pick_by_county(list(advisors.values()), load, county)
            if advisor is not None:
                load[advisor.id] += 1
                assigned[case.id] = advisor.id
                # as advisors.assign, for the whole window with one history append
                history.append(
                    Pending(
                        case.id,
                        "advisor-assigned",
                        details={
                            "advisor_id": advisor.id,
                            "previous_advisor_id": case.advisor_id,
                            "how": "by county",
                        },
                    )
                )
                # written with the window's other changes (_write_window); the object is kept
                # clean so that the session's flush does not write the case row a second time
                set_committed_value(case, "advisor_id", advisor.id)
                report.assigned.append(
                    {"municipality": case.municipality_number, "advisor": advisor.email}
                )

    def by_advisor(case: Case) -> tuple[str, str]:
        advisor = advisors.get(case.advisor_id) if case.advisor_id else None
        return (advisor.name if advisor else "", case.municipality_number)

    placed: list[tuple[Case, Advisor, dict[str, Any], datetime, datetime]] = []
    for case in sorted(waiting, key=by_advisor):
        advisor = advisors.get(case.advisor_id) if case.advisor_id else None
        where = {
            "municipality": case.municipality_number,
            "name": case.municipality.name,
            "window": window.id,
        }
        if advisor is None:
            report.unplaced.append(
                where
                | {
                    "reason": f"no advisor covers county {case.municipality.county_number}",
                    "county": case.municipality.county_number,
                }
            )
            continue
        slot = _best_slot(advisor, case, mode, window_days, calendar, occupancy, settings)
        if isinstance(slot, str):
            report.unplaced.append(where | {"advisor": advisor.email, "reason": slot})
            continue
        start, end = slot
        occupancy.add(advisor.id, start, mode)
        entry = where | {
            "advisor": advisor.email,
            "mode": mode,
            "start": start.astimezone(tz).isoformat(),
        }
        if not report.dry_run:
            placed.append((case, advisor, entry, start, end))
        report.scheduled.append(entry)
    if not report.dry_run:
        _write_window(session, window, mode, acting, history, placed)


@dataclass
class _Placed:
    """A visit being written: what its invitation and history need (a Visit's attributes)."""

    id: int
    start: datetime
    end: datetime
    mode: str
    sequence: int = 0


def _write_window(
    session: Session,
    window: ProgrammeEvent,
    mode: str,
    acting: Acting,
    history: list[Pending],
    placed: list[tuple[Case, Advisor, dict[str, Any], datetime, datetime]],
) -> None:
    """Write a window's visits, their history and invitations as the loop decided them: one
    executemany each, so a window costs statements per batch, not per visit. Each case's chain
    reads as before: advisor assigned, visit scheduled, invitation queued."""
    if history:  # the advisors assigned by county (as advisors.assign, here for the batch)
        cases = Case.__table__
        session.execute(
            update(cases)
            .where(cases.c.id == bindparam("b_id"))
            .values(advisor_id=bindparam("b_advisor")),
            [{"b_id": p.case_id, "b_advisor": p.details["advisor_id"]} for p in history],
        )
    table = Visit.__table__
    # Ids are matched back by case (one visit per case and window), not by the order of the
    # returned rows: asking for that order makes SQLite insert the rows one statement each.
    id_of = (
        dict(
            (case_id, visit_id)
            for visit_id, case_id in session.execute(
                insert(table).returning(table.c.id, table.c.case_id),
                [
                    {
                        "case_id": case.id,
                        "window_id": window.id,
                        "advisor_id": advisor.id,
                        "start": start,
                        "end": end,
                        "mode": mode,
                        "status": "scheduled",
                        "sequence": 0,
                    }
                    for case, advisor, _entry, start, end in placed
                ],
            )
        )
        if placed
        else {}
    )
    domain = mail_domain()
    mails = []
    for case, advisor, entry, start, end in placed:
        visit_id = id_of[case.id]
        entry["id"] = visit_id
        history.append(
            Pending(
                case.id,
                "visit-scheduled",
                details={
                    "visit": visit_id,
                    "window": window.id,
                    "advisor_id": advisor.id,
                    "start": start.isoformat(),
                    "mode": mode,
                },
            )
        )
        visit = _Placed(visit_id, start, end, mode)
        mails.append(invitation_message(case, visit, advisor, "visit_invitation", domain=domain))
    # The cases' heads are read and moved by id (one SELECT … FOR UPDATE and one executemany
    # UPDATE each): the session's Case objects stay clean, and are not used after this.
    record_many(session, acting, history)
    queue_many(session, mails, acting)


def _loads(dry_run: bool) -> list[Any]:
    """A real run writes invitations and needs each case's coordinator; a dry run does not."""
    loads: list[Any] = [selectinload(Case.municipality)]
    if not dry_run:
        loads += [
            selectinload(Case.members).selectinload(GroupMember.person),
            selectinload(Case.contact),
        ]
    return loads


def _best_slot(
    advisor: Advisor,
    case: Case,
    mode: str,
    window_days: list[date],
    calendar: Calendar,
    occupancy: _Occupancy,
    settings: Visits,
) -> tuple[datetime, datetime] | str:
    """The advisor's least loaded free day in the window, and of those the one farthest from the
    advisor's other visits (earliest on a tie), so that visits spread over the window."""
    capacity = advisor.max_physical_per_day if mode == "physical" else advisor.max_digital_per_day
    open_days = calendar.open_days(
        window_days, case.municipality.county_number, case.municipality_number, advisor.email
    )
    if not window_days:
        return "the window has no days left after the effective date"
    if not open_days:
        return "every day left in the window is blocked (weekends, holidays, blocked periods)"
    free = [d for d in open_days if occupancy.by_mode[(advisor.id, d, mode)] < capacity]
    if not free:
        return (
            f"window full: {advisor.name} has no capacity left for a {mode} visit on the "
            f"{len(open_days)} open days"
        )
    ranked = sorted(
        free, key=lambda d: (occupancy.total[(advisor.id, d)], -occupancy.spread(advisor.id, d), d)
    )
    for day in ranked:
        for start_time, minutes in slot_times(mode, settings):
            if start_time not in occupancy.slots[(advisor.id, day)]:
                start = _at(day, start_time, occupancy.tz)
                return start, start + timedelta(minutes=minutes)
    return f"window full: {advisor.name} has no free time slot left"


def slot_times(mode: str, settings: Visits) -> list[tuple[time, int]]:
    if mode == "physical":
        return [(time.fromisoformat(settings.physical_start), settings.physical_minutes)]
    return [(time.fromisoformat(t), settings.digital_minutes) for t in settings.digital_starts]


def _at(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)
