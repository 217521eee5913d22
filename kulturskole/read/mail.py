"""The outbox: messages to municipalities and advisors, newest last."""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturskole.errors import InvalidInput, NotFound
from models import MESSAGE_STATUSES, Message


class MessageRow(TypedDict):
    id: int
    status: str
    to: list[str]
    cc: list[str]
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
    session: Session, *, status: str | None = None, case_id: int | None = None
) -> list[MessageRow]:
    """Every message by id, optionally only those of one status or one case; without the
    bodies."""
    if status is not None and status not in MESSAGE_STATUSES:
        raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(MESSAGE_STATUSES)}")
    query = select(Message).options(selectinload(Message.attachments)).order_by(Message.id)
    if status:
        query = query.where(Message.status == status)
    if case_id is not None:
        query = query.where(Message.case_id == case_id)
    return [message_row(message) for message in session.scalars(query)]


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
