"""What the termination letter says beyond the decision: which warning it follows, and what
becomes of the fee's instalments.

A termination decided over a breach (kulturskole.obligations.breaches.decide: the breach is
marked approved before the case is terminated, in the same transaction) follows the warning
sent when that breach was opened; the letter names its date, what it was about and the
deadline it gave. What becomes of the instalments is invoicing's answer
(``kulturskole.invoicing.issuing.instalments_on_termination``, by the rule issuing follows),
given to ``termination_context``: the letter only says it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from models import Breach, Case, Message, Visit
from notifications.breach_text import breach_evidence, rule_words
from notifications.render import periode
from notifications.words import event_name

__all__ = ["termination_context"]


def termination_context(
    session: Session,
    case: Case,
    as_of: date,
    reason: str | None,
    initiated_by: str | None,
    instalments: dict[str, Any],
) -> dict[str, Any]:
    """The ``termination`` context of the termination letter (see notifications.render);
    ``instalments`` as ``kulturskole.invoicing.issuing.instalments_on_termination`` gives it."""
    return {
        "reason": reason,
        "initiated_by": initiated_by,
        "effective_on": as_of,
        "warning": _warning(session, case) if initiated_by == "leadership" else None,
        "instalments": {
            **instalments,
            "still_invoiced": [_said(entry) for entry in instalments["still_invoiced"]],
            "not_invoiced": [_said(entry) for entry in instalments["not_invoiced"]],
        },
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


def _said(entry: dict[str, Any]) -> dict[str, Any]:
    """{number, event} → {number, regarding}: the instalment and the event it follows in words."""
    return {"number": entry["number"], "regarding": _regarding(entry["event"])}


def _regarding(event: Any) -> str:
    """The event for running text: "fellessamling 3 (12.–13. februar 2025)"."""
    name = event_name(event.title, in_sentence=True)
    if event.start is None or event.end is None:
        return name
    return f"{name} ({periode(event.start, event.end)})"
