"""The text of a PDF, as a reader sees it (pypdf), with runs of whitespace made single spaces."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def pdf_title(pdf: bytes) -> str | None:
    return PdfReader(io.BytesIO(pdf)).metadata.title
