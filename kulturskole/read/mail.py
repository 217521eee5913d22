"""The outbox: messages to municipalities and advisors, newest last."""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, TypedDict

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, defer, selectinload

from kulturskole.errors import InvalidInput, NotFound
from models import MESSAGE_STATUSES, Attachment, Message


class MessageRow(TypedDict):
    id: int
    status: str
    to: list[str]
    cc: list[str]
    reply_to: str | None  # the address an answer goes to (Reply-To)
    subject: str
    template: str
    key: str  # the idempotency key
    attempts: int
    last_error: str | None
    created_at: str | None  # UTC, ending in Z
    due_at: str | None
    sent_at: str | None
    message_id: str | None
    attachments: list[str]  # file names
    text: NotRequired[str]  # the bodies: only in one message's detail
    html: NotRequired[str]


def list_messages(
    session: Session,
    *,
    status: str | None = None,
    case_id: int | None = None,
    attention_first: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[MessageRow]:
    """Every message by id, optionally only those of one status or one case; without the bodies.

    ``attention_first``: failed messages, then waiting ones (each oldest first), then the sent
    ones newest first. ``limit`` and ``offset`` give one page."""
    if status is not None and status not in MESSAGE_STATUSES:
        raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(MESSAGE_STATUSES)}")
    query = select(Message).options(
        defer(Message.text_body),
        defer(Message.html_body),
        selectinload(Message.attachments).load_only(Attachment.filename),
    )
    if status:
        query = query.where(Message.status == status)
    if case_id is not None:
        query = query.where(Message.case_id == case_id)
    if attention_first:
        rank = case({"failed": 0, "queued": 1}, value=Message.status, else_=2)
        newest_sent_first = case((Message.status == "sent", -Message.id), else_=Message.id)
        query = query.order_by(rank, newest_sent_first)
    else:
        query = query.order_by(Message.id)
    query = query.limit(limit).offset(offset or None)
    return [message_row(message) for message in session.scalars(query)]


def message_counts(session: Session) -> dict[str, int]:
    """How many messages there are of each status (every status, zero included)."""
    counts = dict(
        session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
    )
    return {status: counts.get(status, 0) for status in MESSAGE_STATUSES}


def message_detail(session: Session, message_id: int) -> MessageRow:
    """One message with its text and HTML bodies."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"no message {message_id}")
    return message_row(message, full=True)


def message_row(message: Message, *, full: bool = False) -> MessageRow:
    row = MessageRow(
        id=message.id,
        status=message.status,
        to=[r["address"] for r in message.to],
        cc=[r["address"] for r in message.cc],
        reply_to=message.reply_to["address"] if message.reply_to else None,
        subject=message.subject,
        template=message.template,
        key=message.idempotency_key,
        attempts=message.attempts,
        last_error=message.last_error,
        created_at=_utc(message.created_at),
        due_at=_utc(message.due_at),
        sent_at=_utc(message.sent_at),
        message_id=message.message_id,
        attachments=[a.filename for a in message.attachments],
    )
    if full:
        row["text"] = message.text_body
        row["html"] = message.html_body
    return row


def _utc(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
