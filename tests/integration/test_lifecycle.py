"""The programme's calendar: start, completion, reminders; and the status overview."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from kulturskole import lifecycle
from kulturskole.db import unit_of_work
from kulturskole.obligations import breaches
from kulturskole.services import cases as service
from models import Message
from notifications.reminders import queue_due_reminders
from tests.builders.cases import ready_for_contract
from tests.builders.invoicing import active, fire, on
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")


def states(engine: Engine) -> dict[str, str]:
    with unit_of_work(engine, readonly=True) as session:
        from models import Case

        return dict(session.execute(select(Case.municipality_number, Case.state)).all())


def test_contracted_cases_start_when_the_period_starts(engine: Engine) -> None:
    ready_for_contract(engine, "0301")
    fire(engine, "0301", "contract", "2024-06-10")
    assert lifecycle.advance(engine, on("2024-07-31")).activated == []
    report = lifecycle.advance(engine, on("2024-08-01"))
    assert report.activated == ["0301 Oslo"] and states(engine) == {"0301": "active"}
    with unit_of_work(engine, readonly=True) as session:
        assert session.scalars(
            select(Message.template).where(Message.template == "welcome")
        ).all() == ["welcome"]


def test_active_cases_complete_after_the_period_unless_a_breach_is_open(engine: Engine) -> None:
    active(engine, "0301", "5001")
    with unit_of_work(engine) as session:
        case = service.find_case(session, "5001", for_update=True)
        service.remove_member(session, case, on("2025-12-01"), "eva@kommune.example.no")
    report = breaches.monitor(engine, on("2025-12-02"))  # 5001 lost its school owner
    with unit_of_work(engine) as session:  # 0301's other breaches are settled
        for opened in report.opened:
            if opened["municipality"] == "0301":
                breaches.waive(session, opened["id"], "Avklart", on("2025-12-03"))
    assert lifecycle.advance(engine, on("2025-12-31")).completed == []
    dry = lifecycle.advance(engine, on("2026-01-05"), dry_run=True)
    assert dry.completed == ["0301 Oslo"] and states(engine)["0301"] == "active"
    report = lifecycle.advance(engine, on("2026-01-05"))
    assert report.completed == ["0301 Oslo"]
    assert [d["municipality"] for d in report.decision_needed] == ["5001"]
    assert states(engine) == {"0301": "completed", "5001": "active"}


def test_a_visit_is_reminded_once_a_week_before(engine: Engine, tmp_path) -> None:  # noqa: ANN001
    from kulturskole.visits import scheduling
    from tests.builders.visits import import_advisors

    import_advisors(engine, tmp_path, "Anne Berg,anne@kulturskoleradet.no,,03,,")
    active(engine, "0301")
    [first, *_] = scheduling.run(engine, on("2024-09-20")).scheduled
    day = first["start"][:10]
    from datetime import date, timedelta

    week_before = (date.fromisoformat(day) - timedelta(days=7)).isoformat()
    for as_of in (week_before, week_before):
        with unit_of_work(engine) as session:
            queue_due_reminders(session, on(as_of))
    with unit_of_work(engine, readonly=True) as session:
        keys = session.scalars(
            select(Message.idempotency_key).where(
                Message.template == "reminder", Message.idempotency_key.like("%visit-%")
            )
        ).all()
    assert keys == [f"case/regionale-2024-2025/0301/reminder/visit-{first['id']}"]


def test_status_overview_says_where_the_programme_stands(engine: Engine, cli) -> None:  # noqa: ANN001
    active(engine, "0301", "5001")
    fire(
        engine, "5001", "terminate", "2024-09-01", reason="Trekker seg", initiated_by="coordinator"
    )
    result = run(cli, "status", "--as-of", "2024-09-26", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cases"]["active"] == 1 and data["cases"]["terminated"] == 1
    assert data["instalments_due"] == {"count": 1, "amount": "6666.67"}
    assert data["next_events"][0]["id"] == "visit-window-1"
    assert set(data["last_runs"]) == {
        "programme-day",
        "programme-lifecycle",
        "schedule-visits",
        "invoicing",
        "payment-reminders",
        "monitor-obligations",
        "send-notifications",
    }
    assert data["mail"]["queued"] > 0
