"""Deciding on a proposed termination: the one way both doors do it (``kulturskole breaches
decide`` and the console's Beslutninger page).

The decision is applied through the obligations service in its own transaction, with the
decider named in the history; then a paused monitor-obligations run that was waiting for this
breach is resumed with the same answer (``{approve, reason, decided_by}``), so Prefect's record
shows it too. The resumed run finds the breach decided and does nothing twice. Prefect is
imported only when a run is waiting: a decision without one costs no Prefect start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from kulturskole.obligations.breaches import decide as decide_breach
from kulturskole.read.breaches import awaiting_run


@dataclass(frozen=True)
class Decided:
    breach_id: int
    approve: bool
    status: str  # the breach's status after the decision
    applied: bool  # False: it had been decided already, nothing changed
    resumed_run: str | None  # the flow run that was waiting and was resumed
    resume_error: str | None = None  # the waiting run could not be resumed (the decision holds)


def decide(
    engine: Engine,
    breach_id: int,
    *,
    approve: bool,
    reason: str,
    decided_by: str,
    acting: Acting,
) -> Decided:
    """Decide on terminating over breach ``breach_id`` and answer the run waiting for it."""
    with unit_of_work(engine) as session:
        waiting_run = awaiting_run(session, breach_id)  # the decision clears it
        breach, applied = decide_breach(session, breach_id, approve, reason, decided_by, acting)
        status = breach.status
    error = None
    if waiting_run:
        error = resume_waiting_run(waiting_run, approve=approve, reason=reason, by=decided_by)
    return Decided(breach_id, approve, status, applied, waiting_run, error)


def resume_waiting_run(run_id: str, *, approve: bool, reason: str, by: str) -> str | None:
    """Resume the paused run with the decision; the error's text when Prefect refused."""
    from uuid import UUID

    from prefect.flow_runs import resume_flow_run

    try:
        resume_flow_run(
            UUID(run_id), run_input={"approve": approve, "reason": reason, "decided_by": by}
        )
    except Exception as exc:  # noqa: BLE001 - the decision is kept; the caller says what failed
        return f"{type(exc).__name__}: {exc}"
    return None
