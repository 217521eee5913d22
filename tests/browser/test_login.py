"""Logging in and out in the browser, and the overview the login opens on."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.builders.console import ProgrammeUnderWay
from tests.support.browser import Browser
from tests.support.web import PASSWORD, make_user


def test_a_wrong_password_keeps_you_on_the_login_page(browser: Browser, engine: Engine) -> None:
    email = make_user(engine, "viewer")
    browser.open("/")
    assert browser.path == "/login?next=/"
    browser.shot("login")
    browser.login(email, "ikke passordet")
    assert browser.path.startswith("/login")
    assert "Feil e-postadresse eller passord" in browser.text(".notice.error")
    assert browser.find("input[name=email]").get_attribute("value") == email
    assert browser.find("input[name=password]").get_attribute("value") == ""


def test_logging_in_opens_the_overview_as_of_the_consoles_date(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    email = make_user(engine, "admin")
    browser.login(email, PASSWORD)
    assert browser.path == "/"
    assert browser.text("h1") == "Oversikt"
    assert "per 11. oktober 2024" in browser.text(".lead")
    assert "Test Admin · Administrator" in browser.text("form.who")
    menu = [a.text for a in browser.finds("nav[aria-label=Hovedmeny] a")]
    assert menu == [
        "Oversikt",
        "Saker",
        "Fakturaer",
        "Innbetalinger",
        "Beslutninger",
        "Kjøringer",
        "E-post",
        "Revisjon",
    ]
    awaited = browser.find("main a[href='/decisions']")
    assert awaited.text == "1"  # Bergen's termination awaits a decision
    browser.shot("overview")


def test_a_login_returns_to_the_page_asked_for(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    email = make_user(engine, "viewer")
    browser.open("/?as_of=2024-09-01")
    browser.fill("input[name=email]", email)
    browser.fill("input[name=password]", PASSWORD)
    browser.submit("form button[type=submit]")
    assert browser.path == "/?as_of=2024-09-01"
    assert "per 1. september 2024" in browser.text(".lead")


def test_logging_out_ends_the_session(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    email = make_user(engine, "finance")
    browser.login(email, PASSWORD)
    assert browser.text("h1") == "Oversikt"
    browser.logout()
    assert browser.path == "/login"
    assert browser.finds("form.who") == []
    browser.open("/")
    assert browser.path == "/login?next=/"
