"""Turning an outbox row into an RFC 5322 message."""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from models import Message


def compose(message: Message, sender: str) -> EmailMessage:
    """Plain text and HTML as alternatives, attachments beside them, a stable Message-ID.

    The email package refuses header values with CR or LF, so no name or subject can inject a
    header; addresses were validated when they were entered.
    """
    mail = EmailMessage(policy=policy.SMTP)
    sender_name, sender_address = parseaddr(sender)
    mail["From"] = _address(sender_name, sender_address)
    mail["To"] = [_address(r.get("name"), r["address"]) for r in message.to]
    if message.cc:
        mail["Cc"] = [_address(r.get("name"), r["address"]) for r in message.cc]
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message.message_id
    mail["Content-Language"] = "nb"
    mail.set_content(message.text_body)
    mail.add_alternative(message.html_body, subtype="html")
    for attachment in message.attachments:
        kind, *parameters = (part.strip() for part in attachment.content_type.split(";"))
        maintype, _, subtype = kind.partition("/")
        params = dict(p.partition("=")[::2] for p in parameters if "=" in p)
        mail.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,  # e.g. charset=utf-8, and method=REQUEST for calendar invitations
        )
    return mail


def _address(name: str | None, address: str) -> Address:
    username, _, domain = address.rpartition("@")
    return Address(display_name=name or "", username=username, domain=domain)
