"""Invoices and credit notes: the ledger in number order with its filters and totals, one
invoice in detail, and its documents."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, TypedDict

from sqlalchemy import BigInteger, ColumnElement, and_, case, cast, func, select
from sqlalchemy.orm import Session, defer

from kulturskole.errors import InvalidInput
from kulturskole.invoicing.ledger import find_invoice
from kulturskole.services.programmes import format_ore
from models import (
    INVOICE_KINDS,
    INVOICE_STATUSES,
    Case,
    Invoice,
    InvoiceDelivery,
    Municipality,
    Payment,
)

DocumentForm = Literal["html", "pdf", "ehf"]


class DeliveryRow(TypedDict):
    channel: str  # ehf | email
    status: str  # pending | delivered | rejected
    reason: str | None
    reference: str | None  # the access point's message id, or the mail's Message-ID


class InvoiceRow(TypedDict):
    number: int
    series: str
    kind: str  # invoice | credit
    municipality: str
    buyer: str
    org_number: str | None
    instalment: int
    amount: str  # NOK with two decimals; negative for a credit note
    kid: str | None
    issue_date: str
    due_date: str | None
    status: str
    paid_on: str | None
    event: str | None
    ehf: bool
    test: bool
    paid: str  # NOK received from the bank against it (partial payments included)
    balance: str  # NOK still to pay: an open invoice's amount less what is paid; else 0.00
    delivery: list[DeliveryRow]  # per channel, EHF first


class InvoiceRef(TypedDict):
    series: str
    number: int


class InvoiceView(InvoiceRow):
    """One invoice with what the ledger row leaves out: its buyer's address and reference, the
    invoice a credit note corrects and why, and the credit notes that correct an invoice."""

    buyer_address: str | None
    buyer_reference: str
    reason: str | None  # a credit note's reason
    reissue: bool  # a credited invoice: its instalment is invoiced again
    credits: InvoiceRef | None
    credited_by: list[InvoiceRef]
    payments: list[PaymentLineView]  # what the bank has paid against it, in booking order


class PaymentLineView(TypedDict):
    booked_on: str
    amount: str
    kid: str
    reference: str
    source: str


class LedgerTotals(TypedDict):
    count: int
    invoiced: str  # NOK: the invoices among the rows
    credited: str  # NOK, negative: the credit notes among the rows
    net: str
    outstanding: str  # NOK: what is still to pay on the open invoices among the rows


OPEN_STATUSES = ("issued", "sent")


@dataclass(frozen=True)
class LedgerFilter:
    """Which rows of the ledger: of one ``status``, ``kind`` or ``municipality``
    (kommunenummer); ``search`` in the municipality's name or number; ``open_only``: invoices
    not yet paid or credited; ``overdue_on``: open invoices due before that date."""

    status: str | None = None
    municipality: str | None = None
    kind: str | None = None
    search: str | None = None
    open_only: bool = False
    overdue_on: date | None = None

    def conditions(self, session: Session) -> list[ColumnElement[bool]]:
        """The filter as SQL conditions on Invoice joined with Case."""
        _check(self.status, INVOICE_STATUSES, "status")
        _check(self.kind, INVOICE_KINDS, "kind")
        where: list[ColumnElement[bool]] = []
        if self.status:
            where.append(Invoice.status == self.status)
        if self.kind:
            where.append(Invoice.kind == self.kind)
        if self.municipality:
            where.append(Case.municipality_number == self.municipality)
        if self.search and self.search.strip():
            numbers = matching_municipalities(session, self.search)
            where.append(Case.municipality_number.in_(numbers))
        if self.open_only or self.overdue_on is not None:
            where += [Invoice.kind == "invoice", Invoice.status.in_(OPEN_STATUSES)]
        if self.overdue_on is not None:
            where.append(Invoice.due_date < self.overdue_on)
        return where


def is_open(row: InvoiceRow) -> bool:
    """Whether a row of the ledger is an invoice still to be paid (or credited)."""
    return row["kind"] == "invoice" and row["status"] in OPEN_STATUSES


def is_overdue(row: InvoiceRow, as_of: date) -> bool:
    """Whether an invoice in the ledger is open and was due before ``as_of``."""
    return is_open(row) and row["due_date"] is not None and row["due_date"] < as_of.isoformat()


def _check(value: str | None, allowed: tuple[str, ...], name: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"unknown {name} {value!r}; use one of {', '.join(allowed)}")


def list_invoices(
    session: Session,
    *,
    status: str | None = None,
    municipality: str | None = None,
    case_id: int | None = None,
    ledger: LedgerFilter | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[InvoiceRow]:
    """Invoices and credit notes by series and number, optionally of one ``status`` or
    ``municipality`` or case, or as ``ledger`` filters them; ``limit`` and ``offset`` give
    one page."""
    ledger = ledger or LedgerFilter()
    ledger = replace(
        ledger, status=status or ledger.status, municipality=municipality or ledger.municipality
    )
    query = (
        select(Invoice, Case.municipality_number, Invoice.ehf_xml.is_not(None), paid_ore())
        .join(Case, Case.id == Invoice.case_id)
        .where(*ledger.conditions(session))
        .where(*([Invoice.case_id == case_id] if case_id is not None else []))
        .options(defer(Invoice.document_html), defer(Invoice.ehf_xml))  # not for a list
        .order_by(Invoice.series, Invoice.number)
        .limit(limit)
        .offset(offset or None)
    )
    found = session.execute(query).all()
    deliveries = deliveries_of(session, [row[0].id for row in found])
    return [
        invoice_row(
            invoice,
            number,
            ehf=bool(ehf),
            paid=paid,
            delivery=deliveries.get(invoice.id, []),
        )
        for invoice, number, ehf, paid in found
    ]


def paid_ore() -> ColumnElement[int]:
    """What the bank has paid against the invoice of the row, in øre (a correlated sum)."""
    return (
        select(func.coalesce(func.sum(Payment.amount_ore), 0))
        .where(Payment.invoice_id == Invoice.id)
        .correlate(Invoice)
        .scalar_subquery()
    )


def deliveries_of(session: Session, invoice_ids: list[int]) -> dict[int, list[DeliveryRow]]:
    """The delivery rows of these invoices, EHF before e-mail."""
    found: dict[int, list[DeliveryRow]] = {}
    for start in range(0, len(invoice_ids), 500):  # stay under the bound-parameter limits
        chunk = invoice_ids[start : start + 500]
        rows = session.scalars(
            select(InvoiceDelivery)
            .where(InvoiceDelivery.invoice_id.in_(chunk))
            .order_by(InvoiceDelivery.invoice_id, InvoiceDelivery.channel)
        )
        for row in rows:
            found.setdefault(row.invoice_id, []).append(
                DeliveryRow(
                    channel=row.channel,
                    status=row.status,
                    reason=row.reason,
                    reference=row.reference,
                )
            )
    return found


def ledger_totals(session: Session, ledger: LedgerFilter | None = None) -> LedgerTotals:
    """The count and sums of the rows that ``ledger`` lets through (every page of them)."""
    ledger = ledger or LedgerFilter()
    is_open = and_(Invoice.kind == "invoice", Invoice.status.in_(OPEN_STATUSES))
    count, invoiced, credited, outstanding = session.execute(
        select(
            func.count(),
            _sum_where(Invoice.kind == "invoice"),
            _sum_where(Invoice.kind == "credit"),
            # PostgreSQL sums a bigint (the correlated sum) as numeric: cast back to whole øre
            cast(
                func.coalesce(
                    func.sum(case((is_open, Invoice.amount_ore - paid_ore()), else_=0)), 0
                ),
                BigInteger,
            ),
        )
        .select_from(Invoice)
        .join(Case, Case.id == Invoice.case_id)
        .where(*ledger.conditions(session))
    ).one()
    return LedgerTotals(
        count=count,
        invoiced=format_ore(invoiced),
        credited=format_ore(-credited),
        net=format_ore(invoiced - credited),
        outstanding=format_ore(outstanding),
    )


def _sum_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, Invoice.amount_ore), else_=0)), 0)


def matching_municipalities(session: Session, text: str) -> list[str]:
    """Kommunenumre whose number starts with ``text`` or whose name contains it, in any case.

    Matched in Python over the 357 municipalities: SQLite's lower() knows only ASCII, and
    "ålesund" must find Ålesund on either database."""
    wanted = text.strip().casefold()
    return [
        number
        for number, name in session.execute(select(Municipality.number, Municipality.name))
        if number.startswith(wanted) or wanted in name.casefold()
    ]


def invoice_detail(session: Session, number: int, series: str | None = None) -> InvoiceRow:
    invoice = find_invoice(session, number, series)
    return invoice_row(
        invoice,
        session.get(Case, invoice.case_id).municipality_number,
        paid=_paid(session, invoice),
        delivery=deliveries_of(session, [invoice.id]).get(invoice.id, []),
    )


def _paid(session: Session, invoice: Invoice) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Payment.amount_ore), 0)).where(
                Payment.invoice_id == invoice.id
            )
        )
        or 0
    )


def invoice_document(
    session: Session, number: int, form: DocumentForm, series: str | None = None
) -> bytes:
    """The stored HTML document, the EHF XML, or the PDF laid out from the stored document
    (the bytes the mail's attachment has)."""
    invoice = find_invoice(session, number, series)
    if form == "html":
        return invoice.document_html.encode("utf-8")
    if form == "ehf":
        if invoice.ehf_xml is None:
            raise InvalidInput(f"invoice {number} has no EHF: the buyer has no organisation number")
        return invoice.ehf_xml
    from kulturskole.invoicing.pdf import stored_invoice_pdf  # the PDF library loads slowly

    case = session.get(Case, invoice.case_id)
    return stored_invoice_pdf(invoice, case.programme.rules.seller.name)


def invoice_view(session: Session, number: int, series: str | None = None) -> InvoiceView:
    """One invoice in detail: its ledger row and what links it to other invoices."""
    invoice = find_invoice(session, number, series)
    row = invoice_row(
        invoice,
        session.get(Case, invoice.case_id).municipality_number,
        paid=_paid(session, invoice),
        delivery=deliveries_of(session, [invoice.id]).get(invoice.id, []),
    )
    credited = (
        session.get(Invoice, invoice.credits_invoice_id) if invoice.credits_invoice_id else None
    )
    notes = session.scalars(
        select(Invoice).where(Invoice.credits_invoice_id == invoice.id).order_by(Invoice.number)
    )
    return InvoiceView(
        **row,
        buyer_address=invoice.buyer_address,
        buyer_reference=invoice.buyer_reference,
        reason=invoice.reason,
        reissue=invoice.reissue,
        credits=_ref(credited) if credited else None,
        credited_by=[_ref(note) for note in notes],
        payments=[
            PaymentLineView(
                booked_on=p.booked_on.isoformat(),
                amount=format_ore(p.amount_ore),
                kid=p.kid,
                reference=p.reference,
                source=p.source,
            )
            for p in session.scalars(
                select(Payment)
                .where(Payment.invoice_id == invoice.id)
                .order_by(Payment.booked_on, Payment.id)
            )
        ],
    )


def _ref(invoice: Invoice) -> InvoiceRef:
    return InvoiceRef(series=invoice.series, number=invoice.number)


def invoice_row(
    invoice: Invoice,
    municipality: str,
    *,
    ehf: bool | None = None,
    paid: int = 0,
    delivery: list[DeliveryRow] | None = None,
) -> InvoiceRow:
    """``ehf``: whether it has an EHF, when the query knows without loading the XML; ``paid``:
    the øre the bank has paid against it; ``delivery``: its delivery rows (``deliveries_of``)."""
    sign = -1 if invoice.kind == "credit" else 1
    is_open = invoice.kind == "invoice" and invoice.status in OPEN_STATUSES
    return InvoiceRow(
        number=invoice.number,
        series=invoice.series,
        kind=invoice.kind,
        municipality=municipality,
        buyer=invoice.buyer_name,
        org_number=invoice.buyer_org_number,
        instalment=invoice.instalment,
        amount=format_ore(sign * invoice.amount_ore),
        kid=invoice.kid,
        issue_date=invoice.issue_date.isoformat(),
        due_date=invoice.due_date.isoformat() if invoice.due_date else None,
        status=invoice.status,
        paid_on=invoice.paid_on.isoformat() if invoice.paid_on else None,
        event=invoice.trigger_event_id,
        ehf=invoice.ehf_xml is not None if ehf is None else ehf,
        test=invoice.test,
        paid=format_ore(paid or 0),
        balance=format_ore(invoice.amount_ore - (paid or 0) if is_open else 0),
        delivery=delivery or [],
    )
