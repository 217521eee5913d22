"""Kjøringer without starting Prefect: the page and the past runs for every role, refusals (role,
CSRF, a run already going, an unknown flow or job), the notifications preview from the outbox,
and runs created from their deployment when a Prefect server is configured (Prefect stubbed).
The runs themselves, on the real engine: tests/e2e/test_web_runs.py."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.web import jobs
from models import RunRecord
from tests.builders.visits import row_counts
from tests.support.web import logged_in, post

pytestmark = pytest.mark.usefixtures("programme_loaded")
DAY = date(2025, 2, 14)


@pytest.fixture
def recorded(engine: Engine) -> str:
    """One invoicing run recorded as a flow records it."""
    run_id = str(uuid.uuid4())
    with unit_of_work(engine) as session:
        session.add(
            RunRecord(
                flow="invoicing",
                programme_id="regionale-2024-2025",
                as_of=DAY,
                dry_run=False,
                flow_run_id=run_id,
                summary={"issued": 3, "total": "20000.01", "already_invoiced": 0, "skipped": 1},
            )
        )
    return run_id


@pytest.mark.parametrize("role", ["viewer", "finance", "admin"])
def test_every_role_sees_the_past_runs(engine: Engine, recorded: str, role: str) -> None:
    page = logged_in(engine, role, today=DAY).get("/runs")
    assert page.status_code == 200
    assert "Fakturering" in page.text and "14. februar 2025" in page.text
    assert "Fakturaer: 3 · Beløp i alt: 20\u00a0000,01\u00a0kr · Hoppet over: 1<" in page.text
    form = '<form id="run-form" method="post" action="/runs/preview"'
    assert (form in page.text) is (role == "admin")
    if role == "admin":
        for value in ("invoicing", "visits", "obligations", "lifecycle", "notifications"):
            assert f'<option value="{value}"' in page.text
        assert 'type="date" name="as_of" value="2025-02-14"' in page.text
        assert "Forhåndsvis" in page.text
        html = page.text[page.text.index(form) :]
        assert re.match(r'<form[^>]*>\s*<input type="hidden" name="csrf" value="[^"]+">', html)


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_past_runs_download(engine: Engine, recorded: str, form: str) -> None:
    response = logged_in(engine, "viewer").get(f"/runs?format={form}")
    assert f'filename="kjoringer.{form}"' in response.headers["content-disposition"]
    if form == "csv":
        text = response.content.decode("utf-8-sig")
        assert text.startswith("Flyt;Per dato;Ferdig") and "Fakturering;2025-02-14" in text
    else:
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        assert rows[1][:2] == ("Fakturering", "2025-02-14") and rows[1][5] == recorded


@pytest.mark.parametrize("path", ["/runs/preview", "/runs/start"])
@pytest.mark.parametrize("role", ["viewer", "finance"])
def test_viewer_and_finance_may_not_preview_or_run(engine: Engine, role: str, path: str) -> None:
    client = logged_in(engine, role, today=DAY)
    before = row_counts(engine)
    response = post(client, path, {"flow": "invoicing", "as_of": "2025-02-14"}, page="/runs")
    assert response.status_code == 403
    assert row_counts(engine) == before and client.app.state.jobs == {}


@pytest.mark.parametrize("path", ["/runs/preview", "/runs/start"])
def test_preview_and_run_without_csrf_are_refused(engine: Engine, path: str) -> None:
    client = logged_in(engine, "admin", today=DAY)
    before = row_counts(engine)
    response = client.post(path, data={"flow": "invoicing", "as_of": "2025-02-14"})
    assert response.status_code == 403
    assert row_counts(engine) == before and client.app.state.jobs == {}


def test_an_unknown_flow_or_date_is_refused_in_norwegian(engine: Engine) -> None:
    client = logged_in(engine, "admin", today=DAY)
    post(client, "/runs/start", {"flow": "everything", "as_of": "2025-02-14"}, page="/runs")
    assert "Velg en flyt: Fakturering" in client.get("/runs").text
    post(client, "/runs/preview", {"flow": "invoicing", "as_of": "14.02.2025"}, page="/runs")
    assert "er ikke en dato" in client.get("/runs").text
    assert client.app.state.jobs == {}


def test_a_second_run_is_refused_while_one_is_going(engine: Engine) -> None:
    client = logged_in(engine, "admin", today=DAY)
    going = jobs.Job("abc123", "visits", DAY, "annen@kulturskoleradet.no", "local", "running")
    client.app.state.jobs[going.id] = going
    assert "kjører nå" in client.get("/runs").text
    for path in ("/runs/start", "/runs/preview"):
        response = post(client, path, {"flow": "invoicing", "as_of": "2025-02-14"}, page="/runs")
        assert response.status_code == 303
        page = client.get("/runs").text
        assert "En kjøring pågår allerede: Veiledningsbesøk per 14. februar 2025" in page
        assert "startet av annen@kulturskoleradet.no" in page
    assert list(client.app.state.jobs) == ["abc123"]


def test_an_unknown_job_is_not_found(engine: Engine) -> None:
    response = logged_in(engine, "viewer").get("/runs/jobs/nope")
    assert response.status_code == 404 and "ikke kjent" in response.text


def test_the_notifications_preview_lists_the_due_mail_and_changes_nothing(
    engine: Engine,
) -> None:
    from tests.builders.cases import apply_case

    apply_case(engine, "4601")  # queues the receipt of the application
    client = logged_in(engine, "admin", today=DAY)
    before = row_counts(engine)
    page = post(
        client, "/runs/preview", {"flow": "notifications", "as_of": "2025-02-14"}, page="/runs"
    )
    assert page.status_code == 200
    assert '<section id="preview"' in page.text and "Sendes nå" in page.text
    assert "Bergen" in page.text  # the receipt's subject names the municipality
    assert '<form id="run-confirm" method="post" action="/runs/start"' in page.text
    assert '<input type="hidden" name="flow" value="notifications">' in page.text
    assert '<input type="hidden" name="as_of" value="2025-02-14">' in page.text
    assert ">Kjør</button>" in page.text
    assert row_counts(engine) == before


def test_with_a_prefect_server_the_run_is_created_from_its_deployment(
    engine: Engine, recorded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example:4200/api")
    created: list = []

    def create(deployment: str, as_of: date) -> str:
        created.append((deployment, as_of))
        return recorded

    states = iter([("SCHEDULED", "Scheduled"), ("RUNNING", "Running"), ("COMPLETED", "Completed")])
    monkeypatch.setattr(jobs, "create_deployment_run", create)
    monkeypatch.setattr(jobs, "read_prefect_state", lambda run_id: next(states))
    client = logged_in(engine, "admin", today=DAY)
    assert "opprettes fra sin deployment i Prefect" in client.get("/runs").text
    response = post(
        client, "/runs/start", {"flow": "invoicing", "as_of": "2025-02-14"}, page="/runs"
    )
    assert response.status_code == 303
    assert created == [("invoicing/daily", DAY)]
    job_url = response.headers["location"]
    page = client.get(job_url).text
    assert f'href="http://prefect.example:4200/runs/flow-run/{recorded}"' in page
    assert 'data-status="pending"' in page and "lagt i kø i Prefect" in page
    assert 'data-status="running"' in client.get(job_url + "?part=job").text
    done = client.get(job_url + "?part=job").text
    assert done.startswith('<div id="job" data-status="completed"') and "data-poll" not in done
    assert "Fakturaer" in done and "20\u00a0000,01\u00a0kr" in done  # from the flow's own RunRecord


@pytest.mark.parametrize(
    ("key", "deployment"),
    [
        ("invoicing", "invoicing/daily"),
        ("reminders", "payment-reminders/daily"),
        ("visits", "schedule-visits/weekly"),
        ("obligations", "monitor-obligations/daily"),
        ("lifecycle", "programme-lifecycle/daily"),
        ("notifications", "send-notifications/every-15-minutes"),
    ],
)
def test_each_flow_has_its_deployment_in_prefect_yaml(key: str, deployment: str) -> None:
    assert jobs.LAUNCHES[key].deployment() == deployment


def test_the_registry_keeps_only_the_latest_jobs() -> None:
    registry: dict = {}
    for number in range(jobs.KEEP + 5):
        job = jobs.Job(f"j{number}", "invoicing", DAY, "x", "local", "completed")
        jobs._remember(registry, job)
    assert len(registry) == jobs.KEEP and "j0" not in registry and f"j{jobs.KEEP + 4}" in registry


def _wait(client, url: str) -> str:  # noqa: ANN001
    import time

    for _ in range(200):
        fragment = client.get(f"{url}?part=job").text
        if 'data-status="completed"' in fragment or 'data-status="failed"' in fragment:
            return fragment
        time.sleep(0.05)
    raise AssertionError("the job did not end")


def test_a_run_here_goes_in_the_background_and_its_page_follows_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    release = threading.Event()
    result = {"programme": "p", "as_of": "2025-02-14", "dry_run": False, "scheduled": 1,
              "unplaced": [], "skipped_windows": [], "advisors_assigned": [],
              "already_scheduled": 0,
              "visits": [{"window": "visit-1", "municipality": "4601", "name": "Bergen",
                          "start": "2025-02-20T09:00:00+01:00", "mode": "physical",
                          "advisor": "v@kulturskoleradet.no"}]}  # fmt: skip

    def call(self, as_of: date, dry_run: bool) -> dict:  # noqa: ANN001
        assert (self.key, as_of, dry_run) == ("visits", DAY, False)
        release.wait(10)
        return result

    monkeypatch.setattr(jobs.Launch, "call", call)
    client = logged_in(engine, "admin", today=DAY)
    started = post(client, "/runs/start", {"flow": "visits", "as_of": "2025-02-14"}, page="/runs")
    url = started.headers["location"]
    page = client.get(url).text
    assert 'data-poll="' in page and "Startet" in page and "admin@kulturskoleradet.no" in page
    assert re.search(r'data-status="(pending|running)"', page)
    refused = post(client, "/runs/start", {"flow": "visits", "as_of": "2025-02-14"}, page="/runs")
    assert refused.status_code == 303 and "En kjøring pågår allerede" in client.get("/runs").text
    release.set()
    done = _wait(client, url)
    assert "Dette gjorde kjøringen" in done and "Bergen" in done and "20.02.2025 kl. 09.00" in done
    assert "fysisk" in done and "data-poll" not in done


def test_a_failed_run_shows_its_error(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def call(self, as_of: date, dry_run: bool) -> dict:  # noqa: ANN001
        raise RuntimeError("databasen svarte ikke")

    monkeypatch.setattr(jobs.Launch, "call", call)
    client = logged_in(engine, "admin", today=DAY)
    started = post(
        client, "/runs/start", {"flow": "lifecycle", "as_of": "2025-02-14"}, page="/runs"
    )
    done = _wait(client, started.headers["location"])
    assert 'data-status="failed"' in done
    assert "Kjøringen feilet: RuntimeError: databasen svarte ikke" in done
    assert 'class="job-status job-failed">Feilet' in client.get("/runs").text


def test_a_preview_that_fails_says_so_and_changes_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def call(self, as_of: date, dry_run: bool) -> dict:  # noqa: ANN001
        raise RuntimeError("Failed to reach API")

    monkeypatch.setattr(jobs.Launch, "call", call)
    client = logged_in(engine, "admin", today=DAY)
    before = row_counts(engine)
    response = post(
        client, "/runs/preview", {"flow": "visits", "as_of": "2025-02-14"}, page="/runs"
    )
    assert response.status_code == 303
    assert "Prøvekjøringen feilet: RuntimeError: Failed to reach API" in client.get("/runs").text
    assert row_counts(engine) == before
