"""Saker and Sak in the browser: find a case by search, open it, read its timeline."""

from __future__ import annotations

from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.read.history import case_history
from tests.builders.console import ProgrammeUnderWay
from tests.support.browser import Browser
from tests.support.web import PASSWORD, make_user


def listed(browser: Browser) -> list[tuple[str, str]]:
    """(href, text) of each case link in the results table."""
    return [
        (a.get_attribute("href").removeprefix(browser.console.base), a.text)
        for a in browser.finds("table#cases a[href^='/cases/']")
    ]


def search(browser: Browser, text: str) -> None:
    browser.fill("#case-filters input[name=q]", text)
    browser.submit("#case-filters [type=submit]")


def test_find_a_case_by_name_or_number_and_open_it(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    browser.login(make_user(engine, "viewer"), PASSWORD)
    browser.open("/cases")
    assert {href for href, _ in listed(browser)} == {
        "/cases/0301",
        "/cases/1103",
        "/cases/4601",
        "/cases/5001",
    }
    search(browser, "berg")
    assert "q=berg" in browser.path
    assert listed(browser) == [("/cases/4601", "Bergen")]
    browser.shot("cases-search")
    search(browser, "0301")
    assert listed(browser) == [("/cases/0301", "Oslo")]
    browser.submit("table#cases a[href='/cases/0301']")
    assert browser.path == "/cases/0301"
    assert "Oslo" in browser.text("h1")


def test_the_filters_narrow_the_list(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    browser.login(make_user(engine, "viewer"), PASSWORD)
    browser.open("/cases")
    browser.choose("#case-filters select[name=state]", "active")
    browser.submit("#case-filters [type=submit]")
    assert sorted(href for href, _ in listed(browser)) == ["/cases/0301", "/cases/4601"]
    browser.find("#case-filters input[name=breach][value='1']").click()
    browser.submit("#case-filters [type=submit]")
    assert listed(browser) == [("/cases/4601", "Bergen")]  # Bergen's open breach
    browser.open("/cases?unpaid=1")
    assert listed(browser) == [("/cases/4601", "Bergen")]  # Oslo has paid


def test_the_timeline_shows_every_history_entry_and_an_intact_chain(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    with unit_of_work(engine, readonly=True) as session:
        history = case_history(session, "4601")
    browser.login(make_user(engine, "viewer"), PASSWORD)
    browser.open("/cases/4601")
    assert "Bergen" in browser.text("h1")
    entries = browser.finds("section#timeline ol.timeline > li")
    assert len(entries) == len(history) > 10
    texts = [entry.text for entry in entries]
    applied = next(t for t in texts if "15. april 2024" in t)  # the application's effective date
    assert "tester" in applied
    assert any("26. september 2024" in t for t in texts)  # the breach opened, the invoice
    assert "Historikken er intakt" in browser.text("p#chain")
    for section in ("missing", "group", "invoices", "visits", "attendance", "breaches", "mail"):
        assert browser.finds(f"section#{section}, #{section}"), f"no #{section} on the case page"
    browser.shot("case-timeline")


def test_the_case_as_it_stood_on_a_date(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    browser.login(make_user(engine, "viewer"), PASSWORD)
    browser.open("/cases/4601")
    browser.set_value("form#as-of input[name=date]", "2024-05-01")
    browser.submit("form#as-of [type=submit]")
    assert browser.path.startswith("/cases/4601/as-of")
    assert "date=2024-05-01" in browser.path
    assert "Bergen" in browser.text("h1")
    assert "Søkt" in browser.text()  # applied on 15 April, selected on 15 May
    browser.shot("case-as-of")
