"""Task ``queue-reminders``: the reminders due before gatherings, coordinator meetings, visits
and the plans' due dates, queued in the outbox. One task, used by programme-lifecycle,
send-notifications and programme-day."""

from __future__ import annotations

from datetime import date

from prefect import task

from flows.runs import RETRIES, acting_in_run, transient
from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from notifications.reminders import queue_due_reminders


@task(name="queue-reminders", **RETRIES, retry_condition_fn=transient)
def queue_reminders(programme: str | None, as_of: date, dry_run: bool, run_id: str | None) -> int:
    """How many reminders were queued (in a dry run: would be; nothing is kept)."""
    with acting_in_run(run_id), unit_of_work(dry_run=dry_run) as session:
        return queue_due_reminders(session, Acting(get_settings().actor, as_of), programme)
