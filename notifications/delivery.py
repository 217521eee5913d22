"""Delivering the outbox: over SMTP with aiosmtplib, or as .eml files when no SMTP is set.

At least once: a message is claimed with a lease before it is sent and marked after. A process
that dies in between leaves the lease to run out, and the next run sends the message again with
the same Message-ID, so the duplicate is recognisable. Transient failures (no connection,
timeouts, 4xx answers) are retried with exponential backoff up to a limit; permanent ones (5xx,
refused recipients) mark the message failed with the server's answer.

Files mode (no SMTP set) works in chunks of claimed ids: one SELECT loads a chunk's messages
with their attachments, each is composed and written atomically, then one transaction marks
the whole chunk (messages, invoices, e-mail deliveries and all history entries). A crash
between writing a chunk's files and marking it leaves their leases to run out; the next run
writes the same files again under the same names (overwriting them), so nothing is lost and
nothing is doubled. Over SMTP messages are loaded by chunks too, but each is still marked right
after it is sent, so a crash loses no mark of a message that went out.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from sqlalchemy import Engine, bindparam, or_, select, update
from sqlalchemy.orm import Session, selectinload

from kulturskole.config import Settings
from kulturskole.db import unit_of_work
from kulturskole.history import Acting, Pending, record, record_many
from kulturskole.reports import Report, filled_by_flow, json_field
from models import Case, Invoice, InvoiceDelivery, Message
from models.base import utcnow
from notifications.attachments import make_missing
from notifications.compose import compose

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
FILES_CHUNK = 200
"""Claimed ids loaded together (both modes) and marked together (files mode): statements grow
per chunk, not per message."""


class Transient(Exception):
    """Worth trying again later."""


class Permanent(Exception):
    """The server said no for good."""


class _NoConnection(Transient):
    """The server could not be reached or refused the session."""


@dataclass
class DeliveryReport(Report):
    JSON_KEYS = ("mode", "sent", "retrying", "failed", "messages", "reminders_queued")
    SUMMARY_KEYS = ("mode", "sent", "retrying", "failed", "reminders_queued")
    EMPTY_ROW = {"message": "-", "result": "nothing due"}

    mode: str
    sent: list[int] = json_field(count=True)
    retrying: list[tuple[int, str]] = json_field(count=True)
    failed: list[tuple[int, str]] = json_field(count=True)
    reminders_queued: int | None = filled_by_flow()

    @property
    def messages(self) -> list[dict[str, Any]]:
        return (
            [{"id": i, "result": "sent"} for i in self.sent]
            + [{"id": i, "result": "retrying", "error": e} for i, e in self.retrying]
            + [{"id": i, "result": "failed", "error": e} for i, e in self.failed]
        )

    def headline(self) -> str:
        return (
            f"{self.mode}: {len(self.sent)} sent, {len(self.retrying)} to retry, "
            f"{len(self.failed)} failed"
        )

    def artifact_rows(self) -> list[dict[str, Any]]:
        return [
            {"message": m["id"], "result": m["result"], "error": m.get("error", "")}
            for m in self.messages
        ]

    def artifact_description(self, flow: str, as_of: date) -> str:
        return (
            f"{flow} as of {as_of}: {self.reminders_queued} reminders queued, "
            f"{len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.failed)} failed "
            f"({self.mode})"
        )


async def deliver_due(
    engine: Engine, settings: Settings, as_of: date, *, limit: int | None = None
) -> DeliveryReport:
    """Send every message that is due now; returns what happened to each."""
    report = DeliveryReport(mode="smtp" if settings.smtp_enabled else "files")
    ids = claim(engine, settings, limit)
    if not ids:
        return report
    acting = Acting(settings.actor, as_of)
    if not settings.smtp_enabled:
        for start in range(0, len(ids), FILES_CHUNK):
            chunk = ids[start : start + FILES_CHUNK]
            outcomes = _write_chunk(engine, settings, chunk)
            _mark_chunk(engine, settings, chunk, acting, report, outcomes)
        return report
    await _send_over_smtp(engine, settings, ids, acting, report)
    return report


def claim(engine: Engine, settings: Settings, limit: int | None = None) -> list[int]:
    """Lease the due messages to this run; a concurrent run cannot claim the same ones."""
    now = utcnow()
    free = or_(Message.lease_until.is_(None), Message.lease_until < now)
    due = (
        select(Message.id)
        .where(Message.status == "queued", Message.due_at <= now, free)
        .order_by(Message.id)
    )
    if limit is not None:  # 0: none (a limit, not a switch)
        due = due.limit(limit)
    with unit_of_work(engine) as session:
        claimed = session.scalars(
            update(Message)
            .where(Message.id.in_(due.scalar_subquery()), free)
            .values(lease_until=now + timedelta(seconds=settings.mail_lease_seconds))
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        ).all()
    return sorted(claimed)


async def _send_over_smtp(
    engine: Engine, settings: Settings, ids: list[int], acting: Acting, report: DeliveryReport
) -> None:
    smtp: aiosmtplib.SMTP | None = None
    try:
        unreachable: Transient | None = None
        composed: dict[int, tuple[EmailMessage | Permanent, str]] = {}
        for index, message_id in enumerate(ids):
            if index % FILES_CHUNK == 0 and unreachable is None:
                composed = _compose_chunk(engine, settings, ids[index : index + FILES_CHUNK])
            outcome: Exception | None = unreachable
            if unreachable is None:
                try:
                    if smtp is None or not smtp.is_connected:
                        smtp = await _connect(settings)
                    prepared = composed.get(message_id, (Permanent("not found"), ""))[0]
                    await _send_one(engine, settings, smtp, message_id, prepared)
                except _NoConnection as exc:
                    # One failed connection speaks for the whole batch: no N timeouts in a row.
                    outcome = unreachable = exc
                except (Transient, Permanent) as exc:
                    outcome = exc
            _mark(engine, settings, message_id, acting, report, outcome)
    finally:
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except aiosmtplib.SMTPException:
                smtp.close()


async def _connect(settings: Settings) -> aiosmtplib.SMTP:
    smtp = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port or DEFAULT_PORTS[settings.smtp_security],
        use_tls=settings.smtp_security == "tls",
        start_tls=settings.smtp_security == "starttls",
        timeout=settings.smtp_timeout,
        cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
    )
    try:
        await smtp.connect()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            await smtp.login(settings.smtp_username, password)
    except aiosmtplib.SMTPAuthenticationError as exc:
        smtp.close()
        raise _NoConnection(f"login refused: {exc.code} {exc.message}") from None
    except aiosmtplib.SMTPResponseException as exc:
        smtp.close()
        raise _NoConnection(f"{exc.code} {exc.message}") from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        smtp.close()
        raise _NoConnection(f"cannot connect to {settings.smtp_host}: {exc}") from None
    return smtp


async def _send_one(
    engine: Engine,
    settings: Settings,
    smtp: aiosmtplib.SMTP,
    message_id: int,
    prepared: EmailMessage | Permanent | None = None,
) -> None:
    """Send one message: ``prepared`` as :func:`_compose_chunk` gave it, or loaded here."""
    if isinstance(prepared, Permanent):
        raise prepared
    mail = prepared if prepared is not None else _load(engine, settings, message_id)[0]
    try:
        errors, _response = await smtp.send_message(mail)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        answers = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        if all(r.code >= 500 for r in exc.recipients):
            raise Permanent(f"recipients refused: {answers}") from None
        raise Transient(f"recipients refused for now: {answers}") from None
    except aiosmtplib.SMTPResponseException as exc:
        smtp.close()  # the conversation is in an unknown state: start afresh next time
        if exc.code >= 500:
            raise Permanent(f"{exc.code} {exc.message}") from None
        raise Transient(f"{exc.code} {exc.message}") from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        smtp.close()
        raise Transient(f"connection lost: {exc}") from None
    if errors:
        # Some recipients refused, others accepted: the message went out; say who did not get it.
        refused = "; ".join(f"{address}: {r.code} {r.message}" for address, r in errors.items())
        raise _PartlySent(refused)


class _PartlySent(Permanent):
    pass


def _mark(
    engine: Engine,
    settings: Settings,
    message_id: int,
    acting: Acting,
    report: DeliveryReport,
    outcome: Exception | None,
) -> None:
    """Record the outcome of one attempt, with its history entry, in one transaction."""
    now = utcnow()
    with unit_of_work(engine) as session:
        message = session.get(Message, message_id, with_for_update=True)
        message.attempts += 1
        message.lease_until = None
        case = session.get(Case, message.case_id, with_for_update=True) if message.case_id else None
        if outcome is None or isinstance(outcome, _PartlySent):
            message.status, message.sent_at = "sent", now
            # An invoice whose mail went out is "sent" (unless already paid or credited).
            session.execute(
                update(Invoice)
                .where(Invoice.message_id == message.id, Invoice.status == "issued")
                .values(status="sent")
            )
            message.last_error = f"not delivered to: {outcome}" if outcome else None
            report.sent.append(message_id)
            action = "mail-sent"
            _invoice_mail(session, case, acting, message, "delivered", message.last_error)
        elif isinstance(outcome, Transient) and message.attempts < settings.mail_max_attempts:
            message.last_error = str(outcome)
            delay = settings.mail_retry_seconds * 2 ** (message.attempts - 1)
            message.due_at = now + timedelta(seconds=delay)
            report.retrying.append((message_id, str(outcome)))
            return
        else:
            message.status, message.last_error = "failed", str(outcome)
            report.failed.append((message_id, str(outcome)))
            action = "mail-failed"
            _invoice_mail(session, case, acting, message, "rejected", str(outcome))
        if case is not None:
            # The server's answer may quote addresses (personal data): it stays on the message.
            details = {
                "message": message.id,
                "template": message.template,
                "attempts": message.attempts,
            }
            record(session, case, acting, action, details=details)


def _invoice_mail(
    session: Session,
    case: Case | None,
    acting: Acting,
    message: Message,
    status: str,
    reason: str | None,
) -> None:
    """The e-mail delivery of the invoice this message carries follows the message: sent →
    delivered, failed for good → rejected with the server's answer; with its history entry."""
    rows = session.execute(
        select(InvoiceDelivery, Invoice)
        .join(Invoice, Invoice.id == InvoiceDelivery.invoice_id)
        .where(
            Invoice.message_id == message.id,
            InvoiceDelivery.channel == "email",
            InvoiceDelivery.status != status,
        )
        .with_for_update(of=InvoiceDelivery)
    ).all()
    for delivery, invoice in rows:
        delivery.status, delivery.attempts = status, message.attempts
        delivery.reference = message.message_id
        # The server's answer may quote addresses (personal data): it stays on these rows.
        delivery.reason = reason
        if case is not None:
            record(
                session,
                case,
                acting,
                "invoice-delivered" if status == "delivered" else "invoice-delivery-rejected",
                details={
                    "series": invoice.series,
                    "number": invoice.number,
                    "channel": "email",
                    "message": message.id,
                },
            )


