"""Flow ``send-notifications``: deliver every message in the outbox that is due. (The module is
not named notifications.py: Prefect loads flow files as scripts, with this folder on the path,
where that name would hide the notifications package.)"""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.runtime import flow_run

from flows.publish import publish_async
from flows.reminders import queue_reminders
from flows.runs import RETRIES, acting_in_run, one_at_a_time_async, transient
from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema
from notifications.delivery import DeliveryReport, deliver_due


@task(name="deliver-due-messages", **RETRIES, retry_condition_fn=transient)
async def deliver(as_of: date, limit: int | None, run_id: str | None) -> DeliveryReport:
    with acting_in_run(run_id):
        return await deliver_due(current_engine(), get_settings(), as_of, limit=limit)


@flow(name="send-notifications")
async def send_notifications(
    as_of: date | None = None, programme: str | None = None, limit: int | None = None
) -> dict:
    """Queue the reminders due as of the date, send the due messages (SMTP when configured,
    else .eml files) and publish a summary."""
    settings = get_settings()
    as_of = as_of or settings.today()
    require_schema(current_engine())
    run_id = flow_run.get_id()
    async with one_at_a_time_async("send-notifications", programme):
        reminders = queue_reminders(programme, as_of, False, run_id)
        report = await deliver(as_of, limit, run_id)
    report.reminders_queued = reminders
    return await publish_async("send-notifications", report, as_of, programme)
