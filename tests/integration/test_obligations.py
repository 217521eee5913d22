"""Obligation rules, breaches and termination decisions, through the service layer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput
from kulturskole.history import verify
from kulturskole.invoicing import issuing
from kulturskole.obligations import breaches
from kulturskole.obligations.attendance import record_attendance
from kulturskole.obligations.deliverables import deliver
from kulturskole.services import cases as service
from models import Base, Breach, HistoryEntry, Invoice, Message, Visit
from tests.builders.cases import GROUP
from tests.builders.invoicing import active, on

pytestmark = pytest.mark.usefixtures("programme_loaded")
COORDINATOR = GROUP[0][1]


def attend(
    engine: Engine, event: str, present: int, members: list[str], day: str, number: str = "0301"
) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        record_attendance(session, case, event, present, members, on(day))


def monitor(engine: Engine, day: str, **kwargs: bool) -> breaches.MonitorReport:
    return breaches.monitor(engine, on(day), **kwargs)


def open_rules(engine: Engine) -> list[str]:
    with unit_of_work(engine, readonly=True) as session:
        return sorted(session.scalars(select(Breach.rule).where(Breach.status == "open")))


def warnings(engine: Engine) -> int:
    with unit_of_work(engine, readonly=True) as session:
        return session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.template == "obligation_warning")
        )


@pytest.fixture
def keeping(engine: Engine) -> str:
    """0301 active, the coordinator at coordinator meeting 1: every rule kept until Sept."""
    active(engine, "0301")
    attend(engine, "coordinator-meeting-1", 1, [COORDINATOR], "2024-08-22")
    return "0301"


def test_a_case_that_keeps_its_obligations_has_no_breach(engine: Engine, keeping: str) -> None:
    attend(engine, "joint-gathering-1", 4, [], "2024-09-26")
    report = monitor(engine, "2024-09-26")
    assert report.opened == [] and open_rules(engine) == []


def test_missing_gathering_opens_one_breach_warns_once_and_resolves(
    engine: Engine, keeping: str
) -> None:
    first = monitor(engine, "2024-09-26")
    assert [o["rule"] for o in first.opened] == ["gathering-attendance"]
    assert first.opened[0]["evidence"] == (
        "Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024."
    )
    assert first.opened[0]["remedy_by"] == "2024-10-10"  # 14 days' grace from the file
    assert warnings(engine) == 1
    again = monitor(engine, "2024-09-30")
    assert again.opened == [] and again.still_open == 1 and warnings(engine) == 1
    attend(engine, "joint-gathering-1", 4, [], "2024-10-01")  # corrected: the whole group
    fixed = monitor(engine, "2024-10-01")
    assert [r["rule"] for r in fixed.resolved] == ["gathering-attendance"]
    assert open_rules(engine) == []


def test_one_member_absent_from_a_gathering_is_a_breach_with_the_counts_as_evidence(
    engine: Engine, keeping: str
) -> None:
    attend(engine, "joint-gathering-1", 3, [], "2024-09-26")
    [opened] = monitor(engine, "2024-09-26").opened
    assert opened["rule"] == "gathering-attendance"
    assert opened["evidence"] == (
        "Bare tre av de fire i kommunegruppen deltok på fellessamling 1, 24.–25. september 2024."
    )
    with unit_of_work(engine, readonly=True) as session:
        breach = session.get(Breach, opened["id"])
        assert breach.evidence["required"] == "all"
        [gathering] = breach.evidence["gatherings"]
        assert (gathering["present"], gathering["group"], gathering["needed"]) == (3, 4, 4)
        assert (gathering["event"], gathering["start"], gathering["end"]) == (
            "joint-gathering-1",
            "2024-09-24",
            "2024-09-25",
        )
        warning = session.scalars(
            select(Message).where(Message.template == "obligation_warning")
        ).one()
        assert "Bare tre av de fire i kommunegruppen deltok på fellessamling 1" in warning.text_body


def test_the_group_is_counted_as_recorded_on_the_gatherings_first_day(
    engine: Engine, keeping: str
) -> None:
    with unit_of_work(engine) as session:  # a fifth member joins after the gathering
        case = service.find_case(session, "0301", for_update=True)
        service.set_member(
            session,
            case,
            on("2024-09-30"),
            name="Nils Ny",
            email="nils@kommune.example.no",
            phone=None,
            role="other",
        )
    attend(engine, "joint-gathering-1", 4, [], "2024-09-30")
    assert monitor(engine, "2024-10-01").opened == []


def relax_gatherings(engine: Engine, tmp_path, required: str) -> None:  # noqa: ANN001
    from kulturskole.programme_file import parse_programme_file
    from kulturskole.services.programmes import load_programme
    from tests.builders.programmes import PROGRAMME_FILE

    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    changed = tmp_path / "relaxed.yaml"
    changed.write_text(
        text.replace("gathering_attendance: {required: all}", required), encoding="utf-8"
    )
    with unit_of_work(engine) as session:
        load_programme(session, parse_programme_file(changed))


@pytest.mark.parametrize(
    "required", ["gathering_attendance: {required: 2}", "min_present_at_gatherings: 2"]
)
def test_a_council_that_relaxes_the_rule_to_two_gets_no_breach_for_two_present(
    engine: Engine,
    keeping: str,
    tmp_path,
    required: str,  # noqa: ANN001
) -> None:
    relax_gatherings(engine, tmp_path, required)
    attend(engine, "joint-gathering-1", 2, [], "2024-09-26")
    assert monitor(engine, "2024-09-26").opened == []
    attend(engine, "joint-gathering-1", 1, [], "2024-09-27")
    [opened] = monitor(engine, "2024-09-27").opened
    assert opened["evidence"] == (
        "Bare en av de fire i kommunegruppen deltok på fellessamling 1, 24.–25. september "
        "2024; minst to skal delta."
    )


def test_coordinator_must_be_at_each_coordinator_meeting(engine: Engine) -> None:
    active(engine, "0301")
    assert [o["rule"] for o in monitor(engine, "2024-08-22").opened] == ["coordinator-meetings"]
    attend(engine, "coordinator-meeting-1", 1, [GROUP[1][1]], "2024-08-23")  # someone else
    assert monitor(engine, "2024-08-23").resolved == []
    attend(engine, "coordinator-meeting-1", 2, [GROUP[1][1], COORDINATOR], "2024-08-24")
    assert [r["rule"] for r in monitor(engine, "2024-08-24").resolved] == ["coordinator-meetings"]


def test_group_below_four_or_without_school_owner_is_a_breach(engine: Engine, keeping: str) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.remove_member(session, case, on("2024-09-01"), GROUP[1][1])  # the school owner
    opened = monitor(engine, "2024-09-02").opened
    assert [o["rule"] for o in opened] == ["group-composition"]
    assert "3 deltakere" in opened[0]["evidence"] and "skoleeier" in opened[0]["evidence"]
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.set_member(
            session,
            case,
            on("2024-09-03"),
            name="Eva Eier",
            email=GROUP[1][1],
            phone=None,
            role="school-owner",
        )
    assert [r["rule"] for r in monitor(engine, "2024-09-03").resolved] == ["group-composition"]


def test_development_plan_not_delivered_by_its_due_date(engine: Engine, keeping: str) -> None:
    for event, day in (
        ("joint-gathering-1", "2024-09-26"),
        ("joint-gathering-2", "2024-11-28"),
        ("coordinator-meeting-2", "2024-10-30"),
        ("coordinator-meeting-3", "2025-01-24"),
    ):
        attend(
            engine,
            event,
            4 if "joint" in event else 1,
            [] if "joint" in event else [COORDINATOR],
            day,
        )
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        deliver(session, case, "meeting-plan", date(2024, 10, 20), on("2024-10-20"))
    assert monitor(engine, "2025-01-31").opened == []  # due that day
    assert [o["rule"] for o in monitor(engine, "2025-02-01").opened] == ["development-plan"]
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        deliver(session, case, "development-plan", date(2025, 2, 5), on("2025-02-05"))
    assert [r["rule"] for r in monitor(engine, "2025-02-05").resolved] == ["development-plan"]


def test_unpaid_invoice_is_a_warning_that_payment_resolves(engine: Engine, keeping: str) -> None:
    attend(engine, "joint-gathering-1", 4, [], "2024-09-26")
    attend(engine, "coordinator-meeting-2", 1, [COORDINATOR], "2024-10-30")
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        deliver(session, case, "meeting-plan", date(2024, 10, 20), on("2024-10-20"))
    issuing.run(engine, on("2024-09-26"))  # due 2024-10-26
    assert monitor(engine, "2024-11-25").opened == []  # 30 days past due, not more
    opened = monitor(engine, "2024-11-26").opened
    assert [o["rule"] for o in opened] == ["invoice-overdue"]
    from kulturskole.invoicing.ledger import record_payment

    with unit_of_work(engine) as session:
        record_payment(session, 240001, date(2024, 11, 27), on("2024-11-27"))
    assert [r["rule"] for r in monitor(engine, "2024-11-27").resolved] == ["invoice-overdue"]
    with unit_of_work(engine, readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Breach)) == 1


def test_waived_breach_is_not_reopened_for_the_same_evidence(engine: Engine, keeping: str) -> None:
    [opened] = monitor(engine, "2024-09-26").opened
    with unit_of_work(engine) as session:
        breaches.waive(session, opened["id"], "Flom stengte veiene", on("2024-09-27"))
    assert monitor(engine, "2024-09-28").opened == []
    with pytest.raises(InvalidInput, match="not open"), unit_of_work(engine) as session:
        breaches.waive(session, opened["id"], "igjen", on("2024-09-29"))


def test_dry_run_changes_nothing(engine: Engine, keeping: str) -> None:
    def everything() -> dict[str, int]:
        with unit_of_work(engine, readonly=True) as session:
            return {
                t.name: session.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
            }

    before = everything()
    report = monitor(engine, "2024-09-26", dry_run=True)
    assert [o["rule"] for o in report.opened] == ["gathering-attendance"]
    assert everything() == before


def overdue_breach(engine: Engine) -> int:
    [opened] = monitor(engine, "2024-09-26").opened
    report = monitor(engine, "2024-10-11")  # the grace period ended on 2024-10-10
    assert [a["id"] for a in report.awaiting] == [opened["id"]]
    return opened["id"]


def test_nobody_is_terminated_without_a_decision(engine: Engine, keeping: str) -> None:
    overdue_breach(engine)
    monitor(engine, "2024-12-01")
    with unit_of_work(engine, readonly=True) as session:
        assert service.find_case(session, "0301").state == "active"


def test_approved_termination_takes_effect_at_once_and_leaves_one_trail(
    engine: Engine, keeping: str, tmp_path
) -> None:
    from kulturskole.visits import scheduling
    from tests.builders.visits import ALL_AT_ONCE, import_advisors, invite_weeks_before

    import_advisors(engine, tmp_path, "Anne Berg,anne@kulturskoleradet.no,,03,,")
    invite_weeks_before(engine, tmp_path, ALL_AT_ONCE)  # visits before and after the decision
    scheduling.run(engine, on("2024-09-20"))
    attend(engine, "joint-gathering-1", 0, [], "2024-09-26")
    issuing.run(engine, on("2024-09-26"))
    breach_id = overdue_breach(engine)
    with unit_of_work(engine) as session:
        breach, applied = breaches.decide(
            session,
            breach_id,
            True,
            "Ingen deltakelse",
            "leder@kulturskoleradet.no",
            on("2024-10-11"),
        )
        assert applied and breach.status == "terminated"
    with unit_of_work(engine, readonly=True) as session:
        case = service.find_case(session, "0301")
        assert case.state == "terminated"
        visits = session.scalars(select(Visit).order_by(Visit.start)).all()
        entries = session.scalars(
            select(HistoryEntry).where(HistoryEntry.case_id == case.id).order_by(HistoryEntry.seq)
        ).all()
        assert list(verify(session)) == []
    past = [v for v in visits if v.start.date() <= date(2024, 10, 11)]
    future = [v for v in visits if v.start.date() > date(2024, 10, 11)]
    assert past and all(v.status == "scheduled" for v in past)
    assert future and all(v.status == "cancelled" for v in future)
    actions = [e.action for e in entries]
    decided = actions.index("breach-decided")
    assert actions[decided + 1] == "terminate"
    assert entries[decided].details["decided_by"] == "leder@kulturskoleradet.no"
    assert entries[decided].details["breach"] == breach_id
    # The termination's reason is read by the municipality: the obligation in words, no code
    assert entries[decided + 1].reason == (
        "Brudd på forpliktelsen om kommunegruppens deltakelse på fellessamlingene: Ingen deltakelse"
    )
    assert "visit-cancelled" in actions[decided + 1 :]
    # No further instalments; the first one stays.
    issuing.run(engine, on("2025-09-15"))
    with unit_of_work(engine, readonly=True) as session:
        assert [i.instalment for i in session.scalars(select(Invoice))] == [1]
        termination = session.scalars(
            select(Message).where(Message.template == "termination")
        ).one()
    assert termination.to[0]["address"] == COORDINATOR


def test_rejected_termination_keeps_the_case_and_gives_a_new_grace_period(
    engine: Engine, keeping: str
) -> None:
    breach_id = overdue_breach(engine)
    with unit_of_work(engine) as session:
        breach, _ = breaches.decide(
            session,
            breach_id,
            False,
            "Ny koordinator på plass",
            "leder@kulturskoleradet.no",
            on("2024-10-11"),
        )
        assert (breach.status, breach.remedy_by) == ("open", date(2024, 10, 25))
    assert monitor(engine, "2024-10-20").awaiting == []  # not asked again within the new period
    with unit_of_work(engine, readonly=True) as session:
        assert service.find_case(session, "0301").state == "active"


def test_a_decision_needs_a_reason_and_an_open_breach(engine: Engine, keeping: str) -> None:
    breach_id = overdue_breach(engine)
    with pytest.raises(InvalidInput, match="reason"), unit_of_work(engine) as session:
        breaches.decide(session, breach_id, True, " ", "x", on("2024-10-11"))
    with unit_of_work(engine) as session:
        breaches.waive(session, breach_id, "Avklart", on("2024-10-11"))
    with pytest.raises(InvalidInput, match="waived"), unit_of_work(engine) as session:
        breaches.decide(session, breach_id, True, "for sent", "x", on("2024-10-12"))


def test_coordinators_own_termination_has_the_same_effects(engine: Engine, keeping: str) -> None:
    monitor(engine, "2024-09-26")
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(
            session,
            case,
            "terminate",
            on("2024-09-30"),
            reason="Kommunen trekker seg",
            initiated_by="coordinator",
        )
    assert open_rules(engine) == []  # its breaches end with it
