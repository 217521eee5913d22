"""Queueing a message is part of the business transaction that causes it.

The message row (recipients, rendered subject and bodies, attachments, a stable idempotency key
and Message-ID) is added to the caller's session: it is committed with the state change or not
at all. Queueing a key that already exists is a no-op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.history import Acting, Pending, record, record_many
from models import Attachment, Case, Message
from models.base import utcnow
from notifications.render import render


@dataclass(frozen=True)
class Recipient:
    name: str | None
    address: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address}


@dataclass(frozen=True)
class File:
    """An attachment: its content, or (``content`` None) what the delivery makes it from,
    ``made_from`` (see notifications.attachments)."""

    filename: str
    content_type: str
    content: bytes | None
    made_from: str | None = None

    def __post_init__(self) -> None:
        if (self.content is None) == (self.made_from is None):
            raise ValueError(f"attachment {self.filename}: give its content or its made_from")


def stable_message_id(key: str, domain: str | None = None) -> str:
    """The same key always gives the same Message-ID, so a re-sent duplicate is recognisable.
    ``domain``: the sender's (``_domain()``), when the caller has it already."""
    domain = domain or _domain()
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}@{domain}>"


def _domain() -> str:
    return parseaddr(get_settings().mail_from)[1].rpartition("@")[2] or "kulturskole.local"


def queue(
    session: Session,
    *,
    key: str,
    template: str,
    context: Mapping[str, Any],
    to: Sequence[Recipient],
    acting: Acting,
    case: Case | None = None,
    cc: Sequence[Recipient] = (),
    attachments: Sequence[File] = (),
    reply_to: Recipient | None = None,
) -> Message | None:
    """Add the rendered message to the outbox; None when ``key`` was queued before.

    ``reply_to`` defaults to ``reply_to_for(context)``: the advisor for a visit's mails, else
    the programme contact, so that an answer to the no-reply sender reaches a person.
    """
    if session.scalar(select(Message.id).where(Message.idempotency_key == key)) is not None:
        return None
    to = _unique(to)
    cc = _unique([*to, *cc])[len(to) :]
    rendered = render(template, context)
    answer_to = reply_to or reply_to_for(context)
    message = Message(
        idempotency_key=key,
        case_id=case.id if case is not None else None,
        template=template,
        to=[r.as_json() for r in to],
        cc=[r.as_json() for r in cc],
        reply_to=answer_to.as_json() if answer_to is not None else None,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        message_id=stable_message_id(key),
        status="queued",
        attempts=0,
        attachments=[
            Attachment(
                filename=f.filename,
                content_type=f.content_type,
                content=f.content,
                made_from=f.made_from,
            )
            for f in attachments
        ],
    )
    session.add(message)
    session.flush()
    if case is not None:
        # Addresses are personal data: history names the message, not its recipients.
        record(
            session,
            case,
            acting,
            "mail-queued",
            details={"message": message.id, "template": template, "key": key},
        )
    return message


@dataclass(frozen=True)
class Outgoing:
    """One message for :func:`queue_many`: the keyword arguments of :func:`queue` but the
    session and acting, naming the case by id."""

    key: str
    template: str
    context: Mapping[str, Any]
    to: Sequence[Recipient]
    case_id: int | None = None
    cc: Sequence[Recipient] = ()
    attachments: Sequence[File] = ()
    reply_to: Recipient | None = None


def queue_outgoing(
    session: Session, mail: Outgoing, acting: Acting, *, case: Case | None = None
) -> Message | None:
    """:func:`queue` for one message composed as an :class:`Outgoing` (a credit note's mail, a
    changed visit's invitation), with the held ``case`` whose history records it."""
    return queue(
        session,
        key=mail.key,
        template=mail.template,
        context=mail.context,
        to=mail.to,
        acting=acting,
        case=case,
        cc=mail.cc,
        attachments=mail.attachments,
        reply_to=mail.reply_to,
    )


@dataclass(frozen=True)
class Queued:
    """A message :func:`queue_many` added: its row id and its Message-ID header."""

    id: int
    key: str
    message_id: str


