"""Flow ``programme-lifecycle``: start and complete cases on the programme's calendar, and
queue the reminders before gatherings, coordinator meetings and visits."""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.runtime import flow_run

from flows.publish import publish
from flows.reminders import queue_reminders
from flows.runs import RETRIES, one_at_a_time, perform, transient
from kulturskole import lifecycle
from kulturskole.config import get_settings


@task(name="advance-cases", **RETRIES, retry_condition_fn=transient)
def advance_cases(
    programme: str | None, as_of: date, dry_run: bool, run_id: str | None
) -> lifecycle.LifecycleReport:
    return perform(lifecycle.advance, programme, as_of, dry_run, run_id)


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
        report = advance_cases(programme, as_of, dry_run, run_id)
        report.reminders_queued = queue_reminders(programme, as_of, dry_run, run_id)
    return publish("programme-lifecycle", report, as_of, report.programme, dry_run)
