"""Flow ``send-notifications``: deliver every message in the outbox that is due. (The module is
not named notifications.py: Prefect loads flow files as scripts, with this folder on the path,
where that name would hide the notifications package.)"""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.runtime import flow_run

from flows.runs import RETRIES, acting_in_run, one_at_a_time_async, record_run, transient
from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema, unit_of_work
from kulturskole.history import Acting
from notifications.delivery import deliver_due
from notifications.reminders import queue_due_reminders


@task(name="deliver-due-messages", **RETRIES, retry_condition_fn=transient)
async def deliver(as_of: date, limit: int | None, run_id: str | None) -> dict:
    with acting_in_run(run_id):
        report = await deliver_due(current_engine(), get_settings(), as_of, limit=limit)
    return report.as_json()


@task(name="queue-reminders", **RETRIES, retry_condition_fn=transient)
def queue_reminders(as_of: date, programme: str | None, run_id: str | None) -> int:
    with acting_in_run(run_id), unit_of_work() as session:
        return queue_due_reminders(session, Acting(get_settings().actor, as_of), programme)


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
    record_run(
        "send-notifications",
        programme,
        as_of,
        False,
        run_id,
        {k: result[k] for k in ("mode", "sent", "retrying", "failed", "reminders_queued")},
    )
    return result
