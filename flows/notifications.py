"""Flow ``send-notifications``: deliver every message in the outbox that is due."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.runtime import flow_run

from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema, unit_of_work
from kulturskole.history import Acting, current_flow_run_id
from notifications.delivery import deliver_due
from notifications.reminders import queue_due_reminders


@task(name="deliver-due-messages")
async def deliver(as_of: date, limit: int | None, run_id: str | None) -> dict:
    settings = get_settings()
    engine = current_engine()
    token = current_flow_run_id.set(run_id)
    try:
        report = await deliver_due(engine, settings, as_of, limit=limit)
    finally:
        current_flow_run_id.reset(token)
    return report.as_json()


@task(name="queue-reminders")
def queue_reminders(as_of: date, programme: str | None, run_id: str | None) -> int:
    settings = get_settings()
    token = current_flow_run_id.set(run_id)
    try:
        with unit_of_work() as session:
            return queue_due_reminders(session, Acting(settings.actor, as_of), programme)
    finally:
        current_flow_run_id.reset(token)


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
    reminders = queue_reminders(as_of, programme, run_id)
    result = await deliver(as_of, limit, run_id)
    result["reminders_queued"] = reminders
    get_run_logger().info(
        "%s: %d sent, %d to retry, %d failed",
        result["mode"],
        result["sent"],
        result["retrying"],
        result["failed"],
    )
    await acreate_table_artifact(
        key="send-notifications",
        table=[
            {"message": m["id"], "result": m["result"], "error": m.get("error", "")}
            for m in result["messages"]
        ]
        or [{"message": "-", "result": "nothing due"}],
        description=f"send-notifications as of {as_of}: {reminders} reminders queued, "
        f"{result['sent']} sent, "
        f"{result['retrying']} to retry, {result['failed']} failed ({result['mode']})",
    )
    return result
