"""Flow ``monitor-obligations``: evaluate the rules, open and resolve breaches, and ask an
administrator to decide on termination where a breach outlived its grace period."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.runtime import deployment, flow_run

from flows.publish import publish
from flows.runs import RETRIES, acting_in_run, one_at_a_time, perform, transient
from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from kulturskole.obligations import breaches
from models import Breach


class TerminationDecision(RunInput):
    """The administrator's answer: terminate the contract over this breach, or not."""

    approve: bool
    reason: str
    decided_by: str


@task(name="evaluate-obligations", **RETRIES, retry_condition_fn=transient)
def evaluate(
    programme: str | None, as_of: date, dry_run: bool, run_id: str | None
) -> breaches.MonitorReport:
    return perform(breaches.monitor, programme, as_of, dry_run, run_id)


@task(name="apply-decision")
def apply_decision(breach_id: int, decision: dict, as_of: date, run_id: str | None) -> bool:
    """Apply the answer the run was resumed with; False when the breach no longer awaits this
    run: the decision was taken elsewhere (``breaches decide``, the console), whose resume
    brought the answer, and is not applied twice (a rejection leaves the breach open)."""
    with acting_in_run(run_id), unit_of_work() as session:
        breach = session.get(Breach, breach_id, with_for_update=True)
        if breach is None or breach.awaiting_flow_run_id != run_id:
            return False
        _, applied = breaches.decide(
            session,
            breach_id,
            decision["approve"],
            decision["reason"],
            decision["decided_by"],
            Acting(decision["decided_by"], as_of),
        )
    return applied


def _mark_awaiting(breach_id: int, run_id: str | None) -> None:
    with unit_of_work() as session:
        breach = session.get(Breach, breach_id, with_for_update=True)
        if breach is not None and breach.status == "open":
            breach.awaiting_flow_run_id = run_id


@flow(name="monitor-obligations")
def monitor_obligations(
    programme: str | None = None,
    as_of: date | None = None,
    dry_run: bool = False,
    ask: bool | None = None,
    decision_timeout_seconds: int = 86_400,
) -> dict:
    """Open, warn about and resolve breaches. Where a breach that can lead to termination is
    still open after its grace period, the run proposes termination and — as a deployment run, or
    with ``ask`` — pauses for an administrator's decision (answerable in the Prefect UI or with
    ``kulturskole breaches decide``). Run from the CLI it lists the decisions awaited and ends.
    Nobody is terminated without a decision; a pause that times out leaves everything as it was."""
    as_of = as_of or get_settings().today()
    run_id = flow_run.get_id()
    with one_at_a_time("monitor-obligations", programme):
        report = evaluate(programme, as_of, dry_run, run_id)
    ask = (deployment.get_id() is not None) if ask is None else ask
    report.decided = []
    for proposal in report.awaiting if ask and not dry_run else []:
        decided = _ask_for_decision(proposal, as_of, run_id, decision_timeout_seconds)
        if decided is not None:
            report.decided.append(decided)
    return publish("monitor-obligations", report, as_of, report.programme, dry_run)


def _ask_for_decision(
    proposal: dict[str, Any], as_of: date, run_id: str | None, timeout_seconds: int
) -> dict[str, Any] | None:
    """Pause the run until an administrator decides on the proposed termination, and apply the
    decision; None when nobody answered in time."""
    logger = get_run_logger()
    logger.warning(
        "Termination proposed for %s %s over breach %s (%s): %s",
        proposal["municipality"],
        proposal["name"],
        proposal["id"],
        proposal["rule"],
        proposal["evidence"],
    )
    _mark_awaiting(proposal["id"], run_id)
    try:
        answer = pause_flow_run(
            wait_for_input=TerminationDecision,
            timeout=timeout_seconds,
            poll_interval=1,
            key=f"breach-{proposal['id']}",
        )
    except FlowPauseTimeout:
        logger.warning("No decision on breach %s: the case is left as it is", proposal["id"])
        _mark_awaiting(proposal["id"], None)
        return None
    decision = answer.model_dump(include={"approve", "reason", "decided_by"})
    applied = apply_decision(proposal["id"], decision, as_of, run_id)
    return {"breach": proposal["id"], **decision, "applied": applied}
