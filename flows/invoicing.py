"""Flow ``invoicing``: issue every instalment that is due as of a date."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run

from flows.runs import RETRIES, acting_in_run, one_at_a_time, record_run, transient
from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema
from kulturskole.history import Acting
from kulturskole.invoicing import issuing

ARTIFACT_ROWS = 500  # the full list is in our own tables and `kulturskole invoices list`


@task(name="issue-due-instalments", **RETRIES, retry_condition_fn=transient)
def issue_due(programme: str | None, as_of: date, dry_run: bool, run_id: str | None) -> dict:
    """All due instalments in set-based batches (one task, not one per municipality)."""
    engine = current_engine()
    require_schema(engine)
    with acting_in_run(run_id):
        report = issuing.run(
            engine, Acting(get_settings().actor, as_of), programme, dry_run=dry_run
        )
    return report.as_json()


@flow(name="invoicing")
def invoicing(
    programme: str | None = None, as_of: date | None = None, dry_run: bool = False
) -> dict:
    """Invoice each participating municipality an instalment after each physical joint
    gathering; ``dry_run`` shows what would be issued and changes nothing."""
    as_of = as_of or get_settings().today()
    with one_at_a_time("invoicing", programme):
        result = issue_due(programme, as_of, dry_run, flow_run.get_id())
    logger = get_run_logger()
    verb = "would issue" if dry_run else "issued"
    logger.info(
        "%s %d invoices (NOK %s); %d already invoiced; %d skipped",
        verb,
        result["issued"],
        result["total"],
        result["already_invoiced"],
        len(result["skipped"]),
    )
    for item in result["invoices"]:
        if "warning" in item:
            logger.warning(item["warning"])
    rows = [
        {
            "number": i.get("number", "(dry run)"),
            "municipality": f"{i['municipality']} {i['name']}",
            "instalment": i["instalment"],
            "amount": i["amount"],
            "note": i.get("warning", ""),
        }
        for i in result["invoices"][:ARTIFACT_ROWS]
    ] + [
        {
            "number": "-",
            "municipality": f"{s['municipality']} {s['name']}",
            "instalment": s["instalment"],
            "amount": "0.00",
            "note": f"skipped: {s['reason']}",
        }
        for s in result["skipped"][:ARTIFACT_ROWS]
    ]
    create_table_artifact(
        key="invoicing-dry-run" if dry_run else "invoicing",
        table=rows or [{"number": "-", "note": "nothing due"}],
        description=(
            f"invoicing {result['programme']} as of {as_of}: {verb} {result['issued']} invoices, "
            f"NOK {result['total']}; {result['already_invoiced']} already invoiced; "
            f"{len(result['skipped'])} skipped"
        ),
    )
    record_run(
        "invoicing",
        result["programme"],
        as_of,
        dry_run,
        flow_run.get_id(),
        {
            "issued": result["issued"],
            "total": result["total"],
            "already_invoiced": result["already_invoiced"],
            "skipped": len(result["skipped"]),
        },
    )
    return result
