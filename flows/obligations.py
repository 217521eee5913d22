"""Flow ``monitor-obligations``: evaluate the rules, open and resolve breaches, and ask an
administrator to decide on termination where a breach outlived its grace period."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run

from flows.runs import RETRIES, acting_in_run, one_at_a_time, record_run, transient
from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema, unit_of_work
from kulturskole.history import Acting
from kulturskole.obligations import breaches
from models import Breach


class TerminationDecision(RunInput):
    """The administrator's answer: terminate the contract over this breach, or not."""

    approve: bool
    reason: str
    decided_by: str


@task(name="evaluate-obligations", **RETRIES, retry_condition_fn=transient)
def evaluate(programme: str | None, as_of: date, dry_run: bool, run_id: str | None) -> dict:
    engine = current_engine()
    require_schema(engine)
    with acting_in_run(run_id):
        report = breaches.monitor(
            engine, Acting(get_settings().actor, as_of), programme, dry_run=dry_run
        )
    return report.as_json()


@task(name="apply-decision")
def apply_decision(breach_id: int, decision: dict, as_of: date, run_id: str | None) -> bool:
    with acting_in_run(run_id), unit_of_work() as session:
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
        result = evaluate(programme, as_of, dry_run, run_id)
    logger = get_run_logger()
    ask = (flow_run.get_deployment_id() is not None) if ask is None else ask
    decided = []
    for proposal in result["decisions_awaited"] if ask and not dry_run else []:
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
                timeout=decision_timeout_seconds,
                poll_interval=1,
                key=f"breach-{proposal['id']}",
            )
        except FlowPauseTimeout:
            logger.warning("No decision on breach %s: the case is left as it is", proposal["id"])
            _mark_awaiting(proposal["id"], None)
            continue
        decision = answer.model_dump(include={"approve", "reason", "decided_by"})
        applied = apply_decision(proposal["id"], decision, as_of, run_id)
        decided.append({"breach": proposal["id"], **decision, "applied": applied})
    result["decided"] = decided
    rows = (
        [
            {
                "breach": o["id"],
                "municipality": f"{o['municipality']} {o['name']}",
                "rule": o["rule"],
                "what": f"opened; remedy by {o['remedy_by']}",
            }
            for o in result["opened"]
        ]
        + [
            {
                "breach": r["id"],
                "municipality": f"{r['municipality']} {r['name']}",
                "rule": r["rule"],
                "what": "resolved",
            }
            for r in result["resolved"]
        ]
        + [
            {
                "breach": a["id"],
                "municipality": f"{a['municipality']} {a['name']}",
                "rule": a["rule"],
                "what": "termination proposed: decision awaited",
            }
            for a in result["decisions_awaited"]
        ]
        + [
            {
                "breach": d["breach"],
                "municipality": "",
                "rule": "",
                "what": f"decided by {d['decided_by']}: {'approve' if d['approve'] else 'reject'}",
            }
            for d in decided
        ]
    )
    create_table_artifact(
        key="monitor-obligations-dry-run" if dry_run else "monitor-obligations",
        table=rows or [{"breach": "-", "what": "all obligations kept"}],
        description=(
            f"monitor-obligations as of {as_of}: {len(result['opened'])} opened, "
            f"{len(result['resolved'])} resolved, {result['still_open']} still open, "
            f"{len(result['decisions_awaited'])} decisions awaited"
        ),
    )
    record_run(
        "monitor-obligations",
        result["programme"],
        as_of,
        dry_run,
        run_id,
        {
            "opened": len(result["opened"]),
            "resolved": len(result["resolved"]),
            "still_open": result["still_open"],
            "decisions_awaited": len(result["decisions_awaited"]),
            "decided": len(decided),
        },
    )
    return result
