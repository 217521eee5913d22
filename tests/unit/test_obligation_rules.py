"""The obligation rules over facts held in memory: what each rule sees, when it holds, and the
evidence it gives when it does not (no database: ``Facts`` is built by hand, as ``Facts.load``
builds it from the rows)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kulturskole.obligations.rules import CONTRACTED_RULES, RULE_TEXT, Facts, evaluate, rule_text
from models import Attendance, Invoice, Programme, Visit
from tests.builders.cases import GROUP
from tests.builders.programmes import PROGRAMME_FILE, programme_in_memory

PROGRAMME = programme_in_memory()
CASE = 1
OTHER = 2
COORDINATOR = GROUP[0][1]
CONTRACTED_ON = date(2024, 6, 10)
FULL_GROUP = [(role, email) for _, email, _, role in GROUP]


def present(event: str, count: int, *members: str) -> Attendance:
    return Attendance(case_id=CASE, event_id=event, present=count, members=list(members))


def facts(
    as_of: str,
    *attended: Attendance,
    roles: list[tuple[str, str | None]] | None = None,
    since: date | None = CONTRACTED_ON,
    programme: Programme = PROGRAMME,
    deliverables: dict[int, dict[str, date]] | None = None,
    missed_visits: dict[int, list[Visit]] | None = None,
    overdue: dict[int, list[Invoice]] | None = None,
) -> Facts:
    """The facts of one case, contracted on 10 June 2024 with the full group of four."""
    return Facts(
        as_of=date.fromisoformat(as_of),
        programme=programme,
        since={CASE: since} if since else {},
        attendance={CASE: {row.event_id: row for row in attended}},
        roles={CASE: FULL_GROUP if roles is None else roles},
        deliverables=deliverables or {},
        missed_visits=missed_visits or {},
        overdue=overdue or {},
    )


KEPT_UNTIL_OCTOBER = (
    present("coordinator-meeting-1", 1, COORDINATOR),
    present("joint-gathering-1", 4),
)


def broken(case_id: int, state: str, found: Facts) -> dict[str, object]:
    return {rule: f for rule, f in evaluate(case_id, state, found).items() if f is not None}


def test_an_active_case_that_kept_everything_is_checked_by_every_rule_and_breaks_none() -> None:
    findings = evaluate(CASE, "active", facts("2024-09-26", *KEPT_UNTIL_OCTOBER))
    assert set(findings) == set(RULE_TEXT)
    assert all(finding is None for finding in findings.values())


def test_a_contracted_case_is_held_only_to_the_group_composition() -> None:
    nothing_attended = facts("2024-09-26", roles=[("coordinator", COORDINATOR)])
    findings = evaluate(CASE, "contracted", nothing_attended)
    assert tuple(findings) == CONTRACTED_RULES == ("group-composition",)
    assert findings["group-composition"] is not None


def relaxed_to(tmp_path: Path, required: str) -> Programme:
    """The shipped programme with the gathering rule relaxed (``required: 2``) or spelt the
    older way (``min_present_at_gatherings: 2``)."""
    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    assert "  gathering_attendance: {required: all}\n" in text
    edited = tmp_path / "programme.yaml"
    edited.write_text(
        text.replace("  gathering_attendance: {required: all}\n", f"  {required}\n"),
        encoding="utf-8",
    )
    return programme_in_memory(edited)


def test_by_default_the_whole_group_must_be_at_each_gathering() -> None:
    whole = facts("2024-09-26", KEPT_UNTIL_OCTOBER[0], present("joint-gathering-1", 4))
    assert evaluate(CASE, "active", whole)["gathering-attendance"] is None
    one_absent = facts("2024-09-26", KEPT_UNTIL_OCTOBER[0], present("joint-gathering-1", 3))
    finding = evaluate(CASE, "active", one_absent)["gathering-attendance"]
    assert finding is not None
    assert finding.details == {
        "required": "all",
        "events": ["joint-gathering-1"],
        "gatherings": [
            {
                "event": "joint-gathering-1",
                "title": "Fellessamling 1: oppstart av regionale program",
                "start": "2024-09-24",
                "end": "2024-09-25",
                "present": 3,
                "group": 4,
                "needed": 4,
            }
        ],
    }
    assert finding.evidence == (
        "Bare tre av de fire i kommunegruppen deltok på fellessamling 1, 24.–25. september 2024."
    )


def test_more_present_than_the_group_keeps_the_rule() -> None:
    with_substitute = facts("2024-09-26", KEPT_UNTIL_OCTOBER[0], present("joint-gathering-1", 5))
    assert evaluate(CASE, "active", with_substitute)["gathering-attendance"] is None


def test_nobody_present_says_so_in_a_plain_sentence() -> None:
    nobody = facts("2024-09-26", KEPT_UNTIL_OCTOBER[0], present("joint-gathering-1", 0))
    finding = evaluate(CASE, "active", nobody)["gathering-attendance"]
    assert finding.evidence == (
        "Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024."
    )


def test_the_group_counted_is_the_one_recorded_on_the_gatherings_first_day() -> None:
    # Six members by 1 June; one left on 23 September, a new one joined on 26 September.
    found = facts("2024-09-26", KEPT_UNTIL_OCTOBER[0], present("joint-gathering-1", 5))
    found.group_changes[CASE] = [
        *((date(2024, 6, 1), member, True) for member in range(1, 7)),
        (date(2024, 9, 23), 6, False),
        (date(2024, 9, 26), 7, True),
    ]
    assert found.group_size(CASE, date(2024, 9, 24)) == 5
    assert found.group_size(CASE, date(2024, 9, 26)) == 6
    assert evaluate(CASE, "active", found)["gathering-attendance"] is None  # five of five
    found.group_changes[CASE].remove(
        (date(2024, 9, 23), 6, False)
    )  # nobody left: six in the group, five present
    finding = evaluate(CASE, "active", found)["gathering-attendance"]
    assert (finding.details["gatherings"][0]["group"], finding.evidence) == (
        6,
        "Bare fem av de seks i kommunegruppen deltok på fellessamling 1, 24.–25. september 2024.",
    )


def test_an_empty_group_still_needs_someone_at_the_gathering() -> None:
    nobody = facts("2024-09-26", KEPT_UNTIL_OCTOBER[0], present("joint-gathering-1", 0), roles=[])
    finding = evaluate(CASE, "active", nobody)["gathering-attendance"]
    assert finding is not None and finding.details["gatherings"][0]["needed"] == 1
    assert finding.evidence == (
        "Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024; "
        "minst en skal delta."
    )


def test_a_threshold_above_the_group_is_named_when_the_whole_group_came(tmp_path: Path) -> None:
    stricter = relaxed_to(tmp_path, "gathering_attendance: {required: 5}")
    four = facts(
        "2024-09-26",
        KEPT_UNTIL_OCTOBER[0],
        present("joint-gathering-1", 4),
        programme=stricter,
    )
    assert evaluate(CASE, "active", four)["gathering-attendance"].evidence == (
        "Bare fire fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024; "
        "minst fem skal delta."
    )


@pytest.mark.parametrize(
    "spelling", ["gathering_attendance: {required: 2}", "min_present_at_gatherings: 2"]
)
def test_a_relaxed_threshold_of_two_is_kept_by_two_present(tmp_path: Path, spelling: str) -> None:
    relaxed = relaxed_to(tmp_path, spelling)
    assert relaxed.rules.obligations.gathering_attendance.required == 2
    two = facts(
        "2024-09-26",
        KEPT_UNTIL_OCTOBER[0],
        present("joint-gathering-1", 2),
        programme=relaxed,
    )
    assert evaluate(CASE, "active", two)["gathering-attendance"] is None
    one = facts(
        "2024-09-26",
        KEPT_UNTIL_OCTOBER[0],
        present("joint-gathering-1", 1),
        programme=relaxed,
    )
    finding = evaluate(CASE, "active", one)["gathering-attendance"]
    assert finding.details["required"] == 2
    assert finding.details["gatherings"][0]["needed"] == 2
    assert finding.evidence == (
        "Bare en av de fire i kommunegruppen deltok på fellessamling 1, 24.–25. september "
        "2024; minst to skal delta."
    )


def test_a_gathering_without_recorded_attendance_counts_as_nobody_there() -> None:
    finding = evaluate(CASE, "active", facts("2024-09-26", KEPT_UNTIL_OCTOBER[0]))
    assert finding["gathering-attendance"] is not None
    assert finding["gathering-attendance"].details["gatherings"][0]["present"] == 0


def test_a_gathering_counts_only_once_it_has_ended() -> None:
    on_its_last_day = facts("2024-09-25", KEPT_UNTIL_OCTOBER[0])
    assert evaluate(CASE, "active", on_its_last_day)["gathering-attendance"] is None
    the_day_after = facts("2024-09-26", KEPT_UNTIL_OCTOBER[0])
    assert evaluate(CASE, "active", the_day_after)["gathering-attendance"] is not None


def test_events_that_ended_before_the_contract_do_not_count() -> None:
    contracted_in_october = facts("2024-10-02", since=date(2024, 10, 1))
    found = broken(CASE, "active", contracted_in_october)
    assert "gathering-attendance" not in found and "coordinator-meetings" not in found
    never_contracted = facts("2024-10-02", since=None)  # no contract date known: all count
    assert {"gathering-attendance", "coordinator-meetings"} <= set(
        broken(CASE, "active", never_contracted)
    )


def test_every_gathering_that_ended_short_is_listed_in_time_order() -> None:
    finding = evaluate(CASE, "active", facts("2025-02-14", present("joint-gathering-2", 4)))
    assert finding["gathering-attendance"].details["events"] == [
        "joint-gathering-1",
        "joint-gathering-3",
    ]


@pytest.mark.parametrize(
    ("members", "count", "kept"),
    [
        ((COORDINATOR,), 1, True),
        ((COORDINATOR.upper(),), 1, True),  # e-mail addresses match in any letter case
        ((GROUP[1][1],), 1, False),  # someone else went
        ((), 1, True),  # no names recorded: one present will do
        ((), 0, False),
    ],
    ids=["coordinator", "upper-case", "someone-else", "unnamed", "nobody"],
)
def test_the_coordinator_must_take_part_in_each_coordinator_meeting(
    members: tuple[str, ...], count: int, kept: bool
) -> None:
    meeting = present("coordinator-meeting-1", count, *members)
    finding = evaluate(CASE, "active", facts("2024-08-22", meeting))["coordinator-meetings"]
    assert (finding is None) is kept
    if not kept:
        assert finding.details == {"events": ["coordinator-meeting-1"]}
        assert (
            finding.evidence == "Koordinatoren deltok ikke på: Koordinatorsamling 1 (21.08.2024)."
        )


def test_a_meeting_without_any_attendance_row_is_missed() -> None:
    finding = evaluate(CASE, "active", facts("2024-08-22"))["coordinator-meetings"]
    assert finding is not None and finding.details["events"] == ["coordinator-meeting-1"]


@pytest.mark.parametrize(
    ("roles", "lacking"),
    [
        (FULL_GROUP[:3], ["3 deltakere, minst 4 trengs"]),
        (
            [("coordinator", "a@x.no"), ("coordinator", "b@x.no"), *FULL_GROUP[1:]],
            ["2 koordinatorer, én trengs"],
        ),
        ([("other", "a@x.no"), *FULL_GROUP[1:]], ["0 koordinatorer, én trengs"]),
        ([("other", "a@x.no"), FULL_GROUP[0], *FULL_GROUP[2:]], ["skoleeier er ikke"]),
        ([], ["0 deltakere", "0 koordinatorer", "skoleeier er ikke"]),
    ],
    ids=["three", "two-coordinators", "no-coordinator", "no-school-owner", "empty"],
)
def test_the_group_needs_four_members_one_coordinator_and_the_school_owner(
    roles: list[tuple[str, str | None]], lacking: list[str]
) -> None:
    finding = evaluate(CASE, "contracted", facts("2024-07-01", roles=roles))["group-composition"]
    assert finding is not None
    assert finding.evidence.startswith("Kommunegruppen: ")
    assert all(text in finding.evidence for text in lacking), finding.evidence
    assert finding.details == {
        "members": len(roles),
        "coordinators": [role for role, _ in roles].count("coordinator"),
        "school_owner": "school-owner" in [role for role, _ in roles],
    }


def test_the_full_group_keeps_the_composition_rule() -> None:
    assert evaluate(CASE, "contracted", facts("2024-07-01"))["group-composition"] is None


@pytest.mark.parametrize(
    ("rule", "due", "name"),
    [
        ("meeting-plan", date(2024, 10, 31), "Møteplanen"),
        ("development-plan", date(2025, 1, 31), "Utviklingsplanen"),
    ],
)
def test_a_plan_is_due_by_its_date_and_a_late_delivery_remedies_it(
    rule: str, due: date, name: str
) -> None:
    def finding(as_of: date, delivered: date | None = None) -> object:
        delivered_plans = {CASE: {rule: delivered}} if delivered else {}
        return evaluate(CASE, "active", facts(as_of.isoformat(), deliverables=delivered_plans))[
            rule
        ]

    assert finding(due) is None  # the due date itself is still in time
    late = finding(date.fromordinal(due.toordinal() + 1))
    assert late is not None
    assert late.evidence == f"{name} hadde frist {due:%d.%m.%Y} og er ikke levert."
    assert late.details == {"due": due.isoformat()}
    delivered_late = date.fromordinal(due.toordinal() + 5)
    assert finding(date.fromordinal(due.toordinal() + 6), delivered_late) is None


MISSED = Visit(
    id=7,
    case_id=CASE,
    start=datetime(2024, 10, 8, 8, 0, tzinfo=UTC),
    status="missed",
    reason="ingen møtte",
)


def test_a_missed_visit_is_a_finding_with_its_day_and_reason() -> None:
    found = facts("2024-10-09", missed_visits={CASE: [MISSED]})
    finding = evaluate(CASE, "active", found)["visit-missed"]
    assert finding is not None and finding.details == {"visits": [7]}
    assert finding.evidence == (
        "Veiledningsbesøk som ikke ble gjennomført: 08.10.2024 (ingen møtte)."
    )


def test_an_overdue_invoice_is_a_finding_with_its_number_and_due_date() -> None:
    invoice = Invoice(number=3, kind="invoice", status="sent", due_date=date(2024, 10, 26))
    finding = evaluate(CASE, "active", facts("2024-12-01", overdue={CASE: [invoice]}))[
        "invoice-overdue"
    ]
    assert finding is not None and finding.details == {"invoices": [3]}
    assert finding.evidence == "Ubetalt faktura: nr. 3, forfall 26.10.2024."


def test_one_cases_facts_do_not_count_for_another() -> None:
    both = facts("2024-09-26", *KEPT_UNTIL_OCTOBER, missed_visits={OTHER: [MISSED]})
    both.roles[OTHER] = []
    assert broken(CASE, "active", both) == {}
    assert {"gathering-attendance", "coordinator-meetings", "group-composition"} <= set(
        broken(OTHER, "active", both)
    )


def test_the_rule_text_names_the_programmes_group_size() -> None:
    assert rule_text("group-composition", PROGRAMME) == (
        "Kommunegruppen skal ha minst 4 deltakere og én koordinator, og "
        "skoleeier skal være representert."
    )
    assert rule_text("invoice-overdue", PROGRAMME) == RULE_TEXT["invoice-overdue"]


def test_group_size_and_attendance_needed_come_from_the_programme_file(tmp_path: Path) -> None:
    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    assert "min_group_size: 4" in text and "gathering_attendance: {required: all}" in text
    edited = tmp_path / "programme.yaml"
    edited.write_text(
        text.replace("min_group_size: 4", "min_group_size: 5").replace(
            "gathering_attendance: {required: all}", "gathering_attendance: {required: 5}"
        ),
        encoding="utf-8",
    )
    stricter = programme_in_memory(edited)
    found = broken(CASE, "active", facts("2024-09-26", *KEPT_UNTIL_OCTOBER, programme=stricter))
    assert set(found) == {"gathering-attendance", "group-composition"}
    assert found["gathering-attendance"].details["gatherings"][0]["needed"] == 5
    assert "minst 5 trengs" in found["group-composition"].evidence
    assert "minst 5 deltakere" in rule_text("group-composition", stricter)


@pytest.mark.parametrize(
    ("obligations", "reason"),
    [
        ("gathering_attendance: {required: 0}", "'all' (the whole group) or a whole number"),
        ("gathering_attendance: {required: alle}", "'all' (the whole group) or a whole number"),
        ("gathering_attendance: {required: true}", "'all' (the whole group) or a whole number"),
        ("min_present_at_gatherings: 0", "'all' (the whole group) or a whole number"),
        (
            "min_present_at_gatherings: 2\n  gathering_attendance: {required: all}",
            "not both",
        ),
    ],
)
def test_a_bad_gathering_threshold_is_refused(
    tmp_path: Path, obligations: str, reason: str
) -> None:
    from kulturskole.errors import InvalidFile

    with pytest.raises(InvalidFile, match=re.escape(reason)):
        relaxed_to(tmp_path, obligations)
