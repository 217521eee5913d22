"""Two administrators firing conflicting triggers on one case: exactly one wins."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.errors import ConcurrentChange
from kulturskole.history import Acting
from kulturskole.services import cases as service
from models import HistoryEntry
from states.errors import TransitionNotAllowed
from tests.builders.cases import acting, ready_for_contract, state_of

pytestmark = pytest.mark.usefixtures("programme_loaded")


def active_case(engine: Engine) -> None:
    ready_for_contract(engine)
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, "contract", acting("2024-06-10"))
        service.transition(session, case, "activate", acting("2024-08-01"))


def transitions_of(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(HistoryEntry.action)
                .where(HistoryEntry.to_state.is_not(None))
                .order_by(HistoryEntry.seq)
            )
        )


def test_locked_case_makes_the_second_trigger_see_the_first(engine: Engine) -> None:
    """The first session holds the case's row lock while the second one asks for it."""
    active_case(engine)
    late = Acting(actor="second", as_of=date(2026, 1, 5))
    outcome: dict[str, BaseException | str] = {}
    first_holds_lock = threading.Event()

    def second() -> None:
        first_holds_lock.wait(10)
        try:
            with unit_of_work(engine) as session:
                case = service.find_case(session, "0301", for_update=True)
                outcome["second"] = service.transition(session, case, "complete", late)[1]
        except BaseException as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcome["second"] = exc

    thread = threading.Thread(target=second)
    thread.start()
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        first_holds_lock.set()
        thread.join(0.5)  # the second session must be waiting for the lock, not done
        assert thread.is_alive()
        service.transition(
            session,
            case,
            "terminate",
            acting("2024-10-01"),
            reason="Brudd på forpliktelsene",
            initiated_by="leadership",
        )
    thread.join(30)

    loser = outcome["second"]
    assert isinstance(loser, TransitionNotAllowed)
    assert "it is terminated" in str(loser)
    assert state_of(engine) == "terminated"
    assert transitions_of(engine) == ["apply", "select", "contract", "activate", "terminate"]


def test_stale_read_cannot_overwrite_a_newer_state(engine: Engine, backend: dict) -> None:
    """Without the row lock, the version column refuses the late writer (PostgreSQL only:
    SQLite serialises whole transactions, so two cannot interleave)."""
    if backend["name"] != "postgresql":
        pytest.skip("needs interleaving transactions (PostgreSQL)")
    active_case(engine)
    with unit_of_work(engine) as stale_session:
        stale = service.find_case(stale_session, "0301")  # read, no lock
        with unit_of_work(engine) as session:
            case = service.find_case(session, "0301", for_update=True)
            service.transition(
                session,
                case,
                "terminate",
                acting("2024-10-01"),
                reason="Brudd",
                initiated_by="coordinator",
            )
        with (
            pytest.raises(ConcurrentChange, match="someone else changed the same case"),
            unit_of_work(engine) as late_session,
        ):
            late_case = late_session.merge(stale, load=False)
            service.transition(
                late_session, late_case, "complete", Acting("late", date(2026, 1, 5))
            )
    assert state_of(engine) == "terminated"
    assert transitions_of(engine)[-1] == "terminate"
