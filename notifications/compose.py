"""Turning an outbox row into an RFC 5322 message."""

from __future__ import annotations

from email import policy
from email.header import Header
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from models import Message


class _Subject(UnstructuredHeader):
    """A subject folded without a doubled space.

    The email package's folder (Python 3.11) leaves the space before an encoded word at the end
    of the line and starts the next with another, so a reader unfolds "kulturskole  – regionale"
    (issue 13). A subject that is not plain ASCII is written instead as encoded words only
    (``email.header.Header``), which hold their own spaces and fold between words of their own.
    """

    def fold(self, *, policy: policy.Policy) -> str:  # noqa: D102
        value = str(self)
        if value.isascii():
            return super().fold(policy=policy)
        header = Header(value, "utf-8", maxlinelen=policy.max_line_length, header_name=self.name)
        return f"{self.name}: {header.encode(linesep=policy.linesep)}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("subject", _Subject)
#: SMTP's policy (CRLF, 78 columns) with the subject folded as above.
POLICY = policy.SMTP.clone(header_factory=_HEADERS)


def compose(message: Message, sender: str) -> EmailMessage:
    """Plain text and HTML as alternatives, attachments beside them, a stable Message-ID.

    The email package refuses header values with CR or LF, so no name or subject can inject a
    header; addresses were validated when they were entered.
    """
    mail = EmailMessage(policy=POLICY)
    sender_name, sender_address = parseaddr(sender)
    mail["From"] = _address(sender_name, sender_address)
    mail["To"] = [_address(r.get("name"), r["address"]) for r in message.to]
    if message.cc:
        mail["Cc"] = [_address(r.get("name"), r["address"]) for r in message.cc]
    if message.reply_to:
        mail["Reply-To"] = _address(message.reply_to.get("name"), message.reply_to["address"])
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message.message_id
    mail["Content-Language"] = "nb"
    mail.set_content(message.text_body)
    mail.add_alternative(message.html_body, subtype="html")
    for attachment in message.attachments:
        if attachment.content is None:  # notifications.attachments.make_missing makes it
            raise RuntimeError(f"attachment {attachment.filename} of {message.id} not made yet")
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
    """The header's address; a domain with æøå (post@bø.kommune.no) as IDNA
    (xn--b-5ga.kommune.no), which every mail server takes and the recipient's client shows as
    typed (an address with such a domain went out as an invalid header, retried forever)."""
    username, _, domain = address.rpartition("@")
    if not domain.isascii():
        import idna  # email_validator's own dependency

        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(
                f"the domain of {address!r} cannot be written as IDNA: {exc}"
            ) from None
    return Address(display_name=name or "", username=username, domain=domain)
