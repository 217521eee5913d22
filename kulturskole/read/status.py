"""The Monday-morning overview: where the programme stands as of a date."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturskole.invoicing.issuing import find_due
from kulturskole.services.programmes import format_ore, get_programme
from models import Breach, Case, Invoice, Message, Programme, RunRecord
from states.machine import STATES

FLOWS = (
    "programme-day",
    "programme-lifecycle",
    "schedule-visits",
    "invoicing",
    "payment-reminders",
    "monitor-obligations",
    "send-notifications",
)


class NextEvent(TypedDict):
    id: str
    title: str
    start: str | None
    when: str | None  # a tentative event's time in words


class Amount(TypedDict):
    count: int
    amount: str  # NOK with two decimals


class OpenInvoices(Amount):
    overdue: int


class OpenBreach(TypedDict):
    id: int
    municipality: str
    rule: str
    remedy_by: str


class AwaitedDecision(TypedDict):
    id: int
    municipality: str
    rule: str


class MailCounts(TypedDict):
    queued: int
    failed: int
    sent: int


class LastRun(TypedDict):
    as_of: str
    finished_at: str  # UTC, ending in Z
    flow_run_id: str | None
    summary: dict[str, Any]


class StatusOverview(TypedDict):
    programme: str
    as_of: str
    cases: dict[str, int]  # every state, in the machine's order
    next_events: list[NextEvent]  # the next five
    instalments_due: Amount
    invoices_open: OpenInvoices
    breaches_open: list[OpenBreach]
    decisions_awaited: list[AwaitedDecision]  # terminating rules past their remedy date
    mail: MailCounts
    last_runs: dict[str, LastRun | None]  # per flow; None: never run


def overview(session: Session, as_of: date, programme_id: str | None = None) -> StatusOverview:
    programme = get_programme(session, programme_id)
    breaches = _open_breaches(session, programme)
    terminating = set(programme.rules.obligations.terminating_rules)
    return {
        "programme": programme.id,
        "as_of": as_of.isoformat(),
        "cases": _cases_per_state(session, programme),
        "next_events": _next_events(programme, as_of),
        "instalments_due": _instalments_due(session, programme, as_of),
        "invoices_open": _open_invoices(session, programme, as_of),
        "breaches_open": [
            {"id": b.id, "municipality": nr, "rule": b.rule, "remedy_by": b.remedy_by.isoformat()}
            for b, nr in breaches
        ],
        "decisions_awaited": [
            {"id": b.id, "municipality": nr, "rule": b.rule}
            for b, nr in breaches
            if b.rule in terminating and as_of > b.remedy_by
        ],
        "mail": _mail(session),
        "last_runs": {flow: _last_run(session, flow) for flow in FLOWS},
    }


def _cases_per_state(session: Session, programme: Programme) -> dict[str, int]:
    counts = dict(
        session.execute(
            select(Case.state, func.count())
            .where(Case.programme_id == programme.id)
            .group_by(Case.state)
        ).all()
    )
    return {state: counts.get(state, 0) for state in STATES}


def _next_events(programme: Programme, as_of: date) -> list[NextEvent]:
    upcoming = [e for e in programme.events if e.start is None or e.start >= as_of]
    return [
        {
            "id": e.id,
            "title": e.title,
            "start": e.start.isoformat() if e.start else None,
            "when": e.when if e.tentative else None,
        }
        for e in sorted(upcoming, key=lambda e: (e.start is None, e.start or as_of))[:5]
    ]


def _instalments_due(session: Session, programme: Programme, as_of: date) -> Amount:
    due, _ = find_due(session, programme, as_of, business_days_only=False)
    return {"count": len(due), "amount": format_ore(sum(d.amount_ore for d in due))}


def _open_invoices(session: Session, programme: Programme, as_of: date) -> OpenInvoices:
    unpaid = (
        Case.programme_id == programme.id,
        Invoice.kind == "invoice",
        Invoice.status.in_(("issued", "sent")),
    )
    count, amount = session.execute(
        select(func.count(), func.coalesce(func.sum(Invoice.amount_ore), 0))
        .join(Case, Case.id == Invoice.case_id)
        .where(*unpaid)
    ).one()
    overdue = session.scalar(
        select(func.count())
        .select_from(Invoice)
        .join(Case, Case.id == Invoice.case_id)
        .where(*unpaid, Invoice.due_date < as_of)
    )
    return {"count": count, "amount": format_ore(amount), "overdue": overdue}


def _open_breaches(session: Session, programme: Programme) -> list[Any]:
    return list(
        session.execute(
            select(Breach, Case.municipality_number)
            .join(Case, Case.id == Breach.case_id)
            .where(Case.programme_id == programme.id, Breach.status == "open")
            .order_by(Breach.id)
        ).all()
    )


def _mail(session: Session) -> MailCounts:
    counts = dict(
        session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
    )
    return {
        "queued": counts.get("queued", 0),
        "failed": counts.get("failed", 0),
        "sent": counts.get("sent", 0),
    }


def _last_run(session: Session, flow: str) -> LastRun | None:
    run = session.scalars(
        select(RunRecord)
        .where(RunRecord.flow == flow)
        .order_by(RunRecord.finished_at.desc())
        .limit(1)
    ).first()
    if run is None:
        return None
    return {
        "as_of": run.as_of.isoformat(),
        "finished_at": run.finished_at.isoformat().replace("+00:00", "Z"),
        "flow_run_id": run.flow_run_id,
        "summary": run.summary,
    }
