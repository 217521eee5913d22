"""What every flow shares: the flow-run id on history entries, retries on transient database
errors, and the record of each run for the status overview."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from kulturskole.db import unit_of_work
from kulturskole.history import current_flow_run_id
from models import RunRecord

RETRIES = {"retries": 2, "retry_delay_seconds": [5, 30]}


@contextmanager
def acting_in_run(run_id: str | None) -> Iterator[None]:
    """History written inside carries the flow run's id."""
    token = current_flow_run_id.set(run_id)
    try:
        yield
    finally:
        current_flow_run_id.reset(token)


def transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a task only for a lost connection or a lock that timed out, not for a mistake.
    Every task is safe to run again: the database decides what already exists."""
    try:
        state.result()
    except (OperationalError, DBAPIError) as exc:
        return bool(getattr(exc, "connection_invalidated", False)) or isinstance(
            exc, OperationalError
        )
    except Exception:  # noqa: BLE001 - anything else is not worth a retry
        return False
    return False


def record_run(
    flow: str,
    programme: str | None,
    as_of: date,
    dry_run: bool,
    run_id: str | None,
    summary: dict[str, Any],
) -> None:
    if dry_run:
        return  # a dry run changes nothing, its own record included
    with unit_of_work() as session:
        session.add(
            RunRecord(
                flow=flow,
                programme_id=programme,
                as_of=as_of,
                dry_run=dry_run,
                flow_run_id=run_id,
                summary=summary,
            )
        )
