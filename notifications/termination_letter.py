"""What the termination letter says beyond the decision: which warning it follows, and what
becomes of the fee's instalments.

A termination decided over a breach (kulturskole.obligations.breaches.decide: the breach is
marked approved before the case is terminated, in the same transaction) follows the warning
sent when that breach was opened; the letter names its date, what it was about and the
deadline it gave. The instalments follow kulturskole.invoicing.issuing: an instalment is
invoiced after its gathering only if the case was contracted or active on the gathering's last
day, so from the day the agreement ends no further instalment is invoiced; one whose gathering
ended before that day but is not invoiced yet still is; invoices already issued stand.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from models import Breach, Case, HistoryEntry, Invoice, Message, Visit
from notifications.breach_text import breach_evidence, rule_words
from notifications.render import periode
from notifications.words import event_name
from states.groups import PARTICIPATING

__all__ = ["termination_context"]


def termination_context(
    session: Session, case: Case, as_of: date, reason: str | None, initiated_by: str | None
) -> dict[str, Any]:
    """The ``termination`` context of the termination letter (see notifications.render)."""
    return {
        "reason": reason,
        "initiated_by": initiated_by,
        "effective_on": as_of,
        "warning": _warning(session, case) if initiated_by == "leadership" else None,
        "instalments": _instalments(session, case, as_of),
        "visits_cancelled": _future_visits(session, case, as_of),
    }


def _warning(session: Session, case: Case) -> dict[str, Any] | None:
    """The warning of the breach the termination was decided over; None when the leadership
    terminated without one (or no warning letter was queued for it)."""
    breach = session.scalars(
        select(Breach)
        .where(Breach.case_id == case.id, Breach.decision == "approve")
        .order_by(Breach.id.desc())
        .limit(1)
    ).first()
    if breach is None:
        return None
    key = f"breach/{breach.id}/warning"
    if session.scalar(select(Message.id).where(Message.idempotency_key == key)) is None:
        return None
    return {
        "sent_on": breach.opened_on,  # the warning is queued in the transaction that opens it
        "about": rule_words(breach.rule).about,
        "evidence": breach_evidence(session, breach, case.programme),
        "remedy_by": breach.remedy_by,
    }


def _instalments(session: Session, case: Case, as_of: date) -> dict[str, Any]:
    """{total, invoiced: [numbers], unpaid: [invoice numbers], still_invoiced: [{number,
    regarding}], not_invoiced: [{number, regarding}]}."""
    programme = case.programme
    rules = programme.rules.invoicing
    triggers = sorted(
        (e for e in programme.events if rules.after.matches(e)),
        key=lambda e: (e.start is None, e.start, e.id),
    )
    invoices = session.scalars(
        select(Invoice).where(
            Invoice.case_id == case.id, Invoice.kind == "invoice", Invoice.status != "credited"
        )
    ).all()
    invoiced = {i.instalment for i in invoices}
    timeline = session.execute(
        select(HistoryEntry.effective_on, HistoryEntry.to_state)
        .where(HistoryEntry.case_id == case.id, HistoryEntry.to_state.is_not(None))
        .order_by(HistoryEntry.seq)
    ).all()
    still, gone = [], []
    for number, event in enumerate(triggers[: rules.instalments], start=1):
        if number in invoiced:
            continue
        entry = {"number": number, "regarding": _regarding(event)}
        if event.end is not None and event.end < as_of:
            if _state_on(timeline, event.end) in PARTICIPATING:
                still.append(entry)
        else:
            gone.append(entry)
    return {
        "total": rules.instalments,
        "invoiced": sorted(invoiced),
        "unpaid": sorted(i.number for i in invoices if i.status in ("issued", "sent")),
        "still_invoiced": still,
        "not_invoiced": gone,
    }


def _future_visits(session: Session, case: Case, as_of: date) -> int:
    """How many scheduled visits the termination cancels (those after its day, as
    kulturskole.visits.changes.cancel_future_visits does right after this mail is queued)."""
    after = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), get_settings().tz)
    return len(
        session.scalars(
            select(Visit.id).where(
                Visit.case_id == case.id, Visit.status == "scheduled", Visit.start >= after
            )
        ).all()
    )


def _regarding(event: Any) -> str:
    """The event for running text: "fellessamling 3 (12.–13. februar 2025)"."""
    name = event_name(event.title, in_sentence=True)
    if event.start is None or event.end is None:
        return name
    return f"{name} ({periode(event.start, event.end)})"


def _state_on(timeline: list[Any], day: date) -> str | None:
    state = None
    for effective_on, to_state in timeline:
        if effective_on <= day:
            state = to_state
    return state
