"""Invoices and credit notes: rows in number order, one in detail, and its documents."""

from __future__ import annotations

from typing import Literal, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.errors import InvalidInput
from kulturskole.invoicing.ledger import find_invoice
from kulturskole.services.programmes import format_ore
from models import INVOICE_STATUSES, Case, Invoice

DocumentForm = Literal["html", "pdf", "ehf"]


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


def list_invoices(
    session: Session,
    *,
    status: str | None = None,
    municipality: str | None = None,
    case_id: int | None = None,
) -> list[InvoiceRow]:
    """Invoices and credit notes by series and number, optionally of one status, municipality
    or case."""
    if status is not None and status not in INVOICE_STATUSES:
        raise InvalidInput(f"unknown status {status!r}; use one of {', '.join(INVOICE_STATUSES)}")
    query = (
        select(Invoice, Case.municipality_number)
        .join(Case, Case.id == Invoice.case_id)
        .order_by(Invoice.series, Invoice.number)
    )
    if status:
        query = query.where(Invoice.status == status)
    if municipality:
        query = query.where(Case.municipality_number == municipality)
    if case_id is not None:
        query = query.where(Invoice.case_id == case_id)
    return [invoice_row(invoice, number) for invoice, number in session.execute(query)]


def invoice_detail(session: Session, number: int, series: str | None = None) -> InvoiceRow:
    invoice = find_invoice(session, number, series)
    return invoice_row(invoice, session.get(Case, invoice.case_id).municipality_number)


def invoice_document(
    session: Session, number: int, form: DocumentForm, series: str | None = None
) -> bytes:
    """The stored HTML document, the EHF XML, or a PDF rendered from the stamped invoice."""
    invoice = find_invoice(session, number, series)
    if form == "html":
        return invoice.document_html.encode("utf-8")
    if form == "ehf":
        if invoice.ehf_xml is None:
            raise InvalidInput(f"invoice {number} has no EHF: the buyer has no organisation number")
        return invoice.ehf_xml
    from kulturskole.invoicing.documents import invoice_pdf  # the PDF library loads slowly
    from kulturskole.invoicing.paperwork import invoice_data

    case = session.get(Case, invoice.case_id)
    credited = (
        session.get(Invoice, invoice.credits_invoice_id) if invoice.credits_invoice_id else None
    )
    return invoice_pdf(invoice_data(case.programme, invoice, credited=credited))


def invoice_row(invoice: Invoice, municipality: str) -> InvoiceRow:
    sign = -1 if invoice.kind == "credit" else 1
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
        ehf=invoice.ehf_xml is not None,
        test=invoice.test,
    )
