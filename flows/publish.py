"""Publishing what a run did, the same way for every flow: its log lines, its table artifact
(keyed by the flow, ``-dry-run`` for a dry run) and its record for the status overview (none
for a dry run). The report says what is in them (kulturskole/reports.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import acreate_table_artifact, create_table_artifact
from prefect.runtime import flow_run

from flows.runs import record_run
from kulturskole.reports import Report


def publish(
    flow: str, report: Report, as_of: date, programme: str | None, dry_run: bool = False
) -> dict[str, Any]:
    """Log, artifact and record a run's report; returns its JSON, the flow's result."""
    _log(report)
    create_table_artifact(**_artifact(flow, report, as_of, dry_run))
    return _record(flow, report, as_of, programme, dry_run)


async def publish_async(
    flow: str, report: Report, as_of: date, programme: str | None, dry_run: bool = False
) -> dict[str, Any]:
    """`publish` for async flows."""
    _log(report)
    await acreate_table_artifact(**_artifact(flow, report, as_of, dry_run))
    return _record(flow, report, as_of, programme, dry_run)


def _log(report: Report) -> None:
    logger = get_run_logger()
    headline = report.headline()
    if headline is not None:
        logger.info(headline)
    for warning in report.warnings():
        logger.warning(warning)


def _artifact(flow: str, report: Report, as_of: date, dry_run: bool) -> dict[str, Any]:
    return {
        "key": f"{flow}-dry-run" if dry_run else flow,
        "table": report.artifact_table(),
        "description": report.artifact_description(flow, as_of),
    }


def _record(
    flow: str, report: Report, as_of: date, programme: str | None, dry_run: bool
) -> dict[str, Any]:
    record_run(flow, programme, as_of, dry_run, flow_run.get_id(), report.summary())
    return report.as_json()