def queue_many(
    session: Session,
    outgoing: Sequence[Outgoing],
    acting: Acting,
    *,
    cases: Mapping[int, Case] | None = None,
) -> list[Queued | None]:
    """What as many calls of :func:`queue` do, in the order given — the same rows, the same
    "mail-queued" history entries — with one SELECT for all idempotency keys, one executemany
    INSERT of the messages (ids returned in order), one of their attachments and one history
    append (:func:`kulturskole.history.record_many`; ``cases`` as there). None for a message
    whose key was queued before (or earlier in ``outgoing``)."""
    if not outgoing:
        return []
    keys = [o.key for o in outgoing]
    taken = set(
        session.scalars(select(Message.idempotency_key).where(Message.idempotency_key.in_(keys)))
    )
    rows: list[dict[str, Any]] = []
    chosen: list[Outgoing] = []
    domain = _domain()
    for item in outgoing:
        if item.key in taken:
            continue
        taken.add(item.key)
        to = _unique(item.to)
        cc = _unique([*to, *item.cc])[len(to) :]
        rendered = render(item.template, item.context)
        answer_to = item.reply_to or reply_to_for(item.context)
        now = utcnow()
        rows.append(
            {
                "idempotency_key": item.key,
                "case_id": item.case_id,
                "template": item.template,
                "to": [r.as_json() for r in to],
                "cc": [r.as_json() for r in cc],
                "reply_to": answer_to.as_json() if answer_to is not None else None,
                "subject": rendered.subject,
                "text_body": rendered.text,
                "html_body": rendered.html,
                "message_id": stable_message_id(item.key, domain),
                "status": "queued",
                "attempts": 0,
                "last_error": None,
                "due_at": now,
                "lease_until": None,
                "created_at": now,
                "sent_at": None,
            }
        )
        chosen.append(item)
    if not rows:
        return [None] * len(outgoing)
    table = Message.__table__
    # RETURNING the key with the id: the rows go in multi-row batches on every dialect, which
    # insisting on their order (sort_by_parameter_order) would not on SQLite.
    returned = dict(
        session.execute(insert(table).returning(table.c.idempotency_key, table.c.id), rows).all()
    )
    ids = [returned[row["idempotency_key"]] for row in rows]
    attachments = [
        {
            "message_id": message_id,
            "filename": f.filename,
            "content_type": f.content_type,
            "content": f.content,
            "made_from": f.made_from,
        }
        for message_id, item in zip(ids, chosen, strict=True)
        for f in item.attachments
    ]
    if attachments:
        session.execute(insert(Attachment.__table__), attachments)
    record_many(
        session,
        acting,
        [
            Pending(
                item.case_id,
                "mail-queued",
                details={"message": message_id, "template": item.template, "key": item.key},
            )
            for message_id, item in zip(ids, chosen, strict=True)
            if item.case_id is not None
        ],
        cases=cases,
    )
    queued = {
        item.key: Queued(message_id, item.key, row["message_id"])
        for message_id, item, row in zip(ids, chosen, rows, strict=True)
    }
    result: list[Queued | None] = []
    for item in outgoing:
        result.append(queued.pop(item.key, None))
    return result


def reply_to_for(context: Mapping[str, Any]) -> Recipient | None:
    """Who an answer to a message should reach, from the message's own context.

    A visit's mails (``visit`` in the context, or the ``advisor`` of a reminder of a visit) are
    the advisor's: answers go to the advisor; a contract meeting's (``meeting``) go to its host
    (the advisor, or the programme contact). Everything else is answered by the programme contact
    (``KULTURSKOLE_PROGRAMME_CONTACT_*`` overriding the programme file's, as for copies).
    None when the context names nobody with an address.
    """
    advisor = _get(_get(context, "visit"), "advisor") or _get(_get(context, "meeting"), "host")
    if advisor is None and _get(_get(context, "event"), "kind") == "visit-window":
        advisor = _get(context, "advisor")  # a visit's reminder
    if _get(advisor, "email"):
        return Recipient(_get(advisor, "name"), _get(advisor, "email"))
    settings = get_settings()
    contact = _get(_get(context, "programme"), "contact")
    address = settings.programme_contact_email or _get(contact, "email")
    if not address:
        return None
    return Recipient(settings.programme_contact_name or _get(contact, "name"), address)


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _unique(recipients: Sequence[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    result = []
    for recipient in recipients:
        if recipient.address.casefold() not in seen:
            seen.add(recipient.address.casefold())
            result.append(recipient)
    return result


def retry(session: Session, message_id: int, acting: Acting) -> Message:
    """Send a failed (or waiting) message again at the next delivery run."""
    message = session.get(Message, message_id, with_for_update=True)
    if message is None:
        raise NotFound(f"no message {message_id}")
    if message.status == "sent":
        raise InvalidInput(f"message {message_id} was sent on {message.sent_at:%Y-%m-%d %H:%M} UTC")
    previous = message.status
    message.status, message.due_at, message.lease_until = "queued", utcnow(), None
    if message.case_id is not None:
        case = session.get(Case, message.case_id, with_for_update=True)
        record(
            session,
            case,
            acting,
            "mail-retry",
            details={"message": message.id, "template": message.template, "was": previous},
        )
    return message
