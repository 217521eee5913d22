"""What is handed to an access point, and what comes back.

A :class:`UblDocument` is one Peppol BIS Billing 3.0 document (an invoice or a credit note)
with the addressing an access point needs beside the XML: sender and receiver participant ids
(scheme ``iso6523-actorid-upis``, ``0192:`` + organisation number), document type id
(``busdox-docid-qns``) and process id (``cenbii-procid-ubl``). A :class:`Receipt` tells the
truth about the hand-over: ``delivered`` (the access point confirms delivery), ``pending``
(handed over, not yet confirmed) or ``rejected`` (with the reason). A document handed over
(``pending``) is confirmed later by asking :meth:`AccessPoint.status` with the receipt's
``message_id``: ``delivered``, ``rejected`` with the reason, or None while nothing is known yet.
An access point that cannot be reached raises :class:`DeliveryUnavailable`: the caller tries
again later, and nothing is recorded as sent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol, runtime_checkable

from lxml import etree
from stdnum.no import orgnr as _orgnr

__all__ = [
    "CHANNEL",
    "CREDIT_NOTE_DOCUMENT_TYPE",
    "DeliveryUnavailable",
    "INVOICE_DOCUMENT_TYPE",
    "AccessPoint",
    "PROCESS_ID",
    "Receipt",
    "UblDocument",
    "participant_id",
]

CHANNEL = "EHF via aksesspunkt"  # the channel as the invoice mail names it

PARTICIPANT_SCHEME = "iso6523-actorid-upis"
DOCUMENT_TYPE_SCHEME = "busdox-docid-qns"
PROCESS_SCHEME = "cenbii-procid-ubl"
_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
INVOICE_DOCUMENT_TYPE = (
    f"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##{_CUSTOMIZATION}::2.1"
)
CREDIT_NOTE_DOCUMENT_TYPE = (
    f"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##{_CUSTOMIZATION}::2.1"
)
PROCESS_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

_ROOTS = {
    "invoice": "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice",
    "credit": "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote",
}
_PARTICIPANT = re.compile(r"^(\d{4}):(\S{1,50})$")
_SERIES = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # safe in a file name and a header

Kind = Literal["invoice", "credit"]
Status = Literal["delivered", "rejected", "pending"]


class DeliveryUnavailable(Exception):
    """The access point could not take the document now (down, 5xx, timeout, refused
    credentials): nothing was delivered, try again later. The text never carries a secret."""


def participant_id(orgnr: str) -> str:
    """The Peppol participant id of a Norwegian organisation: ``0192:`` + organisation number."""
    return f"0192:{_orgnr.validate(orgnr)}"


def _check_participant(value: str, what: str) -> None:
    match = _PARTICIPANT.match(value)
    if match is None:
        raise ValueError(f"{what} {value!r} is not a participant id like 0192:123456785")
    if match.group(1) == "0192" and not _orgnr.is_valid(match.group(2)):
        raise ValueError(f"{what} {value!r}: {match.group(2)} is not a valid organisation number")


@dataclass(frozen=True)
class UblDocument:
    """One validated UBL document, addressed for Peppol."""

    number: int
    series: str
    kind: Kind
    sender_id: str
    receiver_id: str
    xml: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.kind not in _ROOTS:
            raise ValueError(f"kind must be 'invoice' or 'credit', not {self.kind!r}")
        if isinstance(self.number, bool) or not isinstance(self.number, int) or self.number < 1:
            raise ValueError(f"invoice number must be a positive integer, not {self.number!r}")
        if not _SERIES.match(self.series):
            raise ValueError(f"series {self.series!r}: letters, digits, '_', '.', '-' only")
        _check_participant(self.sender_id, "sender")
        _check_participant(self.receiver_id, "receiver")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        try:
            root = etree.fromstring(self.xml, parser)
        except etree.XMLSyntaxError as exc:
            raise ValueError(f"{self.name}: the XML is not well-formed: {exc}") from None
        if root.tag != _ROOTS[self.kind]:
            raise ValueError(f"{self.name}: a {self.kind} document cannot have root {root.tag}")

    @property
    def name(self) -> str:
        """``<series>-<number>``: the document's name in files, logs and keys."""
        return f"{self.series}-{self.number}"

    @property
    def document_type_id(self) -> str:
        return INVOICE_DOCUMENT_TYPE if self.kind == "invoice" else CREDIT_NOTE_DOCUMENT_TYPE

    @property
    def process_id(self) -> str:
        return PROCESS_ID

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()

    @property
    def idempotency_key(self) -> str:
        """Series, number and content: the same document always has the same key, a changed
        one never does."""
        return f"{self.name}-{self.sha256}"


@dataclass(frozen=True)
class Receipt:
    """What an access point said about one document."""

    status: Status
    message_id: str | None
    channel: str = CHANNEL
    reason: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.status not in ("delivered", "rejected", "pending"):
            raise ValueError(f"unknown delivery status {self.status!r}")
        if self.status == "rejected" and not self.reason:
            raise ValueError("a rejection carries its reason")

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"


@runtime_checkable
class AccessPoint(Protocol):
    """Hands a document to a Peppol access point (or to whoever sends it on)."""

    channel: str

    def send(self, document: UblDocument) -> Receipt:
        """Return the receipt, or raise :class:`DeliveryUnavailable` (try again later)."""
        ...

    def status(self, document_reference: str) -> Receipt | None:
        """What became of a document handed over as ``document_reference`` (the
        ``message_id`` of its ``pending`` receipt): a ``delivered`` or ``rejected`` receipt,
        or None while nothing is known yet (still on its way). Raise
        :class:`DeliveryUnavailable` when the answer cannot be had now."""
        ...
