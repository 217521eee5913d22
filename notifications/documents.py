"""The documents that go with the contract, as PDFs: the contract (for signature, or as the
three parties signed it) and the programme's founding document (grunnlagsdokumentet).

The founding document is the council's own text, kept as an HTML page per programme in
``data/grunnlagsdokument/<programme id>.html`` (see data/PROVENANCE.md); a programme without
one sends the contract alone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from kulturskole import DATA_DIR
from kulturskole.config import get_settings
from kulturskole.names import written_name
from models import Programme
from notifications.pdf import page_pdf
from notifications.render import render_document

FOUNDING_DOCUMENTS = DATA_DIR / "grunnlagsdokument"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=get_settings().tz)


def _short_title(programme: Programme) -> str:
    """ "regionale program 2024–2025" of "Fremtidens kulturskole – regionale program 2024–2025"."""
    return programme.title.rpartition(" – ")[2]


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-zæøå]+", "-", text.casefold()).strip("-")


def contract_name(programme: Programme, number: str, *, signed: bool = False) -> str:
    """ "kontrakt-regionale-2024-2025-0301.pdf" ("signert-kontrakt-…" once all have signed)."""
    return f"{'signert-' if signed else ''}kontrakt-{programme.id}-{number}.pdf"


def contract_pdf(context: dict[str, Any], made: date) -> bytes:
    """The contract document (``render_document("contract")``) as an A4 PDF; with
    ``signatures`` in ``context`` it is printed with the three signatures' names and dates."""
    html = render_document("contract.html", context)
    municipality = written_name(context["municipality"]["name"])  # as the contract names it
    return page_pdf(
        html,
        title=f"Kontrakt – {str(context['programme']['title']).rpartition(' – ')[2]} – "
        f"{municipality}",
        author=context["council"]["name"],
        made=_midnight(made),
    )


def founding_document_name(programme: Programme) -> str:
    """ "grunnlagsdokument-regionale-program-2024-2025.pdf"."""
    return f"grunnlagsdokument-{_slug(_short_title(programme))}.pdf"


def founding_document_pdf(programme: Programme) -> bytes | None:
    """The programme's founding document as a PDF, or None when the project has no text of it."""
    path = FOUNDING_DOCUMENTS / f"{programme.id}.html"
    if not path.is_file():
        return None
    return _founding_pdf(path, programme.title, get_settings().council_name, programme.period_start)


@cache
def _founding_pdf(path: Path, title: str, council: str, made: date) -> bytes:
    """Rendered once per process (it takes a good part of a second); dated by the programme's
    start, not the clock, so the same text gives the same bytes."""
    return page_pdf(
        path.read_text(encoding="utf-8"),
        title=f"Grunnlagsdokument – {title}",
        author=council,
        made=_midnight(made),
    )
