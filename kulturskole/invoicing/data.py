"""What an invoice or credit note says, as plain data: the input of its HTML document, its PDF
and its EHF (Peppol BIS Billing 3.0) XML. Amounts are integer øre; never floats."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal


@dataclass(frozen=True)
class Party:
    name: str
    organisation_number: str | None  # 9 digits, no spaces; None: the buyer has none (no EHF)
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str = "NO"
    vat_registered: bool = False  # the seller: "MVA" after the organisation number when True
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    # The Peppol participant id ("0192:942110464"); None: 0192 and the organisation number
    endpoint_id: str | None = None


@dataclass(frozen=True)
class Line:
    description: str  # Norwegian, e.g. "Deltakeravgift, 1. av 3 avdrag"
    amount_ore: int  # quantity 1 at this price; positive on credit notes too
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True)
class InvoiceData:
    kind: Literal["invoice", "credit"]
    number: int  # from one unbroken sequence per series; credit notes share it
    series: str  # e.g. "regionale-2024-2025"
    issue_date: date
    due_date: date | None  # None on credit notes
    seller: Party
    buyer: Party
    buyer_reference: str  # Peppol BT-10, mandatory (PEPPOL-EN16931-R003)
    bank_account: str  # Norwegian account, 11 digits, no spaces
    kid: str | None  # payment reference (PaymentID); MOD10 (Luhn) check digit
    lines: tuple[Line, ...]
    currency: str = "NOK"
    vat_rate_percent: int = 0  # the council is not VAT registered: category "O"
    # A real place of delivery (an address); None when none is known. Not an event's title.
    delivery_place: str | None = None
    delivery_date: date | None = None  # the last day of the gathering that made it due
    # What the instalment follows ("Gjelder"): "Fellessamling 1, 24.–25. september 2024"
    regarding: str | None = None
    note: str | None = None
    credited_number: int | None = None  # credit notes: the invoice they correct
    credited_issue_date: date | None = None
    credit_reason: str | None = None
    test: bool = False  # seller details not verified: documents say "TESTFAKTURA"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def total_ore(self) -> int:
        return sum(line.amount_ore for line in self.lines)
