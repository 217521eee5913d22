"""The Monday-morning overview: where the programme stands as of a date."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturskole.invoicing.issuing import find_due
from kulturskole.services.programmes import format_ore, get_programme
from models import Breach, Case, Invoice, Message, RunRecord
from states.machine import STATES

FLOWS = (
    "programme-day",
    "programme-lifecycle",
    "schedule-visits",
    "invoicing",
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
    counts = dict(
        session.execute(
            select(Case.state, func.count())
            .where(Case.programme_id == programme.id)
            .group_by(Case.state)
        ).all()
    )
    upcoming = [e for e in programme.events if e.start is None or e.start >= as_of]
    due, _ = find_due(session, programme, as_of)
    open_invoices = session.execute(
        select(func.count(), func.coalesce(func.sum(Invoice.amount_ore), 0))
        .join(Case, Case.id == Invoice.case_id)
        .where(
            Case.programme_id == programme.id,
            Invoice.kind == "invoice",
            Invoice.status.in_(("issued", "sent")),
        )
    ).one()
    overdue = session.scalar(
        select(func.count())
        .select_from(Invoice)
        .join(Case, Case.id == Invoice.case_id)
        .where(
            Case.programme_id == programme.id,
            Invoice.kind == "invoice",
            Invoice.status.in_(("issued", "sent")),
            Invoice.due_date < as_of,
        )
    )
    terminating = set(programme.rules.obligations.terminating_rules)
    breaches = session.execute(
        select(Breach, Case.municipality_number)
        .join(Case, Case.id == Breach.case_id)
        .where(Case.programme_id == programme.id, Breach.status == "open")
        .order_by(Breach.id)
    ).all()
    mail = dict(
        session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
    )
    last_runs: dict[str, LastRun | None] = {}
    for flow in FLOWS:
        run = session.scalars(
            select(RunRecord)
            .where(RunRecord.flow == flow)
            .order_by(RunRecord.finished_at.desc())
            .limit(1)
        ).first()
        last_runs[flow] = (
            None
            if run is None
            else {
                "as_of": run.as_of.isoformat(),
                "finished_at": run.finished_at.isoformat().replace("+00:00", "Z"),
                "flow_run_id": run.flow_run_id,
                "summary": run.summary,
            }
        )
    return {
        "programme": programme.id,
        "as_of": as_of.isoformat(),
        "cases": {state: counts.get(state, 0) for state in STATES},
        "next_events": [
            {
                "id": e.id,
                "title": e.title,
                "start": e.start.isoformat() if e.start else None,
                "when": e.when if e.tentative else None,
            }
            for e in sorted(upcoming, key=lambda e: (e.start is None, e.start or as_of))[:5]
        ],
        "instalments_due": {
            "count": len(due),
            "amount": format_ore(sum(d.amount_ore for d in due)),
        },
        "invoices_open": {
            "count": open_invoices[0],
            "amount": format_ore(open_invoices[1]),
            "overdue": overdue,
        },
        "breaches_open": [
            {
                "id": b.id,
                "municipality": number,
                "rule": b.rule,
                "remedy_by": b.remedy_by.isoformat(),
            }
            for b, number in breaches
        ],
        "decisions_awaited": [
            {"id": b.id, "municipality": number, "rule": b.rule}
            for b, number in breaches
            if b.rule in terminating and as_of > b.remedy_by
        ],
        "mail": {
            "queued": mail.get("queued", 0),
            "failed": mail.get("failed", 0),
            "sent": mail.get("sent", 0),
        },
        "last_runs": last_runs,
    }
