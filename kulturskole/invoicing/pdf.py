"""The invoice or credit note as an A4 PDF: WeasyPrint renders the HTML document itself.

One layout, not two: :func:`invoice_pdf` lays out exactly the page :func:`invoice_html` gives
the browser, with the template's print CSS (``@page`` A4, margins, page numbers). WeasyPrint
needs Pango (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``; see the README). The text is set in
Open Sans from the PyPI package ``ttf-opensans``, embedded (``notifications.pdf``, which makes
every PDF the programme sends), so the PDF does not depend on the fonts of the machine that
makes it and æøå, "–" and Babel's no-break spaces print as they are.

Deterministic: the creation and modification dates are the issue date (00:00 Europe/Oslo) and
nothing else in the file depends on the clock, so the same data gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime, time

from kulturskole.config import get_settings
from kulturskole.invoicing.data import InvoiceData
from kulturskole.invoicing.documents import document_title, invoice_html
from notifications.pdf import page_pdf

__all__ = ["invoice_pdf"]


def invoice_pdf(data: InvoiceData) -> bytes:
    """The invoice or credit note as an A4 PDF with the layout of ``invoice_html``.

    Raises ``ValueError`` like ``invoice_html`` when ``data`` lacks what the document must say.
    """
    page = invoice_html(data)
    issued = datetime.combine(data.issue_date, time(0), tzinfo=get_settings().tz)
    title = document_title(data)
    return page_pdf(
        page,
        title=f"TEST – {title}" if data.test else title,
        author=data.seller.name,
        made=issued,
        description=f"{title} til {data.buyer.name}",
    )
