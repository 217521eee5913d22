"""Runs: what the flows recorded when they ended (RunRecord), and what a send-notifications run
would pick up now (the outbox's due messages; that flow has no dry run)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from kulturskole.read.mail import MessageRow, message_row
from models import Message, RunRecord
from models.base import utcnow


class RunRow(TypedDict):
    id: int
    flow: str  # the Prefect flow's name
    programme: str | None
    as_of: str
    flow_run_id: str | None
    finished_at: str  # UTC, ending in Z
    summary: dict[str, Any]


class MailDue(TypedDict):
    due: list[MessageRow]  # queued, due now and not leased to a run: the next run sends these
    later: int  # queued, due later (retries waiting for their time)
    leased: int  # queued and due, but claimed by a run that is sending them
    failed: int  # given up on; retried only by hand


def recent_runs(session: Session, *, flow: str | None = None, limit: int = 50) -> list[RunRow]:
    """The latest recorded runs, newest first (dry runs are not recorded)."""
    query = select(RunRecord).order_by(RunRecord.finished_at.desc(), RunRecord.id.desc())
    if flow:
        query = query.where(RunRecord.flow == flow)
    return [run_row(run) for run in session.scalars(query.limit(limit))]


def run_of_flow_run(session: Session, flow_run_id: str) -> RunRow | None:
    """The record a flow run left when it ended, if it has ended."""
    run = session.scalars(
        select(RunRecord).where(RunRecord.flow_run_id == flow_run_id).limit(1)
    ).first()
    return run_row(run) if run else None


def run_row(run: RunRecord) -> RunRow:
    return RunRow(
        id=run.id,
        flow=run.flow,
        programme=run.programme_id,
        as_of=run.as_of.isoformat(),
        flow_run_id=run.flow_run_id,
        finished_at=run.finished_at.isoformat().replace("+00:00", "Z"),
        summary=run.summary,
    )


def mail_due(session: Session, now: datetime | None = None) -> MailDue:
    """The messages a delivery run would send now, as ``deliver_due`` claims them."""
    now = now or utcnow()
    free = or_(Message.lease_until.is_(None), Message.lease_until < now)
    queued = Message.status == "queued"
    due = session.scalars(
        select(Message)
        .where(queued, Message.due_at <= now, free)
        .options(selectinload(Message.attachments))
        .order_by(Message.id)
    )
    counts = session.execute(
        select(
            func.count().filter(queued, Message.due_at > now),
            func.count().filter(queued, Message.due_at <= now, ~free),
            func.count().filter(Message.status == "failed"),
        )
    ).one()
    return MailDue(
        due=[message_row(m) for m in due], later=counts[0], leased=counts[1], failed=counts[2]
    )
