"""Flow ``programme-day``: everything due on one date of the programme's calendar, in one flow
run — the same tasks the separate flows use, in the order a day needs them. For playing a whole
programme on a simulated calendar without paying Prefect's per-run cost five times a day."""

from __future__ import annotations

from datetime import date

from prefect import flow
from prefect.context import SyncClientContext
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
from kulturskole import lifecycle as calendar
from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.lifecycle import LifecycleReport
from kulturskole.payments import reminders as dunning_rules
from kulturskole.payments.reminders import ReminderReport
from kulturskole.reports import DayReport
from kulturskole.services.programmes import get_programme


@flow(name="programme-day")
async def programme_day(programme: str | None = None, as_of: date | None = None) -> dict:
    """Lifecycle, visits, invoicing (and EHF delivery), payment reminders, obligations,
    reminders, invitations to the inspiration gathering and the sharing arena, then the day's
    mail."""
    as_of = as_of or get_settings().today()
    run_id = flow_run.get_id()
    # One sync client for the day's sync task runs (each makes its own otherwise, with a new
    # SSL context); a caller's context (the demo's, for all dates) is used as it is.
    with SyncClientContext.get_or_create():
        return await _day(programme, as_of, run_id)


async def _day(programme: str | None, as_of: date, run_id: str | None) -> dict:
    async with one_at_a_time_async("programme-day", programme):
        programme_id, starts_or_ends, overdue = _agenda(programme, as_of)
        lifecycle = (
            advance_cases(programme, as_of, False, run_id)
            if starts_or_ends
            else LifecycleReport(programme_id, as_of.isoformat(), False)
        )
        visits = schedule(programme, as_of, False, run_id)
        invoices = issue_due(programme, as_of, False, run_id)
        invoices.delivery = deliver_invoices(invoices.programme, as_of, run_id)
        dunning = (
            payment_reminders(programme, as_of, False, run_id)
            if overdue
            else ReminderReport(programme_id, as_of, False)
        )
        obligations = evaluate(programme, as_of, False, run_id)
        reminders = queue_reminders(programme, as_of, False, run_id)
        invitations = queue_invitations(programme, as_of, False, run_id)
        mail = await deliver(as_of, None, run_id)
    day = DayReport(as_of, lifecycle, visits, invoices, obligations, reminders, mail, dunning)
    day.invitations_queued = invitations
    return await publish_async("programme-day", day, as_of, lifecycle.programme)


def _agenda(programme: str | None, as_of: date) -> tuple[str, bool, bool]:
    """The programme's id, and whether any case starts or ends and any invoice is overdue as of
    the date: on most dates neither, and those two tasks would return their empty reports (each
    task run costs Prefect's fixed work, here and on its server, for nothing)."""
    with unit_of_work(readonly=True) as session:
        loaded = get_programme(session, programme)
        return (
            loaded.id,
            calendar.anything_due(session, loaded, as_of),
            dunning_rules.anything_due(session, loaded, as_of),
        )
