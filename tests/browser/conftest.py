"""Fixtures of the browser tests: one real console (uvicorn in a thread) and one headless
Chromium for the whole session; each test gets its own fresh database (SQLite, and PostgreSQL
when configured), which the console is pointed at, and a browser without cookies.

A browser test costs about two seconds; on PostgreSQL only the scenarios where the database's
own behaviour counts run (ON_POSTGRESQL: a decision's locks and transitions, a run written from a
background thread, logging in); the route tests cover every page on both databases.

Without /usr/bin/chromium and /usr/bin/chromedriver the tests are skipped with the reason,
unless ``KULTURSKOLE_REQUIRE_BROWSER`` is set (``.ci/run`` sets it): then they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.builders.console import TODAY, ProgrammeUnderWay, programme_under_way
from tests.support.browser import (
    SCREENSHOTS,
    Browser,
    ConsoleServer,
    missing_browser,
    screenshot,
    start_browser,
    start_console,
)

ON_POSTGRESQL = {
    "test_logging_in_opens_the_overview_as_of_the_consoles_date",
    "test_approving_a_proposed_termination_terminates_the_case",
    "test_preview_then_run_an_invoicing_and_see_it_complete",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        on_postgresql = params is not None and params.params.get("backend") == "postgresql"
        mine = item.path.is_relative_to(here)
        if mine and on_postgresql and item.originalname not in ON_POSTGRESQL:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def chromium() -> None:
    reason = missing_browser()
    if reason is None:
        return
    if os.environ.get("KULTURSKOLE_REQUIRE_BROWSER"):
        pytest.fail(f"KULTURSKOLE_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(f"no browser here: {reason}; CI installs it and sets KULTURSKOLE_REQUIRE_BROWSER")


@pytest.fixture(scope="session")
def console_server(chromium: None) -> Iterator[ConsoleServer]:
    for stale in SCREENSHOTS.glob("failed-*.png"):  # of an earlier session
        stale.unlink()
    server = start_console()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def driver(chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    chrome = start_browser(tmp_path_factory.mktemp("downloads"))
    yield chrome
    chrome.quit()


@pytest.fixture
def browser(
    request: pytest.FixtureRequest,
    driver,  # noqa: ANN001
    console_server: ConsoleServer,
    engine: Engine,
    programme_loaded: str,
) -> Iterator[Browser]:
    """The browser, logged out, on the console serving this test's database as of TODAY."""
    console_server.use(engine, TODAY)
    browser = Browser(driver, console_server)
    browser.reset()
    yield browser
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(driver, "failed-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name))
    browser.reset()


@pytest.fixture
def under_way(engine: Engine, programme_loaded: str, tmp_path: Path) -> ProgrammeUnderWay:
    return programme_under_way(engine, tmp_path)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ANN201
    report = yield
    if report.when == "call":
        item.report_call = report  # the browser fixture keeps a screenshot of a failure
    return report
