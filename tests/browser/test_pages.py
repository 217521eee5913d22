"""Every page of the menu opens in the browser for an administrator, with the element the
selector contract names, and is kept as a screenshot in var/screenshots/<page>.png."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.builders.console import ProgrammeUnderWay
from tests.support.browser import Browser
from tests.support.web import PASSWORD, make_user

MAIN_PAGES = [
    ("/", "overview", "section.cards"),
    ("/cases", "cases", "form#case-filters"),
    ("/cases/4601", "case", "section#timeline"),
    ("/invoices", "invoices", "table#invoices"),
    ("/decisions", "decisions", "article.decision"),
    ("/runs", "runs", "form#run-form"),
    ("/mail", "mail", "table#mail"),
    ("/audit", "audit", "table#audit"),
]


@pytest.mark.parametrize(("path", "name", "landmark"), MAIN_PAGES, ids=[p[1] for p in MAIN_PAGES])
def test_a_main_page_opens_with_its_content(
    browser: Browser,
    engine: Engine,
    under_way: ProgrammeUnderWay,
    path: str,
    name: str,
    landmark: str,
) -> None:
    browser.login(make_user(engine, "admin"), PASSWORD)
    browser.open(path)
    title = browser.driver.title
    browser.shot(name)
    assert not title.startswith(("Finnes ikke", "Ingen tilgang", "Kan ikke vises")), title
    assert browser.text("h1")
    assert browser.finds(landmark), f"{path} has no {landmark}"
    menu = "/" + path.split("/")[1]  # the menu item the page belongs to
    current = browser.finds("nav[aria-label=Hovedmeny] a[aria-current=page]")
    assert [a.get_attribute("href") for a in current] == [browser.console.url(menu)]
