"""Payment reminders: an invoice unpaid after its due date gets a reminder to its invoice
address, once; a second after as many days again; never a third; partial payments shown; the
unpaid-invoice breach no longer warns the coordinator nor threatens termination."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput
from kulturskole.history import verify
from kulturskole.invoicing import issuing
from kulturskole.invoicing.ledger import record_payment
from kulturskole.obligations.breaches import decide, monitor
from kulturskole.payments import reminders
from kulturskole.payments.importing import import_payments
from kulturskole.payments.lines import PaymentLine
from models import Breach, Case, HistoryEntry, Invoice, Message, PaymentReminder
from notifications.delivery import deliver_due
from tests.builders.invoicing import active, invoices, nr, on
from tests.support.cli import run
from tests.support.smtp_server import Handler, smtp_server

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"
NBSP = "\u00a0"


@pytest.fixture
def due(engine: Engine) -> date:
    """Two active cases, each with instalment 1 issued; the due date they share."""
    active(engine, "0301", "5001")
    issuing.run(engine, on(AFTER_FIRST))
    dates = {i.due_date for i in invoices(engine)}
    assert len(dates) == 1
    return dates.pop()


def remind(engine: Engine, day: date, dry_run: bool = False) -> reminders.ReminderReport:
    return reminders.run(engine, on(day.isoformat()), dry_run=dry_run)


def reminder_rows(engine: Engine) -> list[tuple[int, int, date, int, date]]:
    with unit_of_work(engine) as session:
        return [
            (
                session.get(Invoice, r.invoice_id).number,
                r.ordinal,
                r.sent_on,
                r.balance_ore,
                r.new_due_date,
            )
            for r in session.scalars(
                select(PaymentReminder).order_by(
                    PaymentReminder.invoice_id, PaymentReminder.ordinal
                )
            )
        ]


def reminder_mail(engine: Engine) -> list[Message]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(Message).where(Message.template == "payment_reminder").order_by(Message.id)
            )
        )


def actions(engine: Engine, action: str) -> list[dict]:
    with unit_of_work(engine) as session:
        return [
            e.details
            for e in session.scalars(
                select(HistoryEntry).where(HistoryEntry.action == action).order_by(HistoryEntry.id)
            )
        ]


def test_no_reminder_before_the_days_have_passed(engine: Engine, due: date) -> None:
    report = remind(engine, due + timedelta(days=13))
    assert report.sent == [] and reminder_rows(engine) == [] and reminder_mail(engine) == []


def test_a_reminder_is_made_once_and_only_once(engine: Engine, due: date) -> None:
    day = due + timedelta(days=14)
    first = remind(engine, day)
    assert [(s["number"], s["reminder"]) for s in first.sent] == [(nr(1), 1), (nr(2), 1)]
    new_due = day + timedelta(days=14)
    assert reminder_rows(engine) == [
        (nr(1), 1, day, 666_667, new_due),
        (nr(2), 1, day, 666_667, new_due),
    ]
    mails = reminder_mail(engine)
    assert [m.idempotency_key for m in mails] == [
        f"payment-reminder/fk-regionale-2024-2025/{nr(1)}/1",
        f"payment-reminder/fk-regionale-2024-2025/{nr(2)}/1",
    ]
    # The same day again, and the days until the second is due: nothing more.
    for later in (day, day + timedelta(days=1), day + timedelta(days=13)):
        assert remind(engine, later).sent == []
    assert len(reminder_mail(engine)) == 2 and len(reminder_rows(engine)) == 2
    history = actions(engine, "payment-reminder-sent")
    assert [(h["number"], h["reminder"], h["balance_ore"]) for h in history] == [
        (nr(1), 1, 666_667),
        (nr(2), 1, 666_667),
    ]
    assert history[0]["new_due_date"] == new_due.isoformat()
    assert history[0]["message"] == mails[0].id
    with unit_of_work(engine) as session:
        assert list(verify(session)) == []


def test_the_second_reminder_after_as_many_days_and_never_a_third(
    engine: Engine, due: date, cli: CliRunner
) -> None:
    first_day = due + timedelta(days=14)
    remind(engine, first_day)
    second_day = first_day + timedelta(days=14)
    second = remind(engine, second_day)
    assert [(s["number"], s["reminder"]) for s in second.sent] == [(nr(1), 2), (nr(2), 2)]
    mails = reminder_mail(engine)
    assert len(mails) == 4
    assert mails[2].subject.startswith(f"2. betalingspåminnelse: faktura {nr(1)} – ")
    assert "Dette er andre påminnelse" in mails[2].text_body
    assert "fulgt opp av vår økonomiavdeling" in mails[2].text_body
    assert "andre påminnelse" not in mails[0].text_body
    # Before the second's new due date nothing is listed; after it, for finance; never a third.
    assert remind(engine, second_day + timedelta(days=14)).for_finance == []
    late = remind(engine, second_day + timedelta(days=15))
    assert late.sent == []
    assert [(f["number"], f["reminders"], f["balance"]) for f in late.for_finance] == [
        (nr(1), 2, "6666.67"),
        (nr(2), 2, "6666.67"),
    ]
    assert remind(engine, second_day + timedelta(days=200)).sent == []
    assert len(reminder_mail(engine)) == 4
    listed = run(
        cli,
        "payments",
        "reminders",
        "--as-of",
        (second_day + timedelta(days=20)).isoformat(),
        "--json",
    )
    assert listed.exit_code == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["sent"] == [] and [f["number"] for f in data["for_finance"]] == [nr(1), nr(2)]


def test_no_reminder_for_a_paid_invoice_and_the_partial_balance_shown(
    engine: Engine, due: date
) -> None:
    kids = {i.number: i.kid for i in invoices(engine)}
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), due, on(due.isoformat()))
        import_payments(
            session,
            [PaymentLine("bank:1", kids[nr(2)], 200_000, due, "REF-PART-1")],
            on(due.isoformat()),
        )
    day = due + timedelta(days=14)
    report = remind(engine, day)
    assert [(s["number"], s["paid"], s["balance"]) for s in report.sent] == [
        (nr(2), "2000.00", "4666.67")
    ]
    [mail] = reminder_mail(engine)
    text = mail.text_body
    assert f"Fakturabeløp: 6{NBSP}666,67{NBSP}kr" in text
    assert f"Innbetalt: 2{NBSP}000,00{NBSP}kr" in text
    assert f"Utestående beløp: 4{NBSP}666,67{NBSP}kr" in text
    assert reminder_rows(engine) == [(nr(2), 1, day, 466_667, day + timedelta(days=14))]


def test_a_dry_run_reports_and_keeps_nothing(engine: Engine, due: date, cli: CliRunner) -> None:
    day = (due + timedelta(days=14)).isoformat()
    result = run(cli, "payments", "reminders", "--as-of", day, "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["dry_run"] is True and [s["number"] for s in data["sent"]] == [nr(1), nr(2)]
    assert reminder_rows(engine) == [] and reminder_mail(engine) == []
    shown = run(cli, "payments", "reminders", "--as-of", day)
    assert shown.exit_code == 0 and "sent 2 payment reminders" in shown.stdout
    assert len(reminder_rows(engine)) == 2
    bad = run(cli, "payments", "reminders", "--as-of", "snart")
    assert bad.exit_code == 2 and "--as-of" in bad.stderr


def test_the_reminder_reaches_a_real_smtp_server_in_norwegian(
    engine: Engine, due: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = due + timedelta(days=14)
    remind(engine, day)
    [invoice] = [i for i in invoices(engine) if i.number == nr(1)]
    monkeypatch.setenv("KULTURSKOLE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KULTURSKOLE_SMTP_SECURITY", "none")
    monkeypatch.setenv("KULTURSKOLE_SMTP_TIMEOUT", "5")
    monkeypatch.setenv("KULTURSKOLE_MAIL_FROM", "Norsk kulturskoleråd <post@kulturskole.test>")
    handler = Handler()
    with smtp_server(handler) as port:
        monkeypatch.setenv("KULTURSKOLE_SMTP_PORT", str(port))
        report = asyncio.run(deliver_due(engine, get_settings(), day))
    assert not report.failed
    stored = reminder_mail(engine)[0]
    got = next(r for r in handler.received if r.message["Message-ID"] == stored.message_id)
    mail = got.message
    assert mail["Subject"].startswith(f"Betalingspåminnelse: faktura {nr(1)} – Oslo kommune")
    # To the invoice address stamped on the invoice (the case's invoicing details), only.
    assert invoice.buyer_email == "faktura.0301@kommune.example.no"
    assert got.rcpt_tos == [invoice.buyer_email] and mail["To"] == invoice.buyer_email
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    for expected in (
        f"Vi kan ikke se å ha mottatt betaling for faktura {nr(1)} av ",
        f"KID: {invoice.kid}",
        "Kontonummer: 9999.99.99987",
        f"Utestående beløp: 6{NBSP}666,67{NBSP}kr",
        f"Ny forfallsdato: {(day + timedelta(days=14)).day}. ",
        "Har dere betalt i mellomtiden, kan dere se bort fra denne påminnelsen.",
        "Med vennlig hilsen",
    ):
        assert expected in text, expected
    html = mail.get_body(("html",)).get_content()
    assert "Betalingspåminnelse" in html and invoice.kid in html
    with unit_of_work(engine) as session:
        assert session.get(Message, stored.id).status == "sent"


def test_an_unpaid_invoice_is_a_breach_without_a_warning_or_a_termination(
    engine: Engine, due: date
) -> None:
    day = due + timedelta(days=31)
    monitor(engine, on(day.isoformat()))
    with unit_of_work(engine) as session:
        breaches = list(session.scalars(select(Breach).where(Breach.rule == "invoice-overdue")))
        assert len(breaches) == 2 and all(b.status == "open" for b in breaches)
        keys = set(session.scalars(select(Message.idempotency_key)))
        # Other rules warn as before; the unpaid invoice's letter is the payment reminder.
        assert any(k.endswith("/warning") for k in keys)
        assert not {f"breach/{b.id}/warning" for b in breaches} & keys
        breach_id = breaches[0].id
    # Long past its grace period, it is never proposed for termination…
    report = monitor(engine, on((day + timedelta(days=90)).isoformat()))
    assert [a for a in report.awaiting if a["rule"] == "invoice-overdue"] == []
    assert report.awaiting  # while other rules past their grace period are
    # …and an administrator cannot approve one either.
    with (
        pytest.raises(InvalidInput, match="cannot lead to termination"),
        unit_of_work(engine) as session,
    ):
        decide(
            session, breach_id, True, "Ikke betalt", "admin@kulturskoleradet.no", on("2025-03-01")
        )
    with unit_of_work(engine) as session:
        assert {c.state for c in session.scalars(select(Case))} == {"active"}
    # Paid, the breach resolves.
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), day, on(day.isoformat()))
    monitor(engine, on((day + timedelta(days=91)).isoformat()))
    with unit_of_work(engine) as session:
        assert session.get(Breach, breach_id).status == "resolved"
