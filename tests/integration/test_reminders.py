"""Reminders before gatherings and coordinator meetings, on the programme's calendar."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.services import cases as service
from models import Message
from notifications.reminders import queue_due_reminders
from tests.builders.cases import GROUP, acting, apply_case, ready_for_contract

pytestmark = pytest.mark.usefixtures("programme_loaded")


def activate(engine: Engine, number: str = "0301") -> None:
    ready_for_contract(engine, number)
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        service.transition(session, case, "contract", acting("2024-06-10"))
        service.transition(session, case, "activate", acting("2024-08-01"))


def remind(engine: Engine, day: str) -> int:
    with unit_of_work(engine) as session:
        return queue_due_reminders(session, acting(day))


def reminders(engine: Engine) -> list[Message]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Message).where(Message.template == "reminder")))


def test_reminder_is_queued_from_seven_days_before_until_the_day_before(engine: Engine) -> None:
    activate(engine)
    assert remind(engine, "2024-09-16") == 0  # eight days before joint gathering 1
    assert remind(engine, "2024-09-17") == 1
    assert remind(engine, "2024-09-20") == 0  # already queued: the key holds
    [message] = reminders(engine)
    assert message.idempotency_key == "case/regionale-2024-2025/0301/reminder/joint-gathering-1"
    assert [r["address"] for r in message.to] == [GROUP[0][1]]  # the coordinator
    assert "Fellessamling 1" in message.subject or "Fellessamling 1" in message.text_body
    assert "24.–25. september 2024" in message.text_body


def test_missed_days_catch_up_but_not_after_the_event_started(engine: Engine) -> None:
    activate(engine)
    assert remind(engine, "2024-09-24") == 0  # the gathering has begun: too late
    assert remind(engine, "2024-10-28") == 1  # coordinator meeting 2 on 2024-10-29


def test_only_contracted_and_active_cases_are_reminded(engine: Engine) -> None:
    activate(engine, "0301")
    apply_case(engine, "5001")  # still applied
    assert remind(engine, "2024-09-18") == 1
    assert {m.case_id for m in reminders(engine)} == {1}
