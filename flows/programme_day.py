"""Flow ``programme-day``: everything due on one date of the programme's calendar, in one flow
run — the same tasks the separate flows use, in the order a day needs them. For playing a whole
programme on a simulated calendar without paying Prefect's per-run cost five times a day."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from prefect.runtime import flow_run

from flows.invoicing import issue_due
from flows.lifecycle import advance_cases
from flows.lifecycle import queue_reminders as queue_reminders_task
from flows.mail import deliver
from flows.obligations import evaluate
from flows.runs import one_at_a_time_async, record_run
from flows.visits import schedule
from kulturskole.config import get_settings


@flow(name="programme-day")
async def programme_day(programme: str | None = None, as_of: date | None = None) -> dict:
    """Lifecycle, visits, invoicing, obligations, reminders, then the day's mail."""
    as_of = as_of or get_settings().today()
    run_id = flow_run.get_id()
    async with one_at_a_time_async("programme-day", programme):
        lifecycle = advance_cases(programme, as_of, False, run_id)
        visits = schedule(programme, as_of, False, run_id)
        invoices = issue_due(programme, as_of, False, run_id)
        obligations = evaluate(programme, as_of, False, run_id)
        reminders = queue_reminders_task(programme, as_of, False, run_id)
        mail = await deliver(as_of, None, run_id)
    summary = {
        "activated": len(lifecycle["activated"]),
        "completed": len(lifecycle["completed"]),
        "visits_scheduled": visits["scheduled"],
        "visits_not_placed": len(visits["unplaced"]),
        "invoices_issued": invoices["issued"],
        "invoiced": invoices["total"],
        "breaches_opened": len(obligations["opened"]),
        "breaches_resolved": len(obligations["resolved"]),
        "decisions_awaited": len(obligations["decisions_awaited"]),
        "reminders_queued": reminders,
        "mail_sent": mail["sent"],
        "mail_failed": mail["failed"],
    }
    get_run_logger().info("%s: %s", as_of, summary)
    await _artifact(as_of, summary)
    record_run("programme-day", lifecycle["programme"], as_of, False, run_id, summary)
    return {
        "as_of": as_of.isoformat(),
        "summary": summary,
        "lifecycle": lifecycle,
        "visits": visits,
        "invoicing": invoices,
        "obligations": obligations,
        "mail": mail,
    }


async def _artifact(as_of: date, summary: dict) -> None:
    await acreate_table_artifact(
        key="programme-day",
        table=[{"what": k, "count": v} for k, v in summary.items()],
        description=f"programme-day {as_of}",
    )
