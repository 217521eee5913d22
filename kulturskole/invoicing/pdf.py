"""The invoice or credit note as an A4 PDF: WeasyPrint renders the HTML document itself.

One layout, not two: :func:`invoice_pdf` lays out exactly the page :func:`invoice_html` gives
the browser, with the template's print CSS (``@page`` A4, margins, page numbers). WeasyPrint
needs Pango (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``; see the README). The text is set in
Open Sans from the PyPI package ``ttf-opensans``, embedded, so the PDF does not depend on the
fonts of the machine that makes it and æøå, "–" and Babel's no-break spaces print as they are.

Deterministic: the creation and modification dates are the issue date (00:00 Europe/Oslo) and
nothing else in the file depends on the clock, so the same data gives the same bytes.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from functools import cache
from importlib import resources
from pathlib import Path

from kulturskole.config import get_settings
from kulturskole.invoicing.data import InvoiceData
from kulturskole.invoicing.documents import document_title, invoice_html

__all__ = ["invoice_pdf"]


@cache
def _fonts():
    """The ``@font-face`` rules for Open Sans (regular, bold) and their font configuration."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    folder = resources.files("ttf_opensans") / "ttf"
    faces = []
    for weight, file in (("normal", "OpenSans-Regular.ttf"), ("bold", "OpenSans-Bold.ttf")):
        path = Path(str(folder / file))
        faces.append(
            f'@font-face {{ font-family: "Open Sans"; font-weight: {weight}; '
            f'src: url("{path.as_uri()}"); }}'
        )
    configuration = FontConfiguration()
    # Let go of it before the interpreter tears WeasyPrint's C bindings down (its __del__
    # needs them), or every process that made a PDF ends with an ignored exception.
    atexit.register(_fonts.cache_clear)
    return CSS(string="\n".join(faces), font_config=configuration), configuration


def invoice_pdf(data: InvoiceData) -> bytes:
    """The invoice or credit note as an A4 PDF with the layout of ``invoice_html``.

    Raises ``ValueError`` like ``invoice_html`` when ``data`` lacks what the document must say.
    """
    from weasyprint import HTML

    page = invoice_html(data)
    stylesheet, configuration = _fonts()
    document = HTML(string=page, base_url=None).render(
        stylesheets=[stylesheet], font_config=configuration
    )
    issued = datetime.combine(data.issue_date, time(0), tzinfo=get_settings().tz)
    title = document_title(data)
    metadata = document.metadata
    metadata.title = f"TEST – {title}" if data.test else title
    metadata.authors = [data.seller.name]
    metadata.description = f"{title} til {data.buyer.name}"
    metadata.generator = "kulturskole"
    metadata.lang = "nb-NO"
    metadata.created = metadata.modified = issued.isoformat()
    with _font_timestamps(issued):
        return document.write_pdf(uncompressed_pdf=False)


@contextmanager
def _font_timestamps(moment: datetime) -> Iterator[None]:
    """The embedded font subsets carry a "modified" time (fontTools writes the clock into the
    font's head table unless SOURCE_DATE_EPOCH is set): pin it to ``moment`` while the PDF is
    written, so two PDFs of the same data made a second apart are the same bytes."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
