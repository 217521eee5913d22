"""The invoice or credit note as an A4 PDF: WeasyPrint renders the HTML document itself.

One layout, not two: the PDF lays out exactly the page :func:`invoice_html` gives the browser,
with the template's print CSS (``@page`` A4, margins, page numbers). WeasyPrint needs Pango
(Debian: ``libpango-1.0-0 libpangoft2-1.0-0``; see the README). The text is set in Open Sans
from the PyPI package ``ttf-opensans``, embedded (``notifications.pdf``, which makes every PDF
the programme sends), so the PDF does not depend on the fonts of the machine that makes it and
æøå, "–" and Babel's no-break spaces print as they are.

An issued invoice's PDF is :func:`stored_invoice_pdf`: the layout of the HTML document stored
on the invoice when it was issued, so a PDF made later (the mail's attachment, made when the
mail is delivered; a download from the console) says what the invoice said at issue, whatever
has changed since. :func:`invoice_pdf` lays out a document not stored yet (the same bytes for
the same data).

Deterministic: the creation and modification dates are the issue date (00:00 Europe/Oslo) and
nothing else in the file depends on the clock, so the same document gives the same bytes.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from kulturskole.invoicing.data import InvoiceData
from kulturskole.invoicing.documents import document_title, invoice_html
from models import Case, Invoice, Programme
from notifications.pdf import page_pdf

__all__ = ["invoice_pdf", "layout", "layout_arguments", "mail_pdfs", "stored_invoice_pdf"]


def invoice_pdf(data: InvoiceData) -> bytes:
    """The invoice or credit note as an A4 PDF with the layout of ``invoice_html``.

    Raises ``ValueError`` like ``invoice_html`` when ``data`` lacks what the document must say.
    """
    return layout(
        invoice_html(data),
        document_title(data),
        data.test,
        data.seller.name,
        data.buyer.name,
        data.issue_date,
    )


def stored_invoice_pdf(invoice: Invoice, seller: str) -> bytes:
    """The issued ``invoice`` as an A4 PDF: the layout of its stored HTML document, with
    ``seller`` (the seller's name) as the file's author. The same bytes as :func:`invoice_pdf`
    gave for the data it was issued with."""
    return layout(*layout_arguments(invoice, seller))


def layout_arguments(invoice: Invoice, seller: str) -> tuple[str, str, bool, str, str, date]:
    """What :func:`layout` needs of the issued ``invoice`` (plain values: they may be laid out
    after the session that read them has closed)."""
    if not invoice.document_html:
        raise ValueError(f"invoice {invoice.series}-{invoice.number} has no document yet")
    return (
        invoice.document_html,
        document_title(invoice),
        bool(invoice.test),
        seller,
        invoice.buyer_name,
        invoice.issue_date,
    )


def layout(page: str, title: str, test: bool, seller: str, buyer: str, issued: date) -> bytes:
    """The HTML ``page`` as the PDF of the document ``title`` (a test invoice says so in its
    title) from ``seller`` to ``buyer``, dated ``issued``."""
    return page_pdf(
        page,
        title=f"TEST – {title}" if test else title,
        author=seller,
        made=datetime.combine(issued, time(0), tzinfo=get_settings().tz),
        description=f"{title} til {buyer}",
    )


def mail_pdfs(session: Session, message_ids: list[int]) -> dict[int, tuple]:
    """Per message among ``message_ids`` that carries an invoice, the :func:`layout_arguments`
    of that invoice's PDF (the "invoice-pdf" attachments, notifications.attachments)."""
    rows = session.execute(
        select(Invoice, Case.programme_id)
        .join(Case, Case.id == Invoice.case_id)
        .where(Invoice.message_id.in_(message_ids))
    ).all()
    sellers = {
        p.id: p.rules.seller.name
        for p in session.scalars(
            select(Programme).where(Programme.id.in_({pid for _, pid in rows}))
        )
    }
    return {inv.message_id: layout_arguments(inv, sellers[pid]) for inv, pid in rows}