def _load(engine: Engine, settings: Settings, message_id: int) -> tuple[EmailMessage, str]:
    """The message as RFC 5322; one that cannot be composed (a header with a line break) fails."""
    mail, template = _compose_chunk(engine, settings, [message_id])[message_id]
    if isinstance(mail, Permanent):
        raise mail
    return mail, template


def _write_eml(engine: Engine, settings: Settings, message_id: int) -> Path:
    """Write the message as a file, atomically; a re-run overwrites the same file."""
    mail, template = _load(engine, settings, message_id)
    return _write_file(settings, message_id, template, mail)


def _compose_chunk(
    engine: Engine, settings: Settings, ids: list[int], *, made: bool = False
) -> dict[int, tuple[EmailMessage | Permanent, str]]:
    """The messages ``ids`` composed (one SELECT for all, attachments included), each with its
    template; one that cannot be composed gets the Permanent failure instead, as :func:`_load`
    raises it. When an attachment is still to be made (an invoice's PDF), they are made
    (notifications.attachments) and the messages loaded again."""
    composed: dict[int, tuple[EmailMessage | Permanent, str]] = {}
    with unit_of_work(engine) as session:
        messages = session.scalars(
            select(Message)
            .where(Message.id.in_(ids))
            .order_by(Message.id)
            .options(selectinload(Message.attachments))
        ).all()
        unmade = [m.id for m in messages if any(a.content is None for a in m.attachments)]
        if not unmade or made:
            for message in messages:
                try:
                    mail: EmailMessage | Permanent = compose(message, settings.mail_from)
                except ValueError as exc:
                    mail = Permanent(f"cannot be composed: {exc}")
                composed[message.id] = (mail, message.template)
            return composed
    make_missing(engine, unmade)
    return _compose_chunk(engine, settings, ids, made=True)


