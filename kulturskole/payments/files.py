"""A bank file of either kind, told apart by its first character: XML is camt.054, anything
else Nets OCR giro. Shared by ``payments import`` and the console's upload."""

from __future__ import annotations

from kulturskole.payments.camt054 import parse_camt054
from kulturskole.payments.lines import PaymentLine
from kulturskole.payments.ocr import parse_ocr

#: The largest file accepted: a year of daily notifications for every municipality is far less.
MAX_BYTES = 20 * 1024 * 1024


def parse_payment_file(data: bytes, name: str) -> list[PaymentLine]:
    """Every payment of the file, or :class:`kulturskole.errors.InvalidFile` naming ``name``
    and the line; nothing partly."""
    from kulturskole.errors import InvalidFile

    if len(data) > MAX_BYTES:
        raise InvalidFile(f"{name}: {len(data)} bytes is larger than {MAX_BYTES} bytes")
    if not data.strip():
        raise InvalidFile(f"{name}:1: the file is empty")
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return parse_camt054(data, name)
    return parse_ocr(data, name)
