"""Flow ``payment-reminders``: a payment reminder for every invoice still unpaid after its due
date (programme file, ``invoicing.reminder_days``), a second after as many days again; the
invoices unpaid after both are listed for finance."""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.runtime import flow_run

from flows.publish import publish
from flows.runs import RETRIES, one_at_a_time, perform, transient
from kulturskole.config import get_settings
from kulturskole.payments import reminders


@task(name="send-payment-reminders", **RETRIES, retry_condition_fn=transient)
def payment_reminders(
    programme: str | None, as_of: date, dry_run: bool, run_id: str | None
) -> reminders.ReminderReport:
    """Every reminder due, in one transaction; each is made once."""
    return perform(reminders.run, programme, as_of, dry_run, run_id)


@flow(name="payment-reminders")
def send_payment_reminders(
    programme: str | None = None, as_of: date | None = None, dry_run: bool = False
) -> dict:
    """Queue the payment reminders due as of the date (mailed by send-notifications)."""
    as_of = as_of or get_settings().today()
    with one_at_a_time("payment-reminders", programme):
        report = payment_reminders(programme, as_of, dry_run, flow_run.get_id())
    return publish("payment-reminders", report, as_of, report.programme, dry_run)
