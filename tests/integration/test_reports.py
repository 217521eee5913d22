"""Reports: their JSON, run-record summary, artifact rows and log lines, from report objects
(no Prefect, no database); and a dry run — of a domain run or of a whole flow — writes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kulturskole import lifecycle
from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from kulturskole.invoicing.issuing import RunReport
from kulturskole.lifecycle import LifecycleReport
from kulturskole.obligations import breaches
from kulturskole.obligations.breaches import MonitorReport
from kulturskole.reports import DayReport
from kulturskole.visits import scheduling
from kulturskole.visits.scheduling import ScheduleReport
from models import Case, HistoryEntry, Municipality
from notifications.delivery import DeliveryReport
from tests.builders.cases import ready_for_contract
from tests.builders.invoicing import active, fire, on
from tests.builders.visits import TWO_ADVISORS, import_advisors, row_counts

DAY = date(2024, 9, 26)
OSLO = {"municipality": "0301", "name": "Oslo"}


def lifecycle_report() -> LifecycleReport:
    report = LifecycleReport("p", "2024-09-26", False, ["4601 Bergen"], ["0301 Oslo"])
    report.decision_needed.append(OSLO | {"reason": "an open breach"})
    return report


def monitor_report() -> MonitorReport:
    report = MonitorReport("p", DAY, True, still_open=2)
    report.opened.append(OSLO | {"rule": "r", "id": 1, "evidence": "e", "remedy_by": "2024-10-10"})
    report.resolved.append(OSLO | {"rule": "s", "id": 2})
    report.awaiting.append(OSLO | {"rule": "t", "id": 3, "status": "open"})
    return report


def invoicing_report(dry_run: bool = False) -> RunReport:
    report = RunReport("p", DAY, dry_run, already_invoiced=1)
    planned = OSLO | {"instalment": 1, "event": "g", "amount_ore": 666667, "amount": "6666.67"}
    report.issued += [planned | {"number": 7}, planned | {"number": 8, "warning": "no EHF"}]
    report.skipped.append(OSLO | {"instalment": 2, "reason": "terminated"})
    return report


def schedule_report() -> ScheduleReport:
    report = ScheduleReport("p", DAY, False, existing=3)
    where = OSLO | {"window": "w1"}
    report.scheduled.append(where | {"advisor": "a@x", "mode": "physical", "start": "T", "id": 5})
    report.unplaced.append(where | {"reason": "full", "advisor": "a@x"})
    report.skipped_windows.append({"window": "w4", "title": "W", "reason": "tentative"})
    report.assigned.append({"municipality": "0301", "advisor": "a@x"})
    return report


def delivery_report() -> DeliveryReport:
    return DeliveryReport("files", sent=[1, 2], retrying=[(3, "busy")], failed=[(4, "no")])


def test_report_json_keeps_todays_keys_in_todays_order() -> None:
    assert list(lifecycle_report().as_json()) == [
        "programme",
        "as_of",
        "dry_run",
        "activated",
        "completed",
        "decision_needed",
    ]
    assert monitor_report().as_json() == {
        "programme": "p",
        "as_of": "2024-09-26",
        "dry_run": True,
        "opened": [OSLO | {"rule": "r", "id": 1, "evidence": "e", "remedy_by": "2024-10-10"}],
        "resolved": [OSLO | {"rule": "s", "id": 2}],
        "still_open": 2,
        "decisions_awaited": [OSLO | {"rule": "t", "id": 3, "status": "open"}],
    }
    invoicing = invoicing_report().as_json()
    assert list(invoicing) == [
        "programme",
        "as_of",
        "dry_run",
        "issued",
        "total",
        "already_invoiced",
        "skipped",
        "invoices",
    ]
    assert (invoicing["issued"], invoicing["total"], len(invoicing["invoices"])) == (
        2,
        "13333.34",
        2,
    )
    visits = schedule_report().as_json()
    assert list(visits) == [
        "programme",
        "as_of",
        "dry_run",
        "scheduled",
        "unplaced",
        "skipped_windows",
        "advisors_assigned",
        "already_scheduled",
        "visits",
        "waiting_windows",  # added after: windows whose invitations are not due yet
    ]
    assert (visits["scheduled"], visits["already_scheduled"], visits["visits"][0]["id"]) == (
        1,
        3,
        5,
    )
    assert delivery_report().as_json() == {
        "mode": "files",
        "sent": 2,
        "retrying": 1,
        "failed": 1,
        "messages": [
            {"id": 1, "result": "sent"},
            {"id": 2, "result": "sent"},
            {"id": 3, "result": "retrying", "error": "busy"},
            {"id": 4, "result": "failed", "error": "no"},
        ],
    }


def test_what_the_flow_fills_in_appears_last_once_set() -> None:
    report = lifecycle_report()
    report.reminders_queued = 4
    assert (
        list(report.as_json())[-1] == "reminders_queued"
        and report.as_json()["reminders_queued"] == 4
    )
    monitor = monitor_report()
    monitor.decided = [{"breach": 3, "approve": True, "reason": "x", "decided_by": "y"}]
    assert list(monitor.as_json())[-1] == "decided"
    mail = delivery_report()
    mail.reminders_queued = 0
    assert list(mail.as_json())[-2:] == ["messages", "reminders_queued"]


def test_summaries_are_what_the_run_record_kept() -> None:
    report = lifecycle_report()
    report.reminders_queued = 4
    assert report.summary() == {
        "programme": "p",
        "as_of": "2024-09-26",
        "dry_run": False,
        "activated": 1,
        "completed": 1,
        "decision_needed": 1,
        "reminders_queued": 4,
    }
    monitor = monitor_report()
    monitor.decided = []
    assert monitor.summary() == {
        "opened": 1,
        "resolved": 1,
        "still_open": 2,
        "decisions_awaited": 1,
        "decided": 0,
    }
    assert invoicing_report().summary() == {
        "issued": 2,
        "total": "13333.34",
        "already_invoiced": 1,
        "skipped": 1,
    }
    assert list(schedule_report().summary().items()) == [
        ("scheduled", 1),
        ("unplaced", 1),
        ("already_scheduled", 3),
        ("skipped_windows", 1),
    ]
    mail = delivery_report()
    mail.reminders_queued = 2
    assert mail.summary() == {
        "mode": "files",
        "sent": 2,
        "retrying": 1,
        "failed": 1,
        "reminders_queued": 2,
    }


def test_artifact_rows_descriptions_and_log_lines() -> None:
    report = lifecycle_report()
    report.reminders_queued = 4
    assert report.artifact_table() == [
        {"municipality": "4601 Bergen", "change": "activated"},
        {"municipality": "0301 Oslo", "change": "completed"},
        {"municipality": "0301 Oslo", "change": "an open breach"},
    ]
    assert report.headline() == "1 activated, 1 completed, 1 need a decision, 4 reminders"
    assert report.artifact_description("programme-lifecycle", DAY) == (
        "programme-lifecycle as of 2024-09-26: 1 activated, 1 completed, 4 reminders queued"
    )
    invoicing = invoicing_report()
    assert invoicing.headline() == (
        "issued 2 invoices (NOK 13333.34); 1 already invoiced; 1 skipped"
    )
    assert invoicing.warnings() == ["no EHF"]
    assert [row["number"] for row in invoicing.artifact_rows()] == [7, 8, "-"]
    assert invoicing.artifact_rows()[2]["note"] == "skipped: terminated"
    assert (
        invoicing_report(dry_run=True)
        .artifact_description("invoicing", DAY)
        .startswith("invoicing p as of 2024-09-26: would issue 2 invoices, NOK 13333.34;")
    )
    visits = schedule_report()
    assert visits.warnings() == [
        "w4 skipped: tentative",
        "0301 Oslo not placed in w1: full",
    ]
    assert [row["note"] for row in visits.artifact_rows()] == [
        "",
        "not placed: full",
        "window skipped: tentative",
    ]
    monitor = monitor_report()
    assert monitor.headline() is None  # the monitor logs its proposals as it goes
    assert [row["what"] for row in monitor.artifact_rows()] == [
        "opened; remedy by 2024-10-10",
        "resolved",
        "termination proposed: decision awaited",
    ]
    assert delivery_report().headline() == "files: 2 sent, 1 to retry, 1 failed"


def test_a_report_with_nothing_to_say_has_one_row_saying_so() -> None:
    assert MonitorReport("p", DAY, False).artifact_table() == [
        {"breach": "-", "what": "all obligations kept"}
    ]
    assert RunReport("p", DAY, False).artifact_table() == [{"number": "-", "note": "nothing due"}]
    assert DeliveryReport("smtp").artifact_table() == [{"message": "-", "result": "nothing due"}]


def test_the_programme_day_report_sums_up_its_steps() -> None:
    day = DayReport(
        DAY,
        lifecycle_report(),
        schedule_report(),
        invoicing_report(),
        monitor_report(),
        5,
        delivery_report(),
    )
    data = day.as_json()
    assert list(data) == [
        "as_of",
        "summary",
        "lifecycle",
        "visits",
        "invoicing",
        "obligations",
        "mail",
    ]
    assert data["summary"] == {
        "activated": 1,
        "completed": 1,
        "visits_scheduled": 1,
        "visits_not_placed": 1,
        "invoices_issued": 2,
        "invoiced": "13333.34",
        "breaches_opened": 1,
        "breaches_resolved": 1,
        "decisions_awaited": 1,
        "reminders_queued": 5,
        "mail_sent": 2,
        "mail_failed": 1,
    }
    assert "reminders_queued" not in data["lifecycle"] and "decided" not in data["obligations"]
    assert day.artifact_rows()[0] == {"what": "activated", "count": 1}
    assert day.artifact_description("programme-day", DAY) == "programme-day 2024-09-26"


# --- a dry run writes nothing -------------------------------------------------------------------


def snapshot(engine: Engine) -> tuple:
    """Every table's row count, every case's state and advisor, and the history's length."""
    with unit_of_work(engine, readonly=True) as session:
        cases = session.execute(
            select(Case.municipality_number, Case.state, Case.advisor_id).order_by(Case.id)
        ).all()
        history = session.scalars(select(HistoryEntry.id)).all()
    return row_counts(engine), cases, len(history)


