"""Innbetalinger in the browser: finance chooses the bank's camt.054 file, imports it, reads
what was recorded and what was not, and the invoice is paid."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from models import Invoice
from tests.builders.console import ProgrammeUnderWay
from tests.builders.payments import camt_file
from tests.support.browser import Browser
from tests.support.web import PASSWORD, make_user


def test_finance_imports_the_banks_file_and_sees_what_matched(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay, tmp_path: Path
) -> None:
    with unit_of_work(engine, readonly=True) as session:
        bergen = session.scalar(select(Invoice).where(Invoice.number == under_way.bergen_invoice))
        kid, amount = bergen.kid, bergen.amount_ore  # Oslo's invoice is paid already
    bank_file = tmp_path / "camt054-2024-10-10.xml"
    bank_file.write_bytes(
        camt_file([(kid, amount, "2024-10-10"), ("00000000000017", 50_000, "2024-10-10")])
    )
    browser.login(make_user(engine, "finance"), PASSWORD)
    browser.open("/payments")
    browser.find("#payment-upload input[type=file]").send_keys(str(bank_file))
    browser.submit("#payment-upload button[type=submit]")
    summary = browser.text("#import-summary")
    assert "2 innbetalinger i filen" in summary and "1 registrert" in summary
    assert "1 ikke registrert" in summary
    assert "Ukjent KID" in browser.text("#import-unmatched")
    assert kid in browser.text("#import-recorded")
    browser.shot("payments-import")
    with unit_of_work(engine, readonly=True) as session:
        assert session.scalar(select(Invoice.status).where(Invoice.kid == kid)) == "paid"
    browser.open("/payments")
    assert kid in browser.text("table#payments")
    browser.shot("payments")


def test_finance_enters_the_invoicing_details_on_the_case_page(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    browser.login(make_user(engine, "finance"), PASSWORD)
    browser.open("/cases/4601")
    form = browser.find("#invoicing-form")
    if not form.get_attribute("open"):
        browser.find("#invoicing-form summary").click()
    browser.fill("#invoicing-form input[name=reference]", "Kulturskolen v/ Kari Hansen")
    browser.fill("#invoicing-form input[name=email]", "faktura@bergen.kommune.no")
    browser.fill("#invoicing-form textarea[name=address]", "Postboks 7700\n5020 Bergen")
    browser.shot("invoicing-details-form")
    browser.submit("#invoicing-form button[type=submit]")
    facts = browser.text("#application")
    assert "faktura@bergen.kommune.no" in facts and "Postboks 7700, 5020 Bergen" in facts
    assert "Kulturskolen v/ Kari Hansen" in facts
    browser.shot("invoicing-details")
