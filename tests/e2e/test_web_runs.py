"""The console's runs and decisions on the real Prefect engine: a preview is a dry run that
changes nothing, "Kjør" runs the flow in the background and the job page follows it to the
end, and a decision taken in the browser resumes the monitor-obligations run waiting for it."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.read.history import case_history
from models import RunRecord
from tests.builders.invoicing import active, invoices
from tests.builders.visits import row_counts
from tests.e2e.test_flow_obligations import overdue, paused_run, start_monitor, state_of
from tests.support.web import logged_in, post

pytestmark = [pytest.mark.usefixtures("programme_loaded", "prefect_harness"), pytest.mark.slow]
__all__ = ["overdue"]  # the fixture: 0301 with a breach past its remedy date on 2024-10-11
ADMIN = "admin@kulturskoleradet.no"
NBSP = "\u00a0"


def follow(client, url: str, timeout: float = 120) -> str:  # noqa: ANN001
    """The job fragment once its status is completed or failed, polled as the page does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fragment = client.get(f"{url}?part=job").text
        status = re.search(r'<div id="job" data-status="(\w+)"', fragment).group(1)
        if status in ("completed", "failed"):
            return fragment
        assert "data-poll" in fragment
        time.sleep(0.3)
    raise AssertionError("the job did not end")


def test_invoicing_preview_changes_nothing_then_run_issues_the_invoices(engine: Engine) -> None:
    active(engine, "0301", "1580")
    client = logged_in(engine, "admin", today=date(2024, 9, 26))
    before = row_counts(engine)
    preview = post(
        client, "/runs/preview", {"flow": "invoicing", "as_of": "2024-09-26"}, page="/runs"
    )
    assert preview.status_code == 200
    html = preview.text
    assert '<section id="preview"' in html and "Dette ville kjøringen gjøre" in html
    assert f"13{NBSP}333,34{NBSP}kr" in html and f"6{NBSP}666,67{NBSP}kr" in html
    assert "Oslo" in html and "Haram" in html
    assert re.search(r'<form id="run-confirm" method="post" action="/runs/start" [^>]*>\s*'
                     r'<input type="hidden" name="csrf" value="[^"]+">', html)  # fmt: skip
    assert row_counts(engine) == before and invoices(engine) == []

    started = post(
        client, "/runs/start", {"flow": "invoicing", "as_of": "2024-09-26"}, page="/runs"
    )
    assert started.status_code == 303
    job_url = started.headers["location"]
    page = client.get(job_url)
    assert page.status_code == 200 and '<div id="job" data-status="' in page.text
    assert "Fakturering per 26. september 2024" in page.text
    done = follow(client, job_url)
    assert 'data-status="completed"' in done and "data-poll" not in done
    assert "Dette gjorde kjøringen" in done and f"13{NBSP}333,34{NBSP}kr" in done
    assert "no EHF for 1580 Haram" in done  # the run's note on the invoice
    assert [(i.number, i.amount_ore) for i in invoices(engine)] == [
        (240001, 666667),
        (240002, 666667),
    ]
    with unit_of_work(engine, readonly=True) as session:
        [record] = session.scalars(select(RunRecord)).all()
    assert (record.flow, record.summary["issued"]) == ("invoicing", 2)
    assert "Fakturaer: 2" in client.get("/runs").text  # the past runs, from the record


@pytest.mark.parametrize("flow", ["visits", "obligations", "lifecycle"])
def test_every_flow_previews_in_norwegian_and_changes_nothing(engine: Engine, flow: str) -> None:
    active(engine, "0301")
    client = logged_in(engine, "admin", today=date(2024, 10, 11))
    before = row_counts(engine)
    preview = post(client, "/runs/preview", {"flow": flow, "as_of": "2024-10-11"}, page="/runs")
    assert preview.status_code == 200, preview.text
    assert '<section id="preview"' in preview.text and "Dette ville kjøringen gjøre" in preview.text
    assert row_counts(engine) == before
    if flow == "obligations":  # absent from the first gathering: a breach would open
        assert "Nye brudd" in preview.text and "Deltakelse på fellessamlinger" in preview.text


