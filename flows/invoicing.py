"""Flow ``invoicing``: issue every instalment that is due as of a date, then hand every pending
EHF to the configured access point (the PDF mails go with the mail flow)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from prefect import flow, task
from prefect.runtime import flow_run

from flows.publish import publish
from flows.runs import RETRIES, one_at_a_time, perform, transient
from kulturskole.config import get_settings
from kulturskole.invoicing import issuing

if TYPE_CHECKING:
    from kulturskole.invoicing import delivering


@task(name="issue-due-instalments", **RETRIES, retry_condition_fn=transient)
def issue_due(
    programme: str | None, as_of: date, dry_run: bool, run_id: str | None
) -> issuing.RunReport:
    """All due instalments in set-based batches (one task, not one per municipality)."""
    return perform(issuing.run, programme, as_of, dry_run, run_id)


@task(name="deliver-invoices", **RETRIES, retry_condition_fn=transient)
def deliver_invoices(
    programme: str | None, as_of: date, run_id: str | None
) -> delivering.DeliveryRunReport:
    """Every EHF not yet handed over, validated, to the access point; safe to run again."""
    return perform(_deliver, programme, as_of, False, run_id)


def _deliver(engine, acting, programme, *, dry_run):  # noqa: ANN001, ANN202 - perform's shape
    # Imported here: a dry run, which delivers nothing, does not load the EHF validation
    from kulturskole.invoicing import delivering

    return delivering.deliver_pending(engine, acting, programme_id=programme)


@flow(name="invoicing")
def invoicing(
    programme: str | None = None, as_of: date | None = None, dry_run: bool = False
) -> dict:
    """Invoice each participating municipality an instalment after each physical joint
    gathering; ``dry_run`` shows what would be issued and changes nothing."""
    as_of = as_of or get_settings().today()
    with one_at_a_time("invoicing", programme):
        report = issue_due(programme, as_of, dry_run, flow_run.get_id())
        if not dry_run:
            report.delivery = deliver_invoices(report.programme, as_of, flow_run.get_id())
    return publish("invoicing", report, as_of, report.programme, dry_run)
