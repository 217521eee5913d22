"""monitor-obligations on the real Prefect engine: a paused run resumed with a decision."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from uuid import UUID

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.obligations import breaches
from kulturskole.services import cases as service
from models import Breach, HistoryEntry
from tests.builders.invoicing import on
from tests.builders.obligations import absent_from_first_gathering
from tests.support.cli import run

pytestmark = [pytest.mark.usefixtures("programme_loaded", "prefect_harness"), pytest.mark.slow]


@pytest.fixture
def overdue(engine: Engine) -> int:
    """0301 active, absent from the first gathering, the grace period over on 2024-10-11."""
    return absent_from_first_gathering(engine)


def paused_run(engine: Engine, breach_id: int, timeout: float = 60) -> UUID:
    """The flow run that waits for a decision on the breach, once Prefect has paused it."""
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with unit_of_work(engine, readonly=True) as session:
            run_id = session.get(Breach, breach_id).awaiting_flow_run_id
        if run_id:
            with get_client(sync_client=True) as client:
                state = client.read_flow_run(UUID(run_id)).state
            if state is not None and state.is_paused():
                return UUID(run_id)
        time.sleep(0.2)
    raise AssertionError("no paused run")


def start_monitor(result: dict) -> threading.Thread:
    from flows.obligations import monitor_obligations

    def work() -> None:
        result["value"] = monitor_obligations(
            as_of=date(2024, 10, 11), ask=True, decision_timeout_seconds=60
        )

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def state_of(engine: Engine) -> str:
    with unit_of_work(engine, readonly=True) as session:
        return service.find_case(session, "0301").state


def test_approval_given_to_the_paused_run_terminates(engine: Engine, overdue: int) -> None:
    from prefect.flow_runs import resume_flow_run

    result: dict = {}
    thread = start_monitor(result)
    run_id = paused_run(engine, overdue)
    assert state_of(engine) == "active"  # waiting: nothing happens without a decision
    resume_flow_run(
        run_id,
        run_input={
            "approve": True,
            "reason": "Ingen deltakelse",
            "decided_by": "leder@kulturskoleradet.no",
        },
    )
    thread.join(60)
    assert result["value"]["decided"][0]["applied"] is True
    assert state_of(engine) == "terminated"
    with unit_of_work(engine, readonly=True) as session:
        decided = session.scalars(
            select(HistoryEntry).where(HistoryEntry.action == "breach-decided")
        ).one()
    assert decided.flow_run_id == str(run_id)
    assert decided.details["decided_by"] == "leder@kulturskoleradet.no"


def test_rejection_given_to_the_paused_run_keeps_the_case(engine: Engine, overdue: int) -> None:
    from prefect.flow_runs import resume_flow_run

    result: dict = {}
    thread = start_monitor(result)
    resume_flow_run(
        paused_run(engine, overdue),
        run_input={
            "approve": False,
            "reason": "Ny plan avtalt",
            "decided_by": "leder@kulturskoleradet.no",
        },
    )
    thread.join(60)
    assert state_of(engine) == "active"
    with unit_of_work(engine, readonly=True) as session:
        breach = session.get(Breach, overdue)
    assert (breach.status, breach.decision, breach.remedy_by) == (
        "open",
        "reject",
        date(2024, 10, 25),
    )


def decide(cli, breach: int, choice: str, reason: str, as_of: str):  # noqa: ANN001, ANN201
    """`kulturskole breaches decide BREACH --approve|--reject --reason R --as-of D`."""
    return run(cli, "breaches", "decide", str(breach), choice, "--reason", reason, "--as-of", as_of)


def test_cli_decision_answers_the_waiting_run(engine: Engine, overdue: int, cli) -> None:  # noqa: ANN001
    result: dict = {}
    thread = start_monitor(result)
    paused_run(engine, overdue)
    decided = decide(cli, overdue, "--approve", "Ingen deltakelse", "2024-10-11")
    assert decided.exit_code == 0, decided.stderr
    assert "resumed the monitor-obligations run" in decided.stdout
    thread.join(60)
    assert result["value"]["decided"][0]["applied"] is False  # the CLI had already applied it
    assert state_of(engine) == "terminated"
    listed = json.loads(run(cli, "breaches", "list", "--json").stdout)
    assert {"id", "municipality", "rule", "status", "opened_on", "remedy_by"} <= set(listed[0])
    assert listed[0]["status"] == "terminated"


def test_run_obligations_lists_decisions_awaited_and_does_not_wait(
    engine: Engine,
    overdue: int,
    cli,  # noqa: ANN001
) -> None:
    result = run(cli, "run", "obligations", "--as-of", "2024-10-11", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [d["id"] for d in summary["decisions_awaited"]] == [overdue]
    assert state_of(engine) == "active"
    refused = run(cli, "breaches", "decide", str(overdue), "--reason", "x")
    assert refused.exit_code == 2 and "--approve or --reject" in refused.stderr


def test_deciding_a_decided_breach_again_is_refused_and_changes_nothing(
    engine: Engine,
    overdue: int,
    cli,  # noqa: ANN001
) -> None:
    """It exited 0 saying "termination rejected" while nothing happened."""
    first = decide(cli, overdue, "--approve", "Ingen deltakelse", "2024-10-11")
    assert first.exit_code == 0, first.stderr
    with unit_of_work(engine, readonly=True) as session:
        entries = session.scalar(select(func.count()).select_from(HistoryEntry))
    again = decide(cli, overdue, "--reject", "Likevel ikke", "2024-10-12")
    assert again.exit_code == 2 and again.stdout == ""
    assert again.stderr.strip() == (
        f"error: breach {overdue} was decided before (it is terminated): nothing changed"
    )
    assert state_of(engine) == "terminated"
    with unit_of_work(engine, readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(HistoryEntry)) == entries
        breach = session.get(Breach, overdue)
        assert (breach.decision, breach.reason) == ("approve", "Ingen deltakelse")


def test_a_pause_that_times_out_leaves_everything_and_the_next_run_asks_again(
    engine: Engine, overdue: int
) -> None:
    from flows.obligations import monitor_obligations

    result = monitor_obligations(as_of=date(2024, 10, 11), ask=True, decision_timeout_seconds=2)
    assert result["decided"] == [] and [d["id"] for d in result["decisions_awaited"]] == [overdue]
    assert state_of(engine) == "active"
    with unit_of_work(engine, readonly=True) as session:
        breach = session.get(Breach, overdue)
    assert (breach.status, breach.decision, breach.awaiting_flow_run_id) == ("open", None, None)
    again = breaches.monitor(engine, on("2024-10-12"))
    assert [a["id"] for a in again.awaiting] == [overdue]


def test_run_lifecycle_activates_on_the_first_day(engine: Engine, cli) -> None:  # noqa: ANN001
    from tests.builders.cases import ready_for_contract
    from tests.builders.invoicing import fire

    ready_for_contract(engine, "4601")
    fire(engine, "4601", "contract", "2024-06-10")
    dry = json.loads(
        run(cli, "run", "lifecycle", "--as-of", "2024-08-01", "--dry-run", "--json").stdout
    )
    assert dry["activated"] == ["4601 Bergen"]
    result = run(cli, "run", "lifecycle", "--as-of", "2024-08-01")
    assert result.exit_code == 0 and "activated 1" in result.stdout
    status = json.loads(run(cli, "status", "--as-of", "2024-08-01", "--json").stdout)
    assert status["last_runs"]["programme-lifecycle"]["summary"]["activated"] == 1
