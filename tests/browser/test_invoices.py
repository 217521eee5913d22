"""Fakturaer in the browser: the ledger, and an invoice's PDF downloaded as a file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.builders.console import ProgrammeUnderWay
from tests.support.browser import Browser, wait_for_download
from tests.support.web import PASSWORD, make_user


def test_download_an_invoice_as_pdf(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay, tmp_path: Path
) -> None:
    folder = browser.downloads_to(tmp_path / "downloads")
    browser.login(make_user(engine, "finance"), PASSWORD)
    browser.open("/invoices")
    rows = browser.finds("table#invoices tbody tr")
    assert len(rows) == 2
    base = f"/invoices/{under_way.series}/{under_way.bergen_invoice}"
    for kind in ("html", "pdf", "ehf"):
        assert browser.finds(f"table#invoices a[href='{base}/{kind}']"), f"no {kind} link"
    browser.find(f"table#invoices a[href='{base}/pdf']").click()
    pdf = wait_for_download(folder, ".pdf")
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF")
    assert b"%%EOF" in content[-1024:]


def test_the_invoice_document_opens_in_the_browser(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    browser.login(make_user(engine, "viewer"), PASSWORD)
    path = f"/invoices/{under_way.series}/{under_way.oslo_invoice}/html"
    browser.open(path)
    document = browser.text("body")  # WebDriver's text: no-break spaces read as spaces
    assert "Oslo" in document and "6 666,67" in document
    browser.shot("invoice-document")
