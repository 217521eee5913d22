"""Flow ``schedule-visits``: place the guidance visits of every exact visit window."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run

from flows.runs import RETRIES, acting_in_run, one_at_a_time, record_run, transient
from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema
from kulturskole.history import Acting
from kulturskole.visits import scheduling

ARTIFACT_ROWS = 500


@task(name="schedule-windows", **RETRIES, retry_condition_fn=transient)
def schedule(programme: str | None, as_of: date, dry_run: bool, run_id: str | None) -> dict:
    """Every window in one task (set-based), one transaction per window."""
    engine = current_engine()
    require_schema(engine)
    with acting_in_run(run_id):
        report = scheduling.run(
            engine, Acting(get_settings().actor, as_of), programme, dry_run=dry_run
        )
    return report.as_json()


@flow(name="schedule-visits")
def schedule_visits(
    programme: str | None = None, as_of: date | None = None, dry_run: bool = False
) -> dict:
    """Schedule guidance visits in the exact visit windows; never moves an existing visit."""
    as_of = as_of or get_settings().today()
    with one_at_a_time("schedule-visits", programme):
        result = schedule(programme, as_of, dry_run, flow_run.get_id())
    logger = get_run_logger()
    verb = "would schedule" if dry_run else "scheduled"
    logger.info(
        "%s %d visits; %d already scheduled; %d could not be placed",
        verb,
        result["scheduled"],
        result["already_scheduled"],
        len(result["unplaced"]),
    )
    for window in result["skipped_windows"]:
        logger.warning("%s skipped: %s", window["window"], window["reason"])
    for item in result["unplaced"]:
        logger.warning(
            "%s %s not placed in %s: %s",
            item["municipality"],
            item["name"],
            item["window"],
            item["reason"],
        )
    rows = (
        [
            {
                "window": v["window"],
                "municipality": f"{v['municipality']} {v['name']}",
                "start": v["start"],
                "mode": v["mode"],
                "advisor": v["advisor"],
                "note": "",
            }
            for v in result["visits"][:ARTIFACT_ROWS]
        ]
        + [
            {
                "window": u["window"],
                "municipality": f"{u['municipality']} {u['name']}",
                "start": "",
                "mode": "",
                "advisor": u.get("advisor", ""),
                "note": f"not placed: {u['reason']}",
            }
            for u in result["unplaced"][:ARTIFACT_ROWS]
        ]
        + [
            {
                "window": w["window"],
                "municipality": "",
                "start": "",
                "mode": "",
                "advisor": "",
                "note": f"window skipped: {w['reason']}",
            }
            for w in result["skipped_windows"]
        ]
    )
    create_table_artifact(
        key="schedule-visits-dry-run" if dry_run else "schedule-visits",
        table=rows or [{"window": "-", "note": "nothing to schedule"}],
        description=(
            f"schedule-visits as of {as_of}: {verb} {result['scheduled']}, "
            f"{len(result['unplaced'])} not placed, "
            f"{len(result['skipped_windows'])} windows skipped"
        ),
    )
    record_run(
        "schedule-visits",
        result["programme"],
        as_of,
        dry_run,
        flow_run.get_id(),
        {
            "scheduled": result["scheduled"],
            "unplaced": len(result["unplaced"]),
            "already_scheduled": result["already_scheduled"],
            "skipped_windows": len(result["skipped_windows"]),
        },
    )
    return result
