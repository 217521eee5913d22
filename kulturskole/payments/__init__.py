"""Bank payment files, read without a database: ISO 20022 camt.054 and Nets OCR giro.

Both parsers return every payment of a file as a :class:`PaymentLine`, or raise
:class:`kulturskole.errors.InvalidFile` naming the file, the line and the reason; nothing is
returned partly. Matching the lines to invoices is the importer's job, not this package's.
"""

from __future__ import annotations

from kulturskole.payments.camt054 import parse_camt054
from kulturskole.payments.files import parse_payment_file
from kulturskole.payments.lines import PaymentLine, parse_amount_ore
from kulturskole.payments.ocr import parse_ocr

__all__ = [
    "PaymentLine",
    "parse_amount_ore",
    "parse_camt054",
    "parse_ocr",
    "parse_payment_file",
]
