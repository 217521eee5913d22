"""KID (kundeidentifikasjonsnummer), the payment reference on Norwegian invoices.

Ours is MOD10 (Luhn): the invoice number, zero-padded to seven digits, followed by a Luhn check
digit, e.g. invoice 17 → 00000174. Unique because invoice numbers are; the bank rejects a KID
whose check digit is wrong, so a mistyped payment is caught at the bank.
"""

from __future__ import annotations

from stdnum import luhn

WIDTH = 7


def kid_for(invoice_number: int) -> str:
    if invoice_number < 1 or invoice_number >= 10**WIDTH:
        raise ValueError(f"invoice number {invoice_number} does not fit a {WIDTH}-digit KID")
    body = f"{invoice_number:0{WIDTH}d}"
    return body + luhn.calc_check_digit(body)


def is_valid(kid: str) -> bool:
    return kid.isdigit() and 2 <= len(kid) <= 25 and luhn.is_valid(kid)
