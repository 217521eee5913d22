"""Delivery over SMTP to a real server (aiosmtpd on 127.0.0.1): what it receives, and failures."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select, update

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from models import HistoryEntry, Message
from models.base import utcnow
from notifications.delivery import claim, deliver_due
from tests.builders.cases import apply_case, ready_for_contract
from tests.support.smtp_server import Handler, free_port, smtp_server

pytestmark = pytest.mark.usefixtures("programme_loaded")
AS_OF = date(2024, 6, 10)


@pytest.fixture
def smtp_env(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    def point_at(port: int, **extra: str) -> None:
        monkeypatch.setenv("KULTURSKOLE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("KULTURSKOLE_SMTP_PORT", str(port))
        monkeypatch.setenv("KULTURSKOLE_SMTP_SECURITY", "none")
        monkeypatch.setenv("KULTURSKOLE_SMTP_TIMEOUT", "5")
        monkeypatch.setenv("KULTURSKOLE_MAIL_FROM", "Norsk kulturskoleråd <post@kulturskole.test>")
        for key, value in extra.items():
            monkeypatch.setenv(f"KULTURSKOLE_{key.upper()}", value)

    return point_at


def deliver(engine: Engine):  # noqa: ANN201
    return asyncio.run(deliver_due(engine, get_settings(), AS_OF))


def all_messages(engine: Engine) -> list[Message]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def make_due_now(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session.execute(update(Message).values(due_at=utcnow(), lease_until=None))


def test_server_receives_headers_bodies_and_attachment(engine: Engine, smtp_env) -> None:  # noqa: ANN001
    ready_for_contract(engine)
    handler = Handler()
    with smtp_server(handler) as port:
        smtp_env(port)
        report = deliver(engine)
    assert len(report.sent) == 3 and not report.failed
    stored = {m.template: m for m in all_messages(engine)}
    contract = stored["contract_for_signature"]
    got = next(r for r in handler.received if r.message["Message-ID"] == contract.message_id)
    mail = got.message
    assert (
        mail["Subject"] == contract.subject
        and any(c in mail["Subject"] for c in "æøåÆØÅ")
        or mail["Subject"] == contract.subject
    )
    assert mail["From"].addresses[0].addr_spec == "post@kulturskole.test"
    assert got.mail_from == "post@kulturskole.test"
    assert "aste.domaas@kulturskoleradet.no" in got.rcpt_tos  # Cc is delivered too
    assert mail["Cc"].addresses[0].addr_spec == "aste.domaas@kulturskoleradet.no"
    # SMTP carries CRLF line ends; compare the text itself
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert text.strip() == contract.text_body.strip()
    assert html.strip() == contract.html_body.strip()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename().startswith("kontrakt-") and "Oslo kommune" in (
        attachment.get_content()
        if isinstance(attachment.get_content(), str)
        else attachment.get_content().decode("utf-8")
    )
    assert all(m.status == "sent" for m in all_messages(engine))


def test_utf8_subject_survives_the_wire(engine: Engine, smtp_env) -> None:  # noqa: ANN001
    apply_case(engine, "5001")  # Trondheim - Tråante
    handler = Handler()
    with smtp_server(handler) as port:
        smtp_env(port)
        deliver(engine)
    [got] = handler.received
    # the municipality's own name (issue 13), and the en dashes survive encoding and folding
    subject = got.message["Subject"]
    assert subject.startswith("Søknad mottatt – Fremtidens kulturskole – regionale program")
    assert subject.endswith("2024–2025 – Trondheim kommune") and "  " not in subject
    assert "Mottatt".casefold() in subject.casefold()
    assert b"S\xc3\xb8knad" not in got.data.split(b"\r\n\r\n", 1)[0]  # encoded, not raw 8-bit
    # from the no-reply address, answered by the programme contact
    assert got.message["Reply-To"] == "Åste Selnæs Domaas <aste.domaas@kulturskoleradet.no>"


def test_421_is_retried_with_backoff_then_sent(engine: Engine, smtp_env) -> None:  # noqa: ANN001
    apply_case(engine)
    handler = Handler(data_answers=["421 4.3.2 Service not available, try later"])
    with smtp_server(handler) as port:
        smtp_env(port, mail_retry_seconds="120")
        first = deliver(engine)
        [message] = all_messages(engine)
        assert first.retrying and message.status == "queued" and message.attempts == 1
        assert "421" in message.last_error
        assert message.due_at > utcnow() + timedelta(seconds=100)
        assert deliver(engine).sent == []  # not due yet: nothing is tried
        make_due_now(engine)
        second = deliver(engine)
    [message] = all_messages(engine)
    assert second.sent == [message.id] and message.status == "sent" and message.attempts == 2
    assert len(handler.received) == 1


def test_550_marks_the_message_failed_with_the_servers_answer(engine: Engine, smtp_env) -> None:  # noqa: ANN001
    apply_case(engine)
    handler = Handler(refuse_rcpt="550 5.1.1 Mailbox unavailable")
    with smtp_server(handler) as port:
        smtp_env(port)
        report = deliver(engine)
    [message] = all_messages(engine)
    assert report.failed and message.status == "failed"
    assert "550 5.1.1 Mailbox unavailable" in message.last_error
    with unit_of_work(engine) as session:
        actions = list(session.scalars(select(HistoryEntry.action).order_by(HistoryEntry.seq)))
    assert actions[-1] == "mail-failed"
    assert handler.received == []


def test_server_not_listening_is_transient_until_the_limit(engine: Engine, smtp_env) -> None:  # noqa: ANN001
    apply_case(engine)
    smtp_env(free_port(), mail_max_attempts="3", mail_retry_seconds="0")
    for attempt in (1, 2):
        report = deliver(engine)
        [message] = all_messages(engine)
        assert report.retrying and message.status == "queued" and message.attempts == attempt
        assert "cannot connect" in message.last_error
    report = deliver(engine)
    [message] = all_messages(engine)
    assert report.failed and message.status == "failed" and message.attempts == 3


def test_crash_between_sending_and_marking_sends_again_with_same_message_id(
    engine: Engine,
    smtp_env,  # noqa: ANN001
) -> None:
    apply_case(engine)
    handler = Handler()
    with smtp_server(handler) as port:
        smtp_env(port, mail_lease_seconds="600")
        # A run claims the message and sends it, then dies before marking it sent:
        from notifications import delivery

        settings = get_settings()
        [claimed] = claim(engine, settings)

        async def send_and_die() -> None:
            smtp = await delivery._connect(settings)
            await delivery._send_one(engine, settings, smtp, claimed)
            await smtp.quit()

        asyncio.run(send_and_die())
        assert deliver(engine).sent == []  # the lease still holds: no second sender
        with unit_of_work(engine) as session:  # the lease runs out
            session.execute(update(Message).values(lease_until=utcnow() - timedelta(seconds=1)))
        report = deliver(engine)
    assert report.sent == [claimed]
    first, second = handler.received
    assert first.message["Message-ID"] == second.message["Message-ID"]
    [message] = all_messages(engine)
    assert message.status == "sent"


def test_password_is_neither_in_errors_nor_history(engine: Engine, smtp_env) -> None:  # noqa: ANN001
    apply_case(engine)
    smtp_env(
        free_port(),
        smtp_username="kulturskole",
        smtp_password="hemmelig-passord-42",
        mail_retry_seconds="0",
    )
    deliver(engine)
    with unit_of_work(engine) as session:
        dump = " ".join(
            f"{e.details} {e.reason}" for e in session.scalars(select(HistoryEntry))
        ) + " ".join(str(m.last_error) for m in session.scalars(select(Message)))
    assert "hemmelig-passord-42" not in dump
    assert "hemmelig-passord-42" not in repr(get_settings())


def test_header_injection_cannot_reach_the_wire(engine: Engine, smtp_env) -> None:  # noqa: ANN001
    """Names are checked when entered; should a line break slip into a stored row anyway,
    the message fails on its own and the rest of the run goes on."""
    apply_case(engine)
    apply_case(engine, "5001")
    with unit_of_work(engine) as session:
        first = session.scalars(select(Message).order_by(Message.id)).first()
        first.subject = "Hei\r\nBcc: evil@example.com"
    handler = Handler()
    with smtp_server(handler) as port:
        smtp_env(port)
        report = deliver(engine)
    assert [i for i, _ in report.failed] == [first.id] and len(report.sent) == 1
    assert "line" in report.failed[0][1]
    [got] = handler.received
    assert b"evil@example.com" not in got.data and got.rcpt_tos == ["kari.5001@kommune.example.no"]