def test_notifications_run_in_the_background_sends_the_due_mail(engine: Engine) -> None:
    from tests.builders.cases import apply_case

    apply_case(engine, "4601")
    client = logged_in(engine, "admin", today=date(2024, 4, 16))
    started = post(
        client, "/runs/start", {"flow": "notifications", "as_of": "2024-04-16"}, page="/runs"
    )
    done = follow(client, started.headers["location"])
    assert 'data-status="completed"' in done and "Sendt" in done
    with unit_of_work(engine, readonly=True) as session:
        [record] = session.scalars(select(RunRecord)).all()
    assert record.flow == "send-notifications" and record.summary["sent"] >= 1


def test_a_decision_in_the_console_resumes_the_paused_run(engine: Engine, overdue: int) -> None:
    result: dict = {}
    thread = start_monitor(result)
    paused_run(engine, overdue)
    client = logged_in(engine, "admin", today=date(2024, 10, 11))
    page = client.get("/decisions").text
    assert f'id="brudd-{overdue}"' in page and "står på pause og venter" in page
    decided = post(
        client,
        f"/decisions/{overdue}",
        {"decision": "approve", "reason": "Ingen deltakelse"},
        page="/decisions",
    )
    assert decided.status_code == 303
    assert "er gjenopptatt" in client.get("/decisions").text
    thread.join(60)
    assert not thread.is_alive()
    [answer] = result["value"]["decided"]
    assert answer["decided_by"] == ADMIN and answer["approve"] is True
    assert answer["applied"] is False  # the console had applied it; the run did nothing twice
    assert state_of(engine) == "terminated"
    with unit_of_work(engine, readonly=True) as session:
        entries = case_history(session, "0301")
    [decision] = [e for e in entries if e["action"] == "breach-decided"]
    assert decision["actor"] == ADMIN and decision["details"]["decided_by"] == ADMIN
    assert decision["flow_run_id"] is None  # taken in the console, not by the resumed run


def test_a_rejection_in_the_console_is_recorded_once(engine: Engine, overdue: int) -> None:
    """A rejection leaves the breach open: the resumed run must not apply it a second time."""
    result: dict = {}
    thread = start_monitor(result)
    paused_run(engine, overdue)
    client = logged_in(engine, "admin", today=date(2024, 10, 11))
    post(
        client,
        f"/decisions/{overdue}",
        {"decision": "reject", "reason": "Ny plan avtalt"},
        page="/decisions",
    )
    thread.join(60)
    [answer] = result["value"]["decided"]
    assert (answer["approve"], answer["applied"]) == (False, False)
    assert state_of(engine) == "active"
    with unit_of_work(engine, readonly=True) as session:
        entries = case_history(session, "0301")
    decided = [e for e in entries if e["action"] == "breach-decided"]
    assert [(e["actor"], e["reason"]) for e in decided] == [(ADMIN, "Ny plan avtalt")]


def test_with_a_prefect_server_kjor_creates_a_run_of_the_deployment_in_prefect(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against the real Prefect API of the harness: prefect.yaml's deployments registered, "Kjør"
    creates a flow run of invoicing/daily with the date, and the page links to it in Prefect's
    UI. (No worker here: the run stays scheduled, and nothing is invoiced by the console.)"""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    from kulturskole.serving import runner_deployments

    api = PREFECT_API_URL.value()
    monkeypatch.setenv("PREFECT_API_URL", api)
    for deployment in runner_deployments():
        deployment.apply()
    client = logged_in(engine, "admin", today=date(2024, 9, 26))
    started = post(
        client, "/runs/start", {"flow": "invoicing", "as_of": "2024-09-26"}, page="/runs"
    )
    assert started.status_code == 303
    page = client.get(started.headers["location"]).text
    found = re.search(r'href="([^"]+)/runs/flow-run/([0-9a-f-]{36})"', page)
    assert found and found.group(1) == api.rstrip("/").removesuffix("/api")
    with get_client(sync_client=True) as prefect:
        flow_run = prefect.read_flow_run(UUID(found.group(2)))
        deployment = prefect.read_deployment(flow_run.deployment_id)
    assert (deployment.name, flow_run.parameters["as_of"]) == ("daily", "2024-09-26")
    assert flow_run.state.type.value == "SCHEDULED"
    assert 'data-status="pending"' in page
    assert invoices(engine) == []  # the worker, not the console, runs it
