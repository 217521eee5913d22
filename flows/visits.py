"""Flow ``schedule-visits``: place the guidance visits of every exact visit window."""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.runtime import flow_run

from flows.publish import publish
from flows.runs import RETRIES, one_at_a_time, perform, transient
from kulturskole.config import get_settings
from kulturskole.visits import scheduling


@task(name="schedule-windows", **RETRIES, retry_condition_fn=transient)
def schedule(
    programme: str | None, as_of: date, dry_run: bool, run_id: str | None
) -> scheduling.ScheduleReport:
    """Every window in one task (set-based), one transaction per window."""
    return perform(scheduling.run, programme, as_of, dry_run, run_id)


@flow(name="schedule-visits")
def schedule_visits(
    programme: str | None = None, as_of: date | None = None, dry_run: bool = False
) -> dict:
    """Schedule guidance visits in the exact visit windows; never moves an existing visit."""
    as_of = as_of or get_settings().today()
    with one_at_a_time("schedule-visits", programme):
        report = schedule(programme, as_of, dry_run, flow_run.get_id())
    return publish("schedule-visits", report, as_of, report.programme, dry_run)
