"""Flow ``programme-lifecycle``: start and complete cases on the programme's calendar, and
queue the reminders before gatherings, coordinator meetings and visits."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run

from flows.runs import RETRIES, acting_in_run, one_at_a_time, record_run, transient
from kulturskole import lifecycle
from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema, unit_of_work
from kulturskole.history import Acting
from notifications.reminders import queue_due_reminders


@task(name="advance-cases", **RETRIES, retry_condition_fn=transient)
def advance_cases(programme: str | None, as_of: date, dry_run: bool, run_id: str | None) -> dict:
    engine = current_engine()
    require_schema(engine)
    with acting_in_run(run_id):
        return lifecycle.advance(
            engine, Acting(get_settings().actor, as_of), programme, dry_run=dry_run
        ).as_json()


@task(name="queue-reminders", **RETRIES, retry_condition_fn=transient)
def queue_reminders(programme: str | None, as_of: date, dry_run: bool, run_id: str | None) -> int:
    with acting_in_run(run_id), unit_of_work() as session:
        queued = queue_due_reminders(session, Acting(get_settings().actor, as_of), programme)
        if dry_run:
            session.rollback()
        return queued


@flow(name="programme-lifecycle")
def programme_lifecycle(
    programme: str | None = None, as_of: date | None = None, dry_run: bool = False
) -> dict:
    """Activate contracted cases when the period starts (welcome mail), complete active ones
    when it ends (completion mail; one with an open breach is listed for a decision), and queue
    reminders before gatherings, coordinator meetings and visits."""
    as_of = as_of or get_settings().today()
    run_id = flow_run.get_id()
    with one_at_a_time("programme-lifecycle", programme):
        result = advance_cases(programme, as_of, dry_run, run_id)
        result["reminders_queued"] = queue_reminders(programme, as_of, dry_run, run_id)
    get_run_logger().info(
        "%d activated, %d completed, %d need a decision, %d reminders",
        len(result["activated"]),
        len(result["completed"]),
        len(result["decision_needed"]),
        result["reminders_queued"],
    )
    create_table_artifact(
        key="programme-lifecycle-dry-run" if dry_run else "programme-lifecycle",
        table=[{"municipality": m, "change": "activated"} for m in result["activated"]]
        + [{"municipality": m, "change": "completed"} for m in result["completed"]]
        + [
            {"municipality": f"{d['municipality']} {d['name']}", "change": d["reason"]}
            for d in result["decision_needed"]
        ]
        or [{"municipality": "-", "change": "nothing due"}],
        description=f"programme-lifecycle as of {as_of}: {len(result['activated'])} activated, "
        f"{len(result['completed'])} completed, {result['reminders_queued']} reminders queued",
    )
    record_run(
        "programme-lifecycle",
        result["programme"],
        as_of,
        dry_run,
        run_id,
        {k: (len(v) if isinstance(v, list) else v) for k, v in result.items()},
    )
    return result
