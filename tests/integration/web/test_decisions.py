"""Beslutninger: the proposed terminations, for every role; a decision made through the web is
the CLI's decision (the service, the history naming the logged-in person, the waiting run
resumed with the same answer)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.read.history import case_history
from models import Breach
from tests.builders.cases import state_of
from tests.builders.obligations import absent_from_first_gathering
from tests.builders.visits import history, row_counts
from tests.support.web import console, logged_in, post

pytestmark = pytest.mark.usefixtures("programme_loaded")
DAY = date(2024, 10, 11)  # the grace period of the breach below ended the day before
ADMIN = "admin@kulturskoleradet.no"


@pytest.fixture
def overdue(engine: Engine) -> int:
    """0301 active, absent from the first gathering; warned on 2024-09-26, remedy by 10 October."""
    return absent_from_first_gathering(engine)


def breach_of(engine: Engine, breach_id: int) -> Breach:
    with unit_of_work(engine, readonly=True) as session:
        return session.get(Breach, breach_id)


def decide(client, breach_id: int, decision: str = "approve", reason: str = "Ingen deltakelse"):  # noqa: ANN001, ANN201
    return post(
        client,
        f"/decisions/{breach_id}",
        {"decision": decision, "reason": reason, "back": "/decisions"},
        page="/decisions",
    )


@pytest.mark.parametrize("role", ["viewer", "finance", "admin"])
def test_every_role_sees_the_proposal_with_its_evidence_warning_and_grace(
    engine: Engine, overdue: int, role: str
) -> None:
    page = logged_in(engine, role, today=DAY).get("/decisions")
    assert page.status_code == 200
    html = page.text
    assert f'<article id="brudd-{overdue}" class="decision">' in html
    assert "Oslo" in html and "Deltakelse på fellessamlinger" in html
    assert "Kommunegruppen skal delta på alle fellessamlinger." in html  # the rule's text
    assert breach_of(engine, overdue).evidence["text"] in html
    assert "Åpnet 26. september 2024, frist 10. oktober 2024" in html
    assert "1 dag over fristen" in html
    assert "Varsel" in html and "til " in html  # the warning mail and whom it went to
    assert "Ingen kjøring venter" in html
    has_form = f'<form class="decide" method="post" action="/decisions/{overdue}">' in html
    assert has_form is (role == "admin")
    if role == "admin":
        assert 'name="decision" value="approve"' in html and "Godkjenn avslutning" in html
        assert 'name="decision" value="reject"' in html and "Avvis forslaget" in html
        assert '<textarea name="reason"' in html
        form = html[html.index('<form class="decide"') :]
        assert re.match(r'<form[^>]*>\s*<input type="hidden" name="csrf" value="[^"]+">', form)


def test_the_warning_shown_is_the_mail_queued_for_the_breach(engine: Engine, overdue: int) -> None:
    from kulturskole.read.decisions import decisions_awaited

    with unit_of_work(engine, readonly=True) as session:
        [row] = decisions_awaited(session, DAY)
    warning = row["warning"]
    assert warning is not None and warning["key"] == f"breach/{overdue}/warning"
    html = logged_in(engine, "viewer", today=DAY).get("/decisions").text
    assert warning["subject"] in html
    assert warning["to"][0] in html


def test_nothing_awaited_before_the_remedy_date(engine: Engine, overdue: int) -> None:
    html = logged_in(engine, "admin", today=DAY).get("/decisions?as_of=2024-10-10").text
    assert "brudd-" not in html and "Ingen forslag om avslutning venter" in html


@pytest.mark.parametrize("role", ["viewer", "finance"])
def test_a_decision_by_viewer_or_finance_is_refused_and_changes_nothing(
    engine: Engine, overdue: int, role: str
) -> None:
    client = logged_in(engine, role, today=DAY)
    before = row_counts(engine)
    assert decide(client, overdue).status_code == 403
    assert row_counts(engine) == before
    assert state_of(engine) == "active" and breach_of(engine, overdue).decision is None


def test_a_decision_without_csrf_is_refused_and_changes_nothing(
    engine: Engine, overdue: int
) -> None:
    client = logged_in(engine, "admin", today=DAY)
    before = row_counts(engine)
    response = client.post(
        f"/decisions/{overdue}", data={"decision": "approve", "reason": "Ingen deltakelse"}
    )
    assert response.status_code == 403
    assert row_counts(engine) == before and state_of(engine) == "active"


def test_a_decision_without_login_goes_to_the_login_page(engine: Engine, overdue: int) -> None:
    response = console(engine, DAY).post(f"/decisions/{overdue}", data={"decision": "approve"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert state_of(engine) == "active"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decision_needs_a_reason(engine: Engine, overdue: int, reason: str) -> None:
    client = logged_in(engine, "admin", today=DAY)
    before = row_counts(engine)
    response = decide(client, overdue, reason=reason)
    assert response.status_code == 303 and response.headers["location"] == "/decisions"
    assert "Skriv en begrunnelse for beslutningen" in client.get("/decisions").text
    assert row_counts(engine) == before and state_of(engine) == "active"


def test_a_decision_must_be_approve_or_reject(engine: Engine, overdue: int) -> None:
    client = logged_in(engine, "admin", today=DAY)
    before = row_counts(engine)
    decide(client, overdue, decision="maybe")
    assert "Velg «Godkjenn avslutning» eller «Avvis forslaget»" in client.get("/decisions").text
    assert row_counts(engine) == before


def test_approval_terminates_and_the_history_names_the_logged_in_person(
    engine: Engine, overdue: int
) -> None:
    client = logged_in(engine, "admin", today=DAY)
    response = decide(client, overdue)
    assert response.status_code == 303 and response.headers["location"] == "/decisions"
    assert state_of(engine) == "terminated"
    breach = breach_of(engine, overdue)
    assert (breach.status, breach.decision, breach.decided_by) == ("terminated", "approve", ADMIN)
    [decided] = history(engine, "breach-decided")
    assert decided["details"]["decided_by"] == ADMIN and decided["reason"] == "Ingen deltakelse"
    with unit_of_work(engine, readonly=True) as session:
        entries = case_history(session, "0301")
    decided_entry = next(e for e in entries if e["action"] == "breach-decided")
    terminated = next(e for e in entries if e["action"] == "terminate")
    assert decided_entry["actor"] == terminated["actor"] == ADMIN
    assert decided_entry["effective_on"] == terminated["effective_on"] == DAY.isoformat()
    page = client.get("/decisions").text
    assert "Avslutning godkjent for 0301 Oslo" in page
    assert f"brudd-{overdue}" not in page  # no longer awaited
    assert ADMIN in page and "Ingen deltakelse" in page  # among the decisions taken


def test_rejection_keeps_the_case_and_gives_a_new_grace_period(
    engine: Engine, overdue: int
) -> None:
    client = logged_in(engine, "admin", today=DAY)
    decide(client, overdue, decision="reject", reason="Ny plan avtalt")
    assert state_of(engine) == "active"
    breach = breach_of(engine, overdue)
    assert (breach.status, breach.decision, breach.remedy_by) == (
        "open",
        "reject",
        date(2024, 10, 25),
    )
    page = client.get("/decisions").text
    assert "Ny frist for retting: 25. oktober 2024" in page
    assert "Forslaget avvist" in page and "Ny plan avtalt" in page


def test_a_second_decision_on_the_same_breach_is_refused_in_norwegian(
    engine: Engine, overdue: int
) -> None:
    client = logged_in(engine, "admin", today=DAY)
    decide(client, overdue)
    before = row_counts(engine)
    decide(client, overdue, decision="reject", reason="For sent")
    assert f"Brudd {overdue} er ikke lenger åpent (avtalen avsluttet)" in client.get("/").text
    assert row_counts(engine) == before


def test_an_unknown_breach_is_refused(engine: Engine, overdue: int) -> None:
    client = logged_in(engine, "admin", today=DAY)
    decide(client, overdue + 100)
    assert f"Fant ikke brudd {overdue + 100}" in client.get("/decisions").text


def test_the_waiting_run_is_resumed_with_the_decision(
    engine: Engine, overdue: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = "6f1c1c1e-0000-4000-8000-000000000001"
    with unit_of_work(engine) as session:
        session.get(Breach, overdue).awaiting_flow_run_id = run_id
    resumed: list = []
    monkeypatch.setattr(
        "kulturskole.decisions.resume_waiting_run",
        lambda run, **answer: resumed.append((run, answer)),
    )
    client = logged_in(engine, "admin", today=DAY)
    assert "står på pause og venter på denne beslutningen" in client.get("/decisions").text
    decide(client, overdue, reason="Ingen deltakelse")
    assert resumed == [(run_id, {"approve": True, "reason": "Ingen deltakelse", "by": ADMIN})]
    assert "er gjenopptatt" in client.get("/decisions").text
    assert breach_of(engine, overdue).awaiting_flow_run_id is None


def test_a_resume_that_fails_keeps_the_decision_and_says_so(
    engine: Engine, overdue: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(engine) as session:
        session.get(Breach, overdue).awaiting_flow_run_id = "6f1c1c1e-0000-4000-8000-000000000002"
    monkeypatch.setattr(
        "kulturskole.decisions.resume_waiting_run", lambda run, **answer: "RuntimeError: borte"
    )
    client = logged_in(engine, "admin", today=DAY)
    decide(client, overdue)
    assert state_of(engine) == "terminated"
    assert "kunne ikke gjenopptas: RuntimeError: borte" in client.get("/decisions").text


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_the_lists_download_as_csv_and_excel(engine: Engine, overdue: int, form: str) -> None:
    client = logged_in(engine, "admin", today=DAY)
    awaited = client.get(f"/decisions?format={form}")
    assert awaited.status_code == 200
    assert f'filename="venter-paa-beslutning.{form}"' in awaited.headers["content-disposition"]
    decide(client, overdue)
    taken = client.get(f"/decisions?list=decided&format={form}")
    assert f'filename="beslutninger.{form}"' in taken.headers["content-disposition"]
    if form == "csv":
        text = awaited.content.decode("utf-8-sig")
        assert text.startswith("Brudd;Kommunenummer;Kommune;Regel;Bevis")
        assert f"{overdue};0301;Oslo;Deltakelse på fellessamlinger" in text
        assert ADMIN in taken.content.decode("utf-8-sig")
    else:
        rows = list(load_workbook(io.BytesIO(awaited.content)).active.values)
        assert rows[0][:3] == ("Brudd", "Kommunenummer", "Kommune") and rows[1][1] == "0301"
        decided_rows = list(load_workbook(io.BytesIO(taken.content)).active.values)
        assert decided_rows[1][5] == ADMIN
