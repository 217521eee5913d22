"""KID (kundeidentifikasjonsnummer), the payment reference on Norwegian invoices.

Ours is MOD10 (Luhn) over: the series' KID prefix (``invoicing.kid_prefix`` in the programme
file, 1–4 digits, none by default), the customer number (the buyer's kommunenummer, 4 digits),
the invoice number zero-padded to seven digits, then the Luhn check digit. Series 24, Trondheim
(5001), invoice 240017 → ``24`` ``5001`` ``0240017`` + check digit.

Unique across programmes: invoice numbers are unique within a series, and no two loaded
programmes with different series share a prefix (``kulturskole.services.programmes``), so
prefixes of different lengths give KIDs of different lengths; the database refuses a second
invoice with the same KID besides (``uq_invoice_kid``). The bank rejects a KID whose check digit
is wrong, so a mistyped payment is caught at the bank.
"""

from __future__ import annotations

import re

from stdnum import luhn

WIDTH = 7  # digits of the invoice number


def kid_for(invoice_number: int, customer: str, prefix: str | None = None) -> str:
    """The KID of invoice ``invoice_number`` to customer ``customer`` (kommunenummer)."""
    if invoice_number < 1 or invoice_number >= 10**WIDTH:
        raise ValueError(f"invoice number {invoice_number} does not fit a {WIDTH}-digit KID")
    if not re.fullmatch(r"[0-9]{4}", customer or ""):
        raise ValueError(f"customer number {customer!r} is not a 4-digit kommunenummer")
    if prefix and not re.fullmatch(r"[0-9]{1,4}", prefix):
        raise ValueError(f"KID prefix {prefix!r} is not 1 to 4 digits")
    body = f"{prefix or ''}{customer}{invoice_number:0{WIDTH}d}"
    return body + luhn.calc_check_digit(body)


def is_valid(kid: str) -> bool:
    return kid.isdigit() and 2 <= len(kid) <= 25 and luhn.is_valid(kid)