def _write_chunk(engine: Engine, settings: Settings, ids: list[int]) -> dict[int, Exception | None]:
    """Compose and write the messages ``ids``; returns each one's outcome: None when written,
    Permanent when it cannot be composed."""
    outcomes: dict[int, Exception | None] = {}
    for message_id, (mail, template) in _compose_chunk(engine, settings, ids).items():
        if isinstance(mail, Permanent):
            outcomes[message_id] = mail
            continue
        _write_file(settings, message_id, template, mail)
        outcomes[message_id] = None
    return outcomes


def _mark_chunk(
    engine: Engine,
    settings: Settings,
    ids: list[int],
    acting: Acting,
    report: DeliveryReport,
    outcomes: dict[int, Exception | None],
) -> None:
    """Record the outcomes of a chunk of attempts in one transaction, exactly as :func:`_mark`
    would one by one: same rows, same report order, same history entries in the same order."""
    now = utcnow()
    with unit_of_work(engine) as session:
        messages = {
            m.id: m
            for m in session.scalars(select(Message).where(Message.id.in_(ids)).with_for_update())
        }
        case_ids = sorted({m.case_id for m in messages.values() if m.case_id})
        cases = {
            c.id: c
            for c in session.scalars(
                select(Case).where(Case.id.in_(case_ids)).order_by(Case.id).with_for_update()
            )
        }
        deliveries: dict[int, list[tuple[InvoiceDelivery, Invoice]]] = {}
        for delivery, invoice in session.execute(
            select(InvoiceDelivery, Invoice)
            .join(Invoice, Invoice.id == InvoiceDelivery.invoice_id)
            .where(Invoice.message_id.in_(ids), InvoiceDelivery.channel == "email")
            .order_by(InvoiceDelivery.id)
            .with_for_update(of=InvoiceDelivery)
        ).all():
            deliveries.setdefault(invoice.message_id, []).append((delivery, invoice))
        sent: list[int] = []
        pending: list[Pending] = []
        changes: list[dict[str, Any]] = []
        for message_id in ids:
            message = messages.get(message_id)
            if message is None:  # gone meanwhile: _mark would have failed; nothing to mark
                continue
            outcome = outcomes.get(message_id, Permanent("not loaded"))
            # Written below by one executemany UPDATE (the same columns for every message, so
            # that the ORM's flush does not split it where outcomes alternate).
            change = {
                "b_id": message_id,
                "b_attempts": message.attempts + 1,
                "b_status": message.status,
                "b_sent_at": message.sent_at,
                "b_due_at": message.due_at,
                "b_last_error": message.last_error,
            }
            changes.append(change)
            attempts = change["b_attempts"]
            if outcome is None or isinstance(outcome, _PartlySent):
                reason = f"not delivered to: {outcome}" if outcome else None
                change.update(b_status="sent", b_sent_at=now, b_last_error=reason)
                sent.append(message_id)
                report.sent.append(message_id)
                action, status = "mail-sent", "delivered"
            elif isinstance(outcome, Transient) and attempts < settings.mail_max_attempts:
                delay = settings.mail_retry_seconds * 2 ** (attempts - 1)
                change.update(b_last_error=str(outcome), b_due_at=now + timedelta(seconds=delay))
                report.retrying.append((message_id, str(outcome)))
                continue
            else:
                reason = str(outcome)
                change.update(b_status="failed", b_last_error=reason)
                report.failed.append((message_id, reason))
                action, status = "mail-failed", "rejected"
            for delivery, invoice in deliveries.get(message_id, []):
                if delivery.status == status:
                    continue
                delivery.status, delivery.attempts = status, attempts
                delivery.reference = message.message_id
                # The server's answer may quote addresses (personal data): it stays on these rows.
                delivery.reason = reason
                if message.case_id is not None:
                    pending.append(
                        Pending(
                            message.case_id,
                            "invoice-delivered"
                            if status == "delivered"
                            else "invoice-delivery-rejected",
                            details={
                                "series": invoice.series,
                                "number": invoice.number,
                                "channel": "email",
                                "message": message.id,
                            },
                        )
                    )
            if message.case_id is not None:
                # The server's answer may quote addresses (personal data): it stays on the message.
                details = {
                    "message": message.id,
                    "template": message.template,
                    "attempts": attempts,
                }
                pending.append(Pending(message.case_id, action, details=details))
        table = Message.__table__
        if changes:
            session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(
                    attempts=bindparam("b_attempts"),
                    status=bindparam("b_status"),
                    sent_at=bindparam("b_sent_at"),
                    due_at=bindparam("b_due_at"),
                    last_error=bindparam("b_last_error"),
                    lease_until=None,
                ),
                changes,
            )
        if sent:
            # An invoice whose mail went out is "sent" (unless already paid or credited).
            session.execute(
                update(Invoice)
                .where(Invoice.message_id.in_(sent), Invoice.status == "issued")
                .values(status="sent")
                .execution_options(synchronize_session=False)
            )
        record_many(session, acting, pending, cases=cases)


def _write_file(settings: Settings, message_id: int, template: str, mail: EmailMessage) -> Path:
    name = f"{message_id:06d}-{re.sub(r'[^a-z0-9]+', '-', template.lower())}.eml"
    folder = Path(settings.outbox_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    partial = target.with_suffix(".eml.part")
    partial.write_bytes(bytes(mail))
    os.replace(partial, target)
    return target
