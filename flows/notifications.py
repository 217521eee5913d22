"""Flow ``send-notifications``: deliver every message in the outbox that is due."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.runtime import flow_run

from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema
from kulturskole.history import current_flow_run_id
from notifications.delivery import deliver_due


@task(name="deliver-due-messages")
async def deliver(as_of: date, limit: int | None, run_id: str | None) -> dict:
    settings = get_settings()
    engine = current_engine()
    require_schema(engine)
    token = current_flow_run_id.set(run_id)
    try:
        report = await deliver_due(engine, settings, as_of, limit=limit)
    finally:
        current_flow_run_id.reset(token)
    return report.as_json()


@flow(name="send-notifications")
async def send_notifications(as_of: date | None = None, limit: int | None = None) -> dict:
    """Send the due messages (SMTP when configured, else .eml files) and publish a summary."""
    settings = get_settings()
    as_of = as_of or settings.today()
    result = await deliver(as_of, limit, flow_run.get_id())
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
        description=f"send-notifications as of {as_of}: {result['sent']} sent, "
        f"{result['retrying']} to retry, {result['failed']} failed ({result['mode']})",
    )
    return result
