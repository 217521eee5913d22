"""What every flow shares: the flow-run id on history entries, the call of a domain run as the
configured actor, retries on transient database errors, and the record of each run for the
status overview."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema, unit_of_work
from kulturskole.errors import KulturskoleError
from kulturskole.history import Acting, current_flow_run_id
from models import RunRecord

RETRIES = {"retries": 2, "retry_delay_seconds": [5, 30]}
R = TypeVar("R")


@contextmanager
def acting_in_run(run_id: str | None) -> Iterator[None]:
    """History written inside carries the flow run's id."""
    token = current_flow_run_id.set(run_id)
    try:
        yield
    finally:
        current_flow_run_id.reset(token)


def perform(
    action: Callable[..., R],
    programme: str | None,
    as_of: date,
    dry_run: bool,
    run_id: str | None,
) -> R:
    """Run a domain run (`lifecycle.advance`, `issuing.run`, …: ``action(engine, acting,
    programme, dry_run=…)``) on the migrated database, as the configured actor on ``as_of``,
    its history carrying the flow run's id."""
    engine: Engine = current_engine()
    require_schema(engine)
    with acting_in_run(run_id):
        return action(engine, Acting(get_settings().actor, as_of), programme, dry_run=dry_run)


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


class RunInProgress(KulturskoleError):
    """Another run of the same flow for the same programme holds the slot."""


def limit_name(flow: str, programme: str | None) -> str:
    """One global concurrency limit per flow and programme (the only one loaded when None)."""
    from kulturskole.services.programmes import get_programme

    with unit_of_work(readonly=True) as session:
        try:
            return f"{flow}:{get_programme(session, programme).id}"
        except KulturskoleError:
            if programme is not None:
                raise
            return f"{flow}:all"  # no single programme: one slot for all of them


@contextmanager
def one_at_a_time(flow: str, programme: str | None, wait_seconds: float = 120) -> Iterator[None]:
    """Two runs of the same flow for the same programme never overlap: each takes the one slot
    of a Prefect global concurrency limit (`strict`, so a missing limit is an error, not a
    silent pass). The limit is created (limit 1) only when the acquisition finds none: one
    request per run, not an upsert before each."""
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
    from prefect.concurrency.sync import concurrency

    name = limit_name(flow, programme)
    with ExitStack() as slot:
        try:
            try:
                slot.enter_context(_slot(concurrency, name, wait_seconds))
            except ConcurrencySlotAcquisitionError:
                _create_limit(name)
                slot.enter_context(_slot(concurrency, name, wait_seconds))
        except TimeoutError:
            raise _in_progress(flow) from None
        yield


@asynccontextmanager
async def one_at_a_time_async(
    flow: str, programme: str | None, wait_seconds: float = 120
) -> AsyncIterator[None]:
    """`one_at_a_time` for async flows."""
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError, concurrency

    name = limit_name(flow, programme)
    async with AsyncExitStack() as slot:
        try:
            try:
                await slot.enter_async_context(_slot(concurrency, name, wait_seconds))
            except ConcurrencySlotAcquisitionError:
                await _create_limit_async(name)
                await slot.enter_async_context(_slot(concurrency, name, wait_seconds))
        except TimeoutError:
            raise _in_progress(flow) from None
        yield


def _slot(concurrency: Callable[..., Any], name: str, wait_seconds: float) -> Any:
    return concurrency(name, occupy=1, strict=True, timeout_seconds=wait_seconds)


def _create_limit(name: str) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, 1)


async def _create_limit_async(name: str) -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        await client.upsert_global_concurrency_limit_by_name(name, 1)


def _in_progress(flow: str) -> RunInProgress:
    return RunInProgress(f"another {flow} run for this programme is still going; try again later")
