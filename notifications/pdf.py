"""Standalone documents as A4 PDFs: WeasyPrint lays out the HTML page with its print CSS.

The text is set in Open Sans from the PyPI package ``ttf-opensans``, embedded, so the PDF does
not depend on the fonts of the machine that makes it (as the invoice PDFs in
``kulturskole.invoicing.pdf``, which makes them here). Deterministic: the creation and
modification dates are the ``made`` moment passed in, and so are the embedded font subsets'
own timestamps (fontTools writes the time of subsetting into each font's ``head`` table unless
``SOURCE_DATE_EPOCH`` says otherwise, so two PDFs made a second apart differed), so the same
page gives the same bytes.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["page_pdf"]

# The documents name their own (serif) fonts for the browser; in the PDF, the embedded face
# (a user style must be !important to win over the page's own).
_TYPEFACE = '* { font-family: "Open Sans", sans-serif !important; }'


@cache
def _fonts():  # noqa: ANN202
    """The ``@font-face`` rules for Open Sans (regular, bold, italic) and their configuration."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    folder = resources.files("ttf_opensans") / "ttf"
    faces = []
    for weight, style, file in (
        ("normal", "normal", "OpenSans-Regular.ttf"),
        ("bold", "normal", "OpenSans-Bold.ttf"),
        ("normal", "italic", "OpenSans-Italic.ttf"),
    ):
        path = Path(str(folder / file))
        faces.append(
            f'@font-face {{ font-family: "Open Sans"; font-weight: {weight}; '
            f'font-style: {style}; src: url("{path.as_uri()}"); }}'
        )
    configuration = FontConfiguration()
    # Let go of it before the interpreter tears WeasyPrint's C bindings down (its __del__
    # needs them), or every process that made a PDF ends with an ignored exception.
    atexit.register(_fonts.cache_clear)
    return CSS(string="\n".join([*faces, _TYPEFACE]), font_config=configuration), configuration


_EPOCH = threading.Lock()


@contextmanager
def _fonts_dated(made: datetime) -> Iterator[None]:
    """Font subsets made inside are dated ``made`` (the reproducible-builds convention
    ``SOURCE_DATE_EPOCH``, which fontTools reads), the environment as it was after."""
    with _EPOCH:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(made.timestamp()))
        try:
            yield
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = before


def page_pdf(
    html: str, *, title: str, author: str, made: datetime, description: str | None = None
) -> bytes:
    """The HTML page as an A4 PDF (the page's own ``@page`` rules apply), with metadata; the
    same arguments give the same bytes."""
    from weasyprint import HTML  # loads slowly: only when a PDF is made

    stylesheet, configuration = _fonts()
    document = HTML(string=html, base_url=None).render(
        stylesheets=[stylesheet], font_config=configuration
    )
    metadata = document.metadata
    metadata.title = title
    metadata.authors = [author]
    if description:
        metadata.description = description
    metadata.generator = "kulturskole"
    metadata.lang = "nb-NO"
    metadata.created = metadata.modified = made.isoformat()
    with _fonts_dated(made):
        return document.write_pdf(uncompressed_pdf=False)
