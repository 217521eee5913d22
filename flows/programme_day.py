"""Flow ``programme-day``: everything due on one date of the programme's calendar, in one flow
run — the same tasks the separate flows use, in the order a day needs them. For playing a whole
programme on a simulated calendar without paying Prefect's per-run cost five times a day."""

from __future__ import annotations

from datetime import date

from prefect import flow
from prefect.runtime import flow_run

from flows.invitations import queue_invitations
from flows.invoicing import deliver_invoices, issue_due
from flows.lifecycle import advance_cases
from flows.mail import deliver
from flows.obligations import evaluate
from flows.payment_reminders import payment_reminders
from flows.publish import publish_async
from flows.reminders import queue_reminders
from flows.runs import one_at_a_time_async
from flows.visits import schedule
from kulturskole.config import get_settings
from kulturskole.reports import DayReport


@flow(name="programme-day")
async def programme_day(programme: str | None = None, as_of: date | None = None) -> dict:
    """Lifecycle, visits, invoicing (and EHF delivery), payment reminders, obligations,
    reminders, invitations to the inspiration gathering and the sharing arena, then the day's
    mail."""
    as_of = as_of or get_settings().today()
    run_id = flow_run.get_id()
    async with one_at_a_time_async("programme-day", programme):
        lifecycle = advance_cases(programme, as_of, False, run_id)
        visits = schedule(programme, as_of, False, run_id)
        invoices = issue_due(programme, as_of, False, run_id)
        invoices.delivery = deliver_invoices(invoices.programme, as_of, run_id)
        dunning = payment_reminders(programme, as_of, False, run_id)
        obligations = evaluate(programme, as_of, False, run_id)
        reminders = queue_reminders(programme, as_of, False, run_id)
        invitations = queue_invitations(programme, as_of, False, run_id)
        mail = await deliver(as_of, None, run_id)
    day = DayReport(as_of, lifecycle, visits, invoices, obligations, reminders, mail, dunning)
    day.invitations_queued = invitations
    return await publish_async("programme-day", day, as_of, lifecycle.programme)
