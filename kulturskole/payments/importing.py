"""Importing the bank's payments: each line matched by KID to an invoice, in one transaction.

A matched line is recorded as a :class:`models.Payment` with a ``payment-received`` entry on
the invoice's case; the payment that brings the invoice's balance to zero marks it paid through
:func:`kulturskole.invoicing.ledger.record_payment`, as ``invoices paid`` does. Every other line
is reported and changes nothing: no or unknown KID, an overpayment, a payment to an invoice
that is no longer open, a booking before the invoice date, and a reference already imported
(so that a file imported twice records nothing twice).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturskole.history import Acting, record
from kulturskole.invoicing.ledger import record_payment
from kulturskole.payments.lines import PaymentLine
from kulturskole.services.programmes import format_ore
from models import Case, Invoice, Payment

# The categories of a report, in the order they are printed.
RECORDED = ("paid", "partial")
UNMATCHED = (
    "no-kid",
    "unknown-kid",
    "ambiguous-kid",
    "overpayment",
    "not-open",
    "before-invoice",
    "zero-amount",
    "already-imported",
)


@dataclass(frozen=True)
class Outcome:
    source: str
    category: str
    kid: str
    amount: str
    reference: str
    reason: str | None = None
    invoice: int | None = None
    balance: str | None = None  # what is left to pay after this line (recorded lines)


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, *categories: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.category in categories]

    @property
    def recorded(self) -> list[Outcome]:
        return self.of(*RECORDED)

    @property
    def unmatched(self) -> list[Outcome]:
        return self.of(*UNMATCHED)

    def counts(self) -> dict[str, int]:
        return {c: len(self.of(c)) for c in RECORDED + UNMATCHED}

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "recorded": [asdict(o) for o in self.recorded],
            "unmatched": [asdict(o) for o in self.unmatched],
        }


def import_payments(session: Session, lines: list[PaymentLine], acting: Acting) -> ImportReport:
    """Record the lines that match an open invoice; report every line. The caller commits."""
    report = ImportReport()
    references = [line.reference for line in lines]
    known = set(session.scalars(select(Payment.reference).where(Payment.reference.in_(references))))
    for line in lines:
        report.outcomes.append(_one(session, line, acting, known))
    return report


def _one(session: Session, line: PaymentLine, acting: Acting, known: set[str]) -> Outcome:
    def refuse(category: str, reason: str, invoice: Invoice | None = None) -> Outcome:
        return Outcome(
            source=line.source,
            category=category,
            kid=line.kid,
            amount=format_ore(line.amount_ore),
            reference=line.reference,
            reason=reason,
            invoice=invoice.number if invoice else None,
        )

    if line.reference in known:
        return refuse("already-imported", f"reference {line.reference} is already imported")
    if not line.kid:
        return refuse("no-kid", "the payment carries no KID")
    if line.amount_ore <= 0:
        return refuse("zero-amount", "the payment is of 0.00")
    found = list(
        session.scalars(
            select(Invoice)
            .where(Invoice.kid == line.kid, Invoice.kind == "invoice")
            .with_for_update()
        )
    )
    if not found:
        return refuse("unknown-kid", f"no invoice has KID {line.kid}")
    if len(found) > 1:
        numbers = ", ".join(f"{i.series} {i.number}" for i in found)
        return refuse("ambiguous-kid", f"KID {line.kid} is on several invoices ({numbers})")
    invoice = found[0]
    if invoice.status not in ("issued", "sent"):
        return refuse("not-open", f"invoice {invoice.number} is {invoice.status}", invoice)
    if line.booked_on < invoice.issue_date:
        return refuse(
            "before-invoice",
            f"booked {line.booked_on} before the invoice date {invoice.issue_date}",
            invoice,
        )
    balance = invoice.amount_ore - _paid_ore(session, invoice)
    if line.amount_ore > balance:
        return refuse(
            "overpayment",
            f"{format_ore(line.amount_ore)} is more than the balance {format_ore(balance)} "
            f"of invoice {invoice.number}",
            invoice,
        )
    balance -= line.amount_ore
    session.add(
        Payment(
            invoice_id=invoice.id,
            reference=line.reference,
            kid=line.kid,
            amount_ore=line.amount_ore,
            booked_on=line.booked_on,
            source=line.source[:500],
        )
    )
    known.add(line.reference)
    case = session.get(Case, invoice.case_id, with_for_update=True)
    record(
        session,
        case,
        acting,
        "payment-received",
        details={
            "series": invoice.series,
            "number": invoice.number,
            "amount_ore": line.amount_ore,
            "balance_ore": balance,
            "booked_on": line.booked_on.isoformat(),
            "reference": line.reference,
        },
    )
    if balance == 0:
        record_payment(session, invoice.number, line.booked_on, acting, series=invoice.series)
    return Outcome(
        source=line.source,
        category="paid" if balance == 0 else "partial",
        kid=line.kid,
        amount=format_ore(line.amount_ore),
        reference=line.reference,
        invoice=invoice.number,
        balance=format_ore(balance),
    )


def _paid_ore(session: Session, invoice: Invoice) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Payment.amount_ore), 0)).where(
            Payment.invoice_id == invoice.id
        )
    )
    return int(total or 0)
