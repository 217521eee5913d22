"""Kjøringer in the browser: preview an invoicing (a dry run: nothing changes), then run it
for real in the console's process and follow the job until it has completed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.builders.invoicing import active, invoices
from tests.support.browser import Browser
from tests.support.web import PASSWORD, make_user

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
FINISHED = "#job[data-status=completed], #job[data-status=failed]"


def test_preview_then_run_an_invoicing_and_see_it_complete(
    browser: Browser, engine: Engine
) -> None:
    active(engine, "0301", "4601")  # both owe instalment 1 after joint gathering 1
    browser.login(make_user(engine, "admin"), PASSWORD)
    browser.open("/runs")
    browser.choose("form#run-form select[name=flow]", "invoicing")
    browser.set_value("form#run-form input[type=date][name=as_of]", "2024-10-11")
    browser.shot("runs-form")
    browser.submit("form#run-form [type=submit]")
    assert browser.finds("section#preview")
    confirm = "form#run-confirm[action='/runs/start']"
    assert browser.find(f"{confirm} input[name=flow]").get_attribute("value") == "invoicing"
    assert browser.find(f"{confirm} input[name=as_of]").get_attribute("value") == "2024-10-11"
    browser.shot("runs-preview")
    assert invoices(engine) == []  # a preview changes nothing

    browser.submit(f"{confirm} [type=submit]")
    assert browser.path.startswith("/runs/jobs/")
    browser.wait_for(FINISHED, timeout=240)
    assert browser.find("#job").get_attribute("data-status") == "completed", browser.text()
    browser.shot("runs-job")
    issued = invoices(engine)
    assert sorted((i.instalment, i.amount_ore) for i in issued) == [(1, 666667), (1, 666667)]
