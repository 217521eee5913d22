"""Payment reminders (betalingspåminnelser): an invoice still unpaid ``reminder_days`` (programme
file, ``invoicing``) after its due date gets a reminder mailed to its invoice address with the
KID, what has been paid and the balance, and a new due date; a second one ``reminder_days``
after the first; never more than two (``MAX_PAYMENT_REMINDERS``): after that the invoice is
listed for finance to follow up.

Each reminder is a ``PaymentReminder`` row, its mail (outbox key
``payment-reminder/<series>/<number>/<ordinal>``) and a ``payment-reminder-sent`` history entry,
in one transaction: a reminder is made once, however often the run is repeated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from kulturskole.db import unit_of_work
from kulturskole.history import Acting, record
from kulturskole.reports import ARTIFACT_ROWS, Report, json_field
from kulturskole.services.programmes import format_ore, get_programme
from models import (
    MAX_PAYMENT_REMINDERS,
    Case,
    GroupMember,
    Invoice,
    Payment,
    PaymentReminder,
    Programme,
)
from notifications.case_mail import chief_executive, common_context, coordinator_or_contact
from notifications.outbox import Recipient, queue

OPEN = ("issued", "sent")


@dataclass
class ReminderReport(Report):
    """What a payment-reminder run did: the reminders sent (or that would be), and the invoices
    that have had both reminders and are past the last new due date: for finance."""

    SUMMARY_KEYS = ("sent", "for_finance")
    EMPTY_ROW = {"invoice": "-", "note": "no reminders due"}

    programme: str
    as_of: date
    dry_run: bool
    sent: list[dict[str, Any]] = json_field()
    for_finance: list[dict[str, Any]] = json_field()

    def headline(self) -> str:
        verb = "would send" if self.dry_run else "sent"
        return (
            f"{verb} {len(self.sent)} payment reminders; {len(self.for_finance)} invoices "
            "unpaid after two reminders, for finance to follow up"
        )

    def warnings(self) -> list[str]:
        return [
            f"invoice {i['number']} ({i['municipality']} {i['buyer']}) unpaid after "
            f"{MAX_PAYMENT_REMINDERS} reminders: {i['balance']} for finance to follow up"
            for i in self.for_finance
        ]

    def artifact_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "invoice": s["number"],
                "municipality": f"{s['municipality']} {s['buyer']}",
                "balance": s["balance"],
                "note": f"reminder {s['reminder']}, new due date {s['new_due_date']}",
            }
            for s in self.sent[:ARTIFACT_ROWS]
        ] + [
            {
                "invoice": f["number"],
                "municipality": f"{f['municipality']} {f['buyer']}",
                "balance": f["balance"],
                "note": "for finance: unpaid after two reminders",
            }
            for f in self.for_finance[:ARTIFACT_ROWS]
        ]

    def artifact_description(self, flow: str, as_of: date) -> str:
        return f"{flow} {self.programme} as of {as_of}: {self.headline()}"


def run(
    engine: Engine, acting: Acting, programme_id: str | None = None, *, dry_run: bool = False
) -> ReminderReport:
    """Send every payment reminder due as of ``acting.as_of``, in one transaction; with
    ``dry_run`` report what would be sent and change nothing."""
    with unit_of_work(engine, dry_run=dry_run) as session:
        programme = get_programme(session, programme_id)
        report = ReminderReport(programme.id, acting.as_of, dry_run)
        send_due_reminders(session, programme, acting, report)
    return report


def _overdue(programme: Programme, as_of: date):  # noqa: ANN202 - a Select of Invoice
    """The programme's open invoices past their due date by ``reminder_days``: the only ones a
    run looks at (both reminders and the list for finance come from them)."""
    after = timedelta(days=programme.rules.invoicing.reminder_days)
    return (
        select(Invoice)
        .join(Case, Case.id == Invoice.case_id)
        .where(
            Case.programme_id == programme.id,
            Invoice.kind == "invoice",
            Invoice.status.in_(OPEN),
            Invoice.due_date.is_not(None),
            Invoice.due_date <= as_of - after,
        )
    )


def anything_due(session: Session, programme: Programme, as_of: date) -> bool:
    """Whether a run as of the date would look at any invoice (one cheap query; the
    programme-day flow skips the task when not, as the run would return an empty report)."""
    query = _overdue(programme, as_of).with_only_columns(Invoice.id).limit(1)
    return session.scalar(query) is not None


def send_due_reminders(
    session: Session, programme: Programme, acting: Acting, report: ReminderReport
) -> None:
    invoicing = programme.rules.invoicing
    after = timedelta(days=invoicing.reminder_days)
    as_of = acting.as_of
    invoices = list(
        session.scalars(
            _overdue(programme, as_of)
            .order_by(Invoice.series, Invoice.number)
            .with_for_update(of=Invoice)
        )
    )
    if not invoices:
        return
    ids = [i.id for i in invoices]
    sent: dict[int, list[PaymentReminder]] = defaultdict(list)
    for reminder in session.scalars(
        select(PaymentReminder)
        .where(PaymentReminder.invoice_id.in_(ids))
        .order_by(PaymentReminder.ordinal)
    ):
        sent[reminder.invoice_id].append(reminder)
    paid = dict(
        session.execute(
            select(Payment.invoice_id, func.sum(Payment.amount_ore))
            .where(Payment.invoice_id.in_(ids))
            .group_by(Payment.invoice_id)
        ).all()
    )
    cases = {
        c.id: c
        for c in session.scalars(
            select(Case)
            .where(Case.id.in_({i.case_id for i in invoices}))
            .options(
                selectinload(Case.municipality),
                selectinload(Case.members).selectinload(GroupMember.person),
                selectinload(Case.contact),
            )
            .with_for_update(of=Case)
        )
    }
    for invoice in invoices:
        case = cases[invoice.case_id]
        before = sent[invoice.id]
        paid_ore = int(paid.get(invoice.id) or 0)
        balance = invoice.amount_ore - paid_ore
        if balance <= 0:
            continue
        row = {
            "series": invoice.series,
            "number": invoice.number,
            "municipality": case.municipality_number,
            "buyer": invoice.buyer_name,
            "kid": invoice.kid,
            "due_date": invoice.due_date.isoformat(),
            "amount": format_ore(invoice.amount_ore),
            "paid": format_ore(paid_ore),
            "balance": format_ore(balance),
        }
        if len(before) >= MAX_PAYMENT_REMINDERS:
            last = before[-1]
            if as_of > last.new_due_date:
                report.for_finance.append(
                    row
                    | {
                        "reminders": len(before),
                        "last_reminder": last.sent_on.isoformat(),
                        "last_due_date": last.new_due_date.isoformat(),
                    }
                )
            continue
        if before and as_of < before[-1].sent_on + after:
            continue  # the next reminder is not due yet
        ordinal = len(before) + 1
        new_due = as_of + timedelta(days=invoicing.reminder_due_days)
        report.sent.append(row | {"reminder": ordinal, "new_due_date": new_due.isoformat()})
        _send(session, programme, case, invoice, ordinal, paid_ore, balance, new_due, acting)


def invoice_address(invoice: Invoice, case: Case) -> tuple[list[Recipient], list[Recipient]]:
    """(to, cc) of mail about an invoice: its invoice address when it has one, else the
    coordinator (or the contact) with the chief executive, as the invoice's own mail."""
    email = invoice.buyer_email  # stamped at issue from the case's invoicing details
    if email:
        return [Recipient(None, email)], []
    return [coordinator_or_contact(case)], chief_executive(case)