@pytest.fixture
def would_change(engine: Engine, programme_loaded: str, tmp_path: Path) -> Engine:
    """Two active cases without an advisor and one contracted case: on 2024-09-26 a real run
    would activate, schedule, invoice and open breaches."""
    active(engine, "0301", "1101")
    ready_for_contract(engine, "4601")
    fire(engine, "4601", "contract", "2024-06-10")
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    return engine


def test_a_dry_unit_of_work_keeps_nothing(engine: Engine) -> None:
    with unit_of_work(engine, dry_run=True) as session:
        session.add(
            Municipality(number="9999", name="Prøve", county_number="99", county_name="Prøve")
        )
        session.flush()
    with unit_of_work(engine, readonly=True) as session:
        assert session.get(Municipality, "9999") is None


def test_dry_runs_of_the_domain_runs_write_nothing(would_change: Engine) -> None:
    from flows.reminders import queue_reminders

    engine = would_change
    before = snapshot(engine)
    dry = on("2024-09-26")
    visits = scheduling.run(engine, on("2024-09-20"), dry_run=True)
    assert len(visits.scheduled) > 0 and len(visits.assigned) == 2
    assert len(issuing.run(engine, dry, dry_run=True).issued) > 0
    assert len(breaches.monitor(engine, dry, dry_run=True).opened) > 0
    assert lifecycle.advance(engine, dry, dry_run=True).activated == ["4601 Bergen"]
    assert snapshot(engine) == before

    [first, *_] = scheduling.run(engine, on("2024-09-20")).scheduled
    week_before = date.fromisoformat(first["start"][:10]) - timedelta(days=7)
    scheduled = snapshot(engine)
    would_queue = queue_reminders.fn(None, week_before, True, None)
    assert would_queue > 0 and snapshot(engine) == scheduled
    assert queue_reminders.fn(None, week_before, False, None) == would_queue
    assert snapshot(engine) != scheduled


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_dry_runs_of_the_flows_write_nothing_not_even_a_run_record(would_change: Engine) -> None:
    from flows.invoicing import invoicing
    from flows.lifecycle import programme_lifecycle
    from flows.obligations import monitor_obligations
    from flows.visits import schedule_visits

    engine = would_change
    before = snapshot(engine)
    assert schedule_visits(as_of=date(2024, 9, 20), dry_run=True)["scheduled"] > 0
    assert invoicing(as_of=DAY, dry_run=True)["issued"] > 0
    assert monitor_obligations(as_of=DAY, dry_run=True)["opened"]
    assert programme_lifecycle(as_of=DAY, dry_run=True)["activated"] == ["4601 Bergen"]
    assert snapshot(engine) == before
    programme_lifecycle(as_of=DAY)
    assert snapshot(engine)[0]["run_record"] == before[0]["run_record"] + 1
