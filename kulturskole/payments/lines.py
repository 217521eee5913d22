"""One incoming payment, as a bank file states it, in exact øre."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from kulturskole.errors import InvalidFile


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """A credit to the council's account, one per payment (a batch entry gives several).

    ``kid`` keeps its leading zeros; it is ``""`` when the bank gave no KID, so that the
    importer can report the payment as unmatched instead of losing it. ``reference`` is unique
    within the file and stable between two reads of the same file (for idempotent import).
    """

    source: str  # "file:line" of the element or record, for messages
    kid: str
    amount_ore: int
    booked_on: date
    reference: str
    value_on: date | None = None
    payer_name: str | None = None
    payer_account: str | None = None
    currency: str = "NOK"


def parse_amount_ore(text: str | None, where: str) -> int:
    """``"1234.50"`` → 123450, exactly (Decimal, never float); at most two decimals, ≥ 0."""
    cleaned = (text or "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidFile(f"{where}: amount {cleaned!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise InvalidFile(f"{where}: amount {cleaned!r} is not a positive amount")
    ore = value * 100
    if ore != ore.to_integral_value():
        raise InvalidFile(f"{where}: amount {cleaned!r} has more than two decimals")
    return int(ore)


def check_unique(lines: list[PaymentLine]) -> None:
    """Two payments of one file must never share a reference."""
    seen: dict[str, str] = {}
    for line in lines:
        if line.reference in seen:
            raise InvalidFile(
                f"{line.source}: reference {line.reference!r} repeats the payment at "
                f"{seen[line.reference]}"
            )
        seen[line.reference] = line.source
