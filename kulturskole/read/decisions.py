"""Proposed terminations: the decisions awaited (open breaches of a terminating rule past their
remedy date, as the status overview counts them), each with what the administrator needs to
decide — the rule, the evidence, the warning that was sent and the grace period — and the
decisions taken, newest first."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturskole.obligations.breaches import breach_json
from kulturskole.obligations.rules import rule_text
from kulturskole.read.breaches import BreachRow
from kulturskole.read.mail import MessageRow, message_row
from kulturskole.services.programmes import get_programme
from models import Breach, Case, HistoryEntry, Message


class AwaitedDecisionRow(BreachRow):
    """A breach (``breach_json``'s keys) with what the decision rests on."""

    rule_text: str  # the obligation, in the programme's words (Norwegian)
    state: str  # the case's state
    days_over: int  # days past the remedy date
    awaiting_flow_run_id: str | None  # a paused monitor-obligations run waiting for it
    warning: MessageRow | None  # the warning mail sent when the breach was opened


class DecisionRow(TypedDict):
    breach: int
    municipality: str
    name: str
    rule: str
    decision: str  # approve | reject
    decided_by: str
    reason: str | None
    decided_on: str  # effective date
    at: str  # UTC, ending in Z
    flow_run_id: str | None  # the run that applied it, if it was a paused run
    breach_status: str  # now
    state: str  # the case's state now


def warning_key(breach_id: int) -> str:
    """The idempotency key the warning mail of a breach is queued under."""
    return f"breach/{breach_id}/warning"


def decisions_awaited(
    session: Session, as_of: date, programme_id: str | None = None
) -> list[AwaitedDecisionRow]:
    """Open breaches of a terminating rule whose remedy date has passed as of ``as_of``."""
    programme = get_programme(session, programme_id)
    terminating = list(programme.rules.obligations.terminating_rules)
    rows = session.execute(
        select(Breach, Case)
        .join(Case, Case.id == Breach.case_id)
        .where(
            Case.programme_id == programme.id,
            Breach.status == "open",
            Breach.rule.in_(terminating),
            Breach.remedy_by < as_of,
        )
        .options(selectinload(Case.municipality))
        .order_by(Breach.remedy_by, Breach.id)
    ).all()
    warnings = _warnings(session, [breach.id for breach, _ in rows])
    return [
        AwaitedDecisionRow(
            **breach_json(breach, case),  # type: ignore[typeddict-item]
            rule_text=rule_text(breach.rule, programme),
            state=case.state,
            days_over=(as_of - breach.remedy_by).days,
            awaiting_flow_run_id=breach.awaiting_flow_run_id,
            warning=warnings.get(breach.id),
        )
        for breach, case in rows
    ]


def _warnings(session: Session, breach_ids: list[int]) -> dict[int, MessageRow]:
    if not breach_ids:
        return {}
    keys = {warning_key(breach_id): breach_id for breach_id in breach_ids}
    messages = session.scalars(
        select(Message)
        .where(Message.idempotency_key.in_(list(keys)))
        .options(selectinload(Message.attachments))
    )
    return {keys[m.idempotency_key]: message_row(m) for m in messages}


def decisions_taken(
    session: Session, programme_id: str | None = None, limit: int = 20
) -> list[DecisionRow]:
    """The latest decisions on proposed terminations, newest first (from the history)."""
    programme = get_programme(session, programme_id)
    rows = session.execute(
        select(HistoryEntry, Case)
        .join(Case, Case.id == HistoryEntry.case_id)
        .where(Case.programme_id == programme.id, HistoryEntry.action == "breach-decided")
        .options(selectinload(Case.municipality))
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(limit)
    ).all()
    breaches = {
        b.id: b
        for b in session.scalars(
            select(Breach).where(Breach.id.in_([e.details.get("breach") for e, _ in rows]))
        )
    }
    return [
        _decision_row(entry, case, breaches.get(entry.details.get("breach")))
        for entry, case in rows
    ]


def _decision_row(entry: HistoryEntry, case: Case, breach: Breach | None) -> DecisionRow:
    details = entry.details or {}
    return DecisionRow(
        breach=details.get("breach"),
        municipality=case.municipality_number,
        name=case.municipality.name,
        rule=details.get("rule", ""),
        decision=details.get("decision", ""),
        decided_by=details.get("decided_by") or entry.actor,
        reason=entry.reason,
        decided_on=entry.effective_on.isoformat(),
        at=entry.at.isoformat().replace("+00:00", "Z"),
        flow_run_id=entry.flow_run_id,
        breach_status=breach.status if breach else "",
        state=case.state,
    )


def breach_row(session: Session, breach_id: int) -> BreachRow | None:
    """One breach as ``list_breaches`` shows it, or None."""
    breach = session.get(Breach, breach_id)
    if breach is None:
        return None
    case = session.get(Case, breach.case_id)
    return breach_json(breach, case)  # type: ignore[return-value]