def _send(
    session: Session,
    programme: Programme,
    case: Case,
    invoice: Invoice,
    ordinal: int,
    paid_ore: int,
    balance: int,
    new_due: date,
    acting: Acting,
) -> None:
    from stdnum.no import kontonr

    to, cc = invoice_address(invoice, case)
    context = common_context(case, to[0]) | {
        "reminder": {
            "ordinal": ordinal,
            "invoice_number": invoice.number,
            "kid": invoice.kid,
            "account": kontonr.format(programme.rules.seller.bank_account),
            "amount_ore": invoice.amount_ore,
            "paid_ore": paid_ore,
            "balance_ore": balance,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "new_due_date": new_due,
        }
    }
    message = queue(
        session,
        key=f"payment-reminder/{invoice.series}/{invoice.number}/{ordinal}",
        template="payment_reminder",
        context=context,
        to=to,
        cc=cc,
        case=case,
        acting=acting,
    )
    reminder = PaymentReminder(
        invoice_id=invoice.id,
        ordinal=ordinal,
        sent_on=acting.as_of,
        balance_ore=balance,
        new_due_date=new_due,
        message_id=message.id if message is not None else None,
    )
    session.add(reminder)
    session.flush()
    record(
        session,
        case,
        acting,
        "payment-reminder-sent",
        details={
            "series": invoice.series,
            "number": invoice.number,
            "reminder": ordinal,
            "balance_ore": balance,
            "new_due_date": new_due.isoformat(),
            "message": reminder.message_id,
        },
    )
