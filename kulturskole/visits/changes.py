"""Changing a visit after it is scheduled: move, cancel, done, missed; and cancelling a
terminated case's future visits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.history import Acting, record
from kulturskole.visits.calendar import Calendar
from kulturskole.visits.invitations import queue_invitation
from kulturskole.visits.scheduling import slot_times
from models import Advisor, Case, Visit


def find_visit(session: Session, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id, with_for_update=True)
    if visit is None:
        raise NotFound(f"no visit {visit_id}")
    return visit


def _require_scheduled(visit: Visit, doing: str) -> None:
    if visit.status != "scheduled":
        raise InvalidInput(f"cannot {doing} visit {visit.id}: it is {visit.status}")


def _case(session: Session, visit: Visit) -> Case:
    return session.get(Case, visit.case_id, with_for_update=True)


def move(
    session: Session, visit_id: int, to: datetime, acting: Acting, mode: str | None = None
) -> Visit:
    """Move a visit to another time (and, if the administrator says so, another mode), by the
    same rules as scheduling; sends an update."""
    visit = find_visit(session, visit_id)
    _require_scheduled(visit, "move")
    mode = mode or visit.mode
    if mode not in ("physical", "digital"):
        raise InvalidInput(f"mode {mode!r} is unknown; use physical or digital")
    tz = get_settings().tz
    if to.tzinfo is None:
        to = to.replace(tzinfo=tz)
    case = _case(session, visit)
    advisor = session.get(Advisor, visit.advisor_id)
    window = next(e for e in case.programme.events if e.id == visit.window_id)
    day = to.astimezone(tz).date()
    if not (window.start <= day <= window.end):
        raise InvalidInput(f"{day} is outside {window.title} ({window.start} – {window.end})")
    if day <= acting.as_of:
        raise InvalidInput(f"{day} is not after the effective date {acting.as_of}")
    blocked = Calendar.load(session, day, day).why_blocked(
        day, case.municipality.county_number, case.municipality_number, advisor.email
    )
    if blocked:
        raise InvalidInput(f"{day} is not possible: {blocked}")
    minutes = dict(slot_times(mode, case.programme.rules.visits))
    local_time = to.astimezone(tz).time().replace(tzinfo=None)
    if local_time not in minutes:
        allowed = ", ".join(t.strftime("%H:%M") for t in sorted(minutes))
        raise InvalidInput(
            f"a {mode} visit starts at {allowed} (Oslo time), not {local_time:%H:%M}"
        )
    others = session.scalars(
        select(Visit).where(
            Visit.advisor_id == advisor.id,
            Visit.status != "cancelled",
            Visit.id != visit.id,
            Visit.start >= datetime.combine(day, datetime.min.time(), tz),
            Visit.start < datetime.combine(day + timedelta(days=1), datetime.min.time(), tz),
        )
    ).all()
    capacity = advisor.max_physical_per_day if mode == "physical" else advisor.max_digital_per_day
    if sum(1 for v in others if v.mode == mode) >= capacity:
        raise InvalidInput(f"{advisor.name} already has {capacity} {mode} visit(s) on {day}")
    duration = minutes[local_time]
    new_end = to + timedelta(minutes=duration)
    if any(v.start < new_end and to < v.end for v in others):
        raise InvalidInput(f"{advisor.name} has another visit at that time")
    previous = visit.start
    visit.start, visit.end, visit.sequence = to, new_end, visit.sequence + 1
    visit.mode = mode
    record(
        session,
        case,
        acting,
        "visit-moved",
        details={
            "visit": visit.id,
            "from": previous.isoformat(),
            "to": to.isoformat(),
            "mode": mode,
        },
    )
    queue_invitation(
        session, case, visit, advisor, acting, "visit_changed", previous_start=previous
    )
    return visit


def cancel(session: Session, visit_id: int, reason: str, acting: Acting) -> Visit:
    visit = find_visit(session, visit_id)
    _require_scheduled(visit, "cancel")
    _cancel(session, _case(session, visit), visit, reason, acting)
    return visit


def _cancel(
    session: Session,
    case: Case,
    visit: Visit,
    reason: str,
    acting: Acting,
    reason_kind: str | None = None,
) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reason is required")
    visit.status, visit.reason, visit.sequence = "cancelled", reason, visit.sequence + 1
    record(session, case, acting, "visit-cancelled", reason=reason, details={"visit": visit.id})
    advisor = session.get(Advisor, visit.advisor_id)
    # reason_kind "termination": the agreement has ended, so the mail offers no new time
    queue_invitation(
        session,
        case,
        visit,
        advisor,
        acting,
        "visit_cancelled",
        reason=reason,
        reason_kind=reason_kind,
    )


def done(session: Session, visit_id: int, notes: str | None, acting: Acting) -> Visit:
    visit = find_visit(session, visit_id)
    _require_scheduled(visit, "mark done")
    day = visit.start.astimezone(get_settings().tz).date()
    if day > acting.as_of:
        raise InvalidInput(f"visit {visit.id} is on {day}, after the effective date {acting.as_of}")
    visit.status, visit.notes = "done", (notes or "").strip() or None
    record(session, _case(session, visit), acting, "visit-done", details={"visit": visit.id})
    return visit


def missed(session: Session, visit_id: int, reason: str, acting: Acting) -> Visit:
    visit = find_visit(session, visit_id)
    _require_scheduled(visit, "mark missed")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reason is required")
    day = visit.start.astimezone(get_settings().tz).date()
    if day > acting.as_of:
        raise InvalidInput(
            f"visit {visit.id} is on {day}, "
            f"after the effective date {acting.as_of}: it cannot be missed yet"
        )
    visit.status, visit.reason = "missed", reason
    record(
        session,
        _case(session, visit),
        acting,
        "visit-missed",
        reason=reason,
        details={"visit": visit.id},
    )
    return visit


def cancel_future_visits(session: Session, case: Case, acting: Acting, reason: str) -> int:
    """A terminated case's scheduled visits after the effective date are cancelled."""
    tz = get_settings().tz
    after = datetime.combine(acting.as_of + timedelta(days=1), datetime.min.time(), tz)
    visits = session.scalars(
        select(Visit).where(
            Visit.case_id == case.id, Visit.status == "scheduled", Visit.start >= after
        )
    ).all()
    for visit in visits:
        _cancel(session, case, visit, reason, acting, reason_kind="termination")
    return len(visits)
