"""Golden samples: every mail kind rendered from a fixed context, as the municipality reads it.

tests/golden/<sample>.txt is the subject, the Reply-To and the plain text body; <sample>.html
is the HTML body; contract.html is the contract document. The contexts are in
tests/golden/contexts.py. A change to a template shows here as a diff a reviewer reads; to accept
it, rewrite the samples with ``KULTURSKOLE_UPDATE_GOLDEN=1`` (tests/golden/README.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from notifications.outbox import reply_to_for
from notifications.render import DOCUMENTS, TEMPLATES, render, render_document
from tests.golden.contexts import CONTEXTS, DOCUMENT_CONTEXTS, samples

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE = os.environ.get("KULTURSKOLE_UPDATE_GOLDEN") == "1"
SAMPLES = samples()


def sample_text(kind: str, context: dict) -> tuple[str, str]:
    """The two files of one sample: (text, html)."""
    rendered = render(kind, context)
    answer = reply_to_for(context)
    reply_to = f"{answer.name} <{answer.address}>" if answer else "(ingen)"
    head = f"Emne: {rendered.subject}\nSvar til: {reply_to}\n\n"
    return head + rendered.text, rendered.html


def _check(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"{path.name} is missing: run with KULTURSKOLE_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{path.name} differs from what the template renders now; read the diff, and if the new "
        "text is right, rewrite the samples with KULTURSKOLE_UPDATE_GOLDEN=1"
    )


def test_every_mail_kind_and_document_has_a_golden_context() -> None:
    assert set(CONTEXTS) == set(TEMPLATES), "add a builder to tests/golden/contexts.py"
    assert set(DOCUMENT_CONTEXTS) == set(DOCUMENTS)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_golden_mail(sample: str) -> None:
    kind, build = SAMPLES[sample]
    text, html = sample_text(kind, build())
    _check(GOLDEN / f"{sample}.txt", text)
    _check(GOLDEN / f"{sample}.html", html)


@pytest.mark.parametrize("document", sorted(DOCUMENT_CONTEXTS))
def test_golden_document(document: str) -> None:
    _check(GOLDEN / f"{document}.html", render_document(document, DOCUMENT_CONTEXTS[document]()))


def test_no_golden_file_without_a_sample() -> None:
    known = {f"{name}{ext}" for name in SAMPLES for ext in (".txt", ".html")}
    known |= {f"{name}.html" for name in DOCUMENT_CONTEXTS}
    files = {p.name for p in GOLDEN.iterdir() if p.suffix in (".txt", ".html")}
    assert files <= known, f"stale golden files: {sorted(files - known)}"
