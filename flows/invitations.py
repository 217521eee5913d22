"""Task ``queue-invitations``: the invitations due to the inspiration gathering and the sharing
arena (notifications.events), queued in the outbox. Used by programme-day."""

from __future__ import annotations

from datetime import date

from prefect import task

from flows.runs import RETRIES, acting_in_run, transient
from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from notifications.events import queue_due_invitations


@task(name="queue-invitations", **RETRIES, retry_condition_fn=transient)
def queue_invitations(programme: str | None, as_of: date, dry_run: bool, run_id: str | None) -> int:
    """How many invitations were queued (in a dry run: would be; nothing is kept)."""
    with acting_in_run(run_id), unit_of_work(dry_run=dry_run) as session:
        return queue_due_invitations(session, Acting(get_settings().actor, as_of), programme)
