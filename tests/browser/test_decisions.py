"""Beslutninger in the browser: an administrator approves a proposed termination and sees the
case terminated; a viewer sees the decision awaited but no buttons to make it."""

from __future__ import annotations

from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.obligations.breaches import find_breach
from tests.builders.cases import state_of
from tests.builders.console import ProgrammeUnderWay
from tests.support.browser import Browser
from tests.support.web import PASSWORD, make_user


def test_approving_a_proposed_termination_terminates_the_case(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    email = make_user(engine, "admin")
    browser.login(email, PASSWORD)
    browser.open("/cases/4601")
    assert browser.text("h1 .state") == "Aktiv"
    browser.open("/decisions")
    article = f"article#brudd-{under_way.breach_id}.decision"
    assert "Bergen" in browser.text(article)
    browser.shot("decisions-awaited")
    browser.fill(f"{article} form.decide textarea[name=reason]", "Kommunegruppen møtte ikke")
    browser.submit(f"{article} form.decide button[name=decision][value=approve]")
    assert browser.finds(article) == []  # decided: no longer awaited
    assert state_of(engine, "4601") == "terminated"
    with unit_of_work(engine, readonly=True) as session:
        breach = find_breach(session, under_way.breach_id)
        assert (breach.status, breach.decision, breach.decided_by, breach.reason) == (
            "terminated",
            "approve",
            email,
            "Kommunegruppen møtte ikke",
        )
    browser.open("/cases/4601")
    assert browser.text("h1 .state") == "Avsluttet"
    timeline = [li.text for li in browser.finds("section#timeline ol.timeline > li")]
    decided = [e for e in timeline if "Beslutning om avslutning" in e]
    assert decided and "Test Admin" in decided[0] and "Kommunegruppen møtte ikke" in decided[0]
    assert "Historikken er intakt" in browser.text("p#chain")
    browser.shot("case-terminated")


def test_a_decision_needs_a_reason(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    browser.login(make_user(engine, "admin"), PASSWORD)
    browser.open("/decisions")
    article = f"article#brudd-{under_way.breach_id}.decision"
    browser.driver.execute_script(  # past the browser's own check of a required field
        "arguments[0].removeAttribute('required')",
        browser.find(f"{article} textarea[name=reason]"),
    )
    browser.submit(f"{article} button[name=decision][value=approve]")
    assert browser.finds(".notice.error")
    assert browser.finds(article)  # still awaited
    assert state_of(engine, "4601") == "active"


def test_a_viewer_sees_the_decision_awaited_but_no_buttons(
    browser: Browser, engine: Engine, under_way: ProgrammeUnderWay
) -> None:
    browser.login(make_user(engine, "viewer"), PASSWORD)
    browser.open("/decisions")
    article = f"article#brudd-{under_way.breach_id}.decision"
    assert "Bergen" in browser.text(article)
    assert browser.finds("button[name=decision]") == []
    assert browser.finds("form.decide") == []
    browser.shot("decisions-viewer")
