"""Refunds: crediting a paid or partly paid invoice records what was paid as a refund due, the
credit note's mail says so truthfully, and `payments refund` records it paid out, once."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.history import verify
from kulturskole.invoicing import issuing
from kulturskole.invoicing.ledger import credit, record_payment
from kulturskole.payments.importing import import_payments
from kulturskole.payments.lines import PaymentLine
from kulturskole.payments.refunds import record_refund
from models import HistoryEntry, Invoice, Message, Refund
from tests.builders.invoicing import active, invoices, nr, on
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"
NBSP = "\u00a0"


@pytest.fixture
def issued(engine: Engine) -> dict[int, Invoice]:
    active(engine, "0301", "5001", "1103")
    issuing.run(engine, on(AFTER_FIRST))
    found = {i.number: i for i in invoices(engine)}
    assert sorted(found) == [nr(1), nr(2), nr(3)]
    return found


def refunds(engine: Engine) -> list[Refund]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Refund).order_by(Refund.id)))


def credit_mail(engine: Engine, credited: int) -> Message:
    with unit_of_work(engine) as session:
        note = session.scalar(
            select(Invoice).where(
                Invoice.kind == "credit",
                Invoice.credits_invoice_id
                == select(Invoice.id).where(Invoice.number == credited).scalar_subquery(),
            )
        )
        return session.get(Message, note.message_id)


def history(engine: Engine, action: str) -> list[dict]:
    with unit_of_work(engine) as session:
        return [
            e.details
            for e in session.scalars(
                select(HistoryEntry).where(HistoryEntry.action == action).order_by(HistoryEntry.id)
            )
        ]


def test_a_paid_invoice_is_credited_and_its_refund_is_due(
    engine: Engine, issued: dict[int, Invoice]
) -> None:
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), date(2024, 10, 10), on("2024-10-10"))
    with unit_of_work(engine) as session:
        note = credit(session, nr(1), "Feil kjøper", on("2024-10-15"))
        note_number = note.number
    [refund] = refunds(engine)
    assert (refund.amount_ore, refund.status, refund.paid_on, refund.reference) == (
        666_667,
        "due",
        None,
        None,
    )
    assert [(i.number, i.status) for i in invoices(engine)][0] == (nr(1), "credited")
    assert history(engine, "refund-due") == [
        {
            "series": "fk-regionale-2024-2025",
            "invoice": nr(1),
            "credit_note": note_number,
            "amount_ore": 666_667,
        }
    ]
    assert history(engine, "invoice-credited")[0]["refund_ore"] == 666_667
    mail = credit_mail(engine, nr(1))
    for body in (mail.text_body, mail.html_body):
        assert f"Vi har mottatt 6{NBSP}666,67{NBSP}kroner i betaling for faktura {nr(1)}." in body
        assert "Dette beløpet betaler vi tilbake til dere." in body
        assert "kontonummeret beløpet skal betales tilbake til" in body
        assert "skal derfor ikke betales" not in body


def test_a_partly_paid_invoice_refunds_what_was_paid(
    engine: Engine, issued: dict[int, Invoice]
) -> None:
    kid = issued[nr(2)].kid
    with unit_of_work(engine) as session:
        import_payments(
            session,
            [PaymentLine("bank:1", kid, 250_000, date(2024, 10, 5), "PART-1")],
            on("2024-10-05"),
        )
        credit(session, nr(2), "Feil beløp", on("2024-10-15"))
    [refund] = refunds(engine)
    assert (refund.amount_ore, refund.status) == (250_000, "due")
    text = credit_mail(engine, nr(2)).text_body
    assert f"Vi har mottatt 2{NBSP}500{NBSP}kroner i betaling for faktura {nr(2)} " in text
    assert f"(av fakturabeløpet på 6{NBSP}666,67{NBSP}kroner)" in text
    assert "Resten av fakturaen skal ikke betales." in text


def test_an_unpaid_invoice_credited_has_no_refund_and_says_so(
    engine: Engine, issued: dict[int, Invoice]
) -> None:
    with unit_of_work(engine) as session:
        credit(session, nr(3), "Feil", on("2024-10-15"))
    assert refunds(engine) == []
    text = credit_mail(engine, nr(3)).text_body
    assert f"Faktura {nr(3)} skal derfor ikke betales." in text
    assert "tilbake" not in text
    with pytest.raises(NotFound, match="no refund due"), unit_of_work(engine) as session:
        record_refund(session, nr(3), date(2024, 10, 20), on("2024-10-20"))


def test_the_refund_is_paid_out_once(
    engine: Engine, issued: dict[int, Invoice], cli: CliRunner
) -> None:
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), date(2024, 10, 10), on("2024-10-10"))
        credit(session, nr(1), "Feil kjøper", on("2024-10-15"))
    listed = run(cli, "payments", "refunds", "--json")
    assert listed.exit_code == 0, listed.stderr
    [due] = json.loads(listed.stdout)
    assert (due["invoice"], due["amount"], due["status"], due["paid_on"]) == (
        nr(1),
        "6666.67",
        "due",
        None,
    )
    paid = run(
        cli, "payments", "refund", str(nr(1)), "--on", "2024-10-25", "--reference", "UTBET-0001"
    )
    assert paid.exit_code == 0, paid.stderr
    assert f"refund of invoice {nr(1)} (6666.67) paid out on 2024-10-25" in paid.stdout
    [refund] = refunds(engine)
    assert (refund.status, str(refund.paid_on), refund.reference) == (
        "paid",
        "2024-10-25",
        "UTBET-0001",
    )
    [entry] = history(engine, "refund-paid")
    assert (entry["invoice"], entry["amount_ore"], entry["paid_on"], entry["reference"]) == (
        nr(1),
        666_667,
        "2024-10-25",
        "UTBET-0001",
    )
    again = run(cli, "payments", "refund", str(nr(1)), "--on", "2024-10-26")
    assert again.exit_code == 2 and "already paid out on 2024-10-25" in again.stderr
    assert len(history(engine, "refund-paid")) == 1
    shown = json.loads(run(cli, "payments", "refunds", "--status", "paid", "--json").stdout)
    assert [(r["invoice"], r["paid_on"]) for r in shown] == [(nr(1), "2024-10-25")]
    assert json.loads(run(cli, "payments", "refunds", "--status", "due", "--json").stdout) == []
    with unit_of_work(engine) as session:
        assert list(verify(session)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("payments", "refund", "99", "--on", "2024-10-25"), "no invoice or credit note number 99"),
        (("payments", "refund", str(nr(3)), "--on", "2024-10-25"), "has no refund due"),
        (("payments", "refund", str(nr(1)), "--on", "i morgen"), "--on"),
        (("payments", "refund", str(nr(1)), "--on", "2024-10-01"), "before the credit note's date"),
        (("payments", "refund", str(nr(4)), "--on", "2024-10-25"), "is a credit note"),
        (("payments", "refunds", "--status", "lost"), "--status"),
    ],
)
def test_refund_mistakes_are_refused_and_change_nothing(
    engine: Engine, issued: dict[int, Invoice], cli: CliRunner, args: tuple, message: str
) -> None:
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), date(2024, 10, 10), on("2024-10-10"))
        credit(
            session, nr(1), "Feil kjøper", on("2024-10-15")
        )  # credit note nr(4), the fourth number
    result = run(cli, *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert [r.status for r in refunds(engine)] == ["due"]
    assert history(engine, "refund-paid") == []


def test_the_credit_command_says_a_refund_is_due(
    engine: Engine, issued: dict[int, Invoice], cli: CliRunner
) -> None:
    assert run(cli, "invoices", "paid", str(nr(2)), "--on", "2024-10-10").exit_code == 0
    result = run(cli, "invoices", "credit", str(nr(2)), "--reason", "Feil", "--as-of", "2024-10-15")
    assert result.exit_code == 0, result.stderr
    assert (
        f"credit note {nr(4)} credits invoice {nr(2)}; a refund of 6666.67 is due" in result.stdout
    )


def test_a_refund_with_a_bad_reference_is_refused(
    engine: Engine, issued: dict[int, Invoice]
) -> None:
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), date(2024, 10, 10), on("2024-10-10"))
        credit(session, nr(1), "Feil kjøper", on("2024-10-15"))
    with pytest.raises(InvalidInput, match="one line"), unit_of_work(engine) as session:
        record_refund(session, nr(1), date(2024, 10, 20), on("2024-10-20"), reference="a\nb")
    assert [r.status for r in refunds(engine)] == ["due"]
