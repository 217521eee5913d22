"""Reminders before gatherings, coordinator meetings and the plans' due dates, on the
programme's calendar."""

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
    # coordinator meeting 2 on 2024-10-29, and the meeting plan due on 2024-10-31
    assert remind(engine, "2024-10-28") == 2


def test_only_contracted_and_active_cases_are_reminded(engine: Engine) -> None:
    activate(engine, "0301")
    apply_case(engine, "5001")  # still applied
    assert remind(engine, "2024-09-18") == 1
    assert {m.case_id for m in reminders(engine)} == {1}


# --- the plans' due dates -------------------------------------------------------------------


def plan_reminders(engine: Engine) -> list[Message]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(Message).where(Message.template == "plan_reminder").order_by(Message.id)
            )
        )


def with_programme_file(engine: Engine, tmp_path, old: str, new: str) -> None:  # noqa: ANN001
    from kulturskole.programme_file import parse_programme_file
    from kulturskole.services.programmes import load_programme
    from tests.builders.programmes import PROGRAMME_FILE

    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    assert old in text
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace(old, new), encoding="utf-8")
    with unit_of_work(engine) as session:
        load_programme(session, parse_programme_file(changed))


def test_each_plan_is_reminded_two_weeks_before_its_due_date(engine: Engine) -> None:
    activate(engine)
    remind(engine, "2024-10-16")  # fifteen days before the meeting plan's 31 October
    assert plan_reminders(engine) == []
    remind(engine, "2024-10-17")
    [meeting] = plan_reminders(engine)
    assert meeting.idempotency_key == (
        "case/regionale-2024-2025/0301/plan-reminder/meeting-plan/2024-10-31"
    )
    assert [r["address"] for r in meeting.to] == [GROUP[0][1]]  # the coordinator
    assert meeting.subject == (
        "Påminnelse: møteplanen skal leveres innen 31. oktober 2024 – Oslo kommune"
    )
    assert "langsiktig møteplan for arbeidet mellom fellessamlingene innen torsdag 31. oktober " \
        "2024." in meeting.text_body  # fmt: skip
    remind(engine, "2024-10-20")
    remind(engine, "2024-10-31")  # re-runs up to the due date: the key holds
    assert len(plan_reminders(engine)) == 1
    remind(engine, "2025-01-17")  # the development plan, due 31 January 2025
    [_, development] = plan_reminders(engine)
    assert development.idempotency_key.endswith("/plan-reminder/development-plan/2025-01-31")
    assert "utviklingsplanen for programperioden innen fredag 31. januar 2025" in (
        development.text_body
    )


def test_a_plan_recorded_delivered_is_not_reminded(engine: Engine) -> None:
    from datetime import date

    from kulturskole.obligations.deliverables import deliver

    activate(engine)
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        deliver(session, case, "meeting-plan", date(2024, 10, 10), acting("2024-10-10"))
    remind(engine, "2024-10-17")
    remind(engine, "2025-01-17")
    assert [m.idempotency_key.rsplit("/", 2)[1] for m in plan_reminders(engine)] == [
        "development-plan"
    ]


def test_a_missed_run_catches_up_until_the_due_date_but_never_after_it(engine: Engine) -> None:
    activate(engine)
    remind(engine, "2024-10-31")  # the due date itself: still reminded
    remind(engine, "2025-02-01")  # the development plan's due date has passed: too late
    assert [m.idempotency_key.rsplit("/", 2)[1] for m in plan_reminders(engine)] == ["meeting-plan"]


def test_only_cases_taking_part_are_reminded_of_the_plans(engine: Engine) -> None:
    activate(engine, "0301")
    apply_case(engine, "5001")  # still applied
    remind(engine, "2024-10-17")
    assert [m.case_id for m in plan_reminders(engine)] == [1]


def test_the_days_before_and_the_due_dates_come_from_the_programme_file(
    engine: Engine,
    tmp_path,  # noqa: ANN001
) -> None:
    activate(engine)
    with_programme_file(engine, tmp_path, "plan_days_before: 14", "plan_days_before: 7")
    remind(engine, "2024-10-23")
    assert plan_reminders(engine) == []
    remind(engine, "2024-10-24")
    assert len(plan_reminders(engine)) == 1
    # The council moves the due date: the new date is reminded (a new key), the old one is not
    # sent again.
    with_programme_file(
        engine, tmp_path, "meeting_plan_due: 2024-10-31", "meeting_plan_due: 2024-11-15"
    )
    remind(engine, "2024-11-01")
    assert [m.idempotency_key.rsplit("/", 1)[1] for m in plan_reminders(engine)] == [
        "2024-10-31",
        "2024-11-15",
    ]


def test_a_programme_without_plan_due_dates_sends_no_plan_reminders(
    engine: Engine,
    tmp_path,  # noqa: ANN001
) -> None:
    activate(engine)
    with_programme_file(engine, tmp_path, "  meeting_plan_due: 2024-10-31\n", "")
    remind(engine, "2024-10-17")
    assert plan_reminders(engine) == []


@pytest.mark.parametrize("days", ["0", "91", "to"])
def test_a_bad_number_of_days_before_a_plan_is_refused(tmp_path, days: str) -> None:  # noqa: ANN001
    from kulturskole.errors import InvalidFile
    from kulturskole.programme_file import parse_programme_file
    from tests.builders.programmes import PROGRAMME_FILE

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        PROGRAMME_FILE.read_text(encoding="utf-8").replace(
            "plan_days_before: 14", f"plan_days_before: {days}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(InvalidFile, match="plan_days_before: Input should be"):
        parse_programme_file(bad)
