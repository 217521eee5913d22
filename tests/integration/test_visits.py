"""Guidance visits, service level: advisors, calendar, scheduling, invitations, changes."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidFile, InvalidInput, KulturskoleError, NotFound
from kulturskole.services import cases as case_service
from kulturskole.visits import changes
from kulturskole.visits.advisors import assign, find_advisor
from kulturskole.visits.advisors import import_advisors as import_file
from kulturskole.visits.calendar import Calendar
from tests.builders.cases import apply_case
from tests.builders.invoicing import active, fire, municipalities, on
from tests.builders.visits import (
    ALL_AT_ONCE,
    ANNE,
    BJORN,
    CARL,
    OSLO,
    PUBLIC_HOLIDAYS,
    SPRING,
    TWO_ADVISORS,
    add_window,
    advisor_of,
    advisor_rows,
    advisors_csv,
    block,
    free_weekday,
    history,
    import_advisors,
    invitation,
    invitations_for,
    invite_weeks_before,
    messages,
    row_counts,
    schedule,
    visit_of,
    visits,
    windows,
)

pytestmark = pytest.mark.usefixtures("programme_loaded")

EXACT_WINDOWS = {"visit-window-1", "visit-window-2", "visit-window-3", "visit-window-5"}
COORDINATOR = "ola@kommune.example.no"  # tests.builders.cases.GROUP
PHYSICAL_MINUTES = 150


@pytest.fixture
def twenty(engine: Engine, tmp_path: Path, programme_loaded: str) -> list[str]:
    """20 active cases (Oslo and 19 in Rogaland); Anne covers 03 and 11, Bjørn 11. Every window
    is invited at once (the tests of how visits are placed); when they are: see below."""
    numbers = municipalities(engine, 20)
    assert numbers[0] == "0301" and len(numbers) == 20
    active(engine, *numbers)
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    invite_weeks_before(engine, tmp_path, ALL_AT_ONCE)
    return numbers


def weekdays(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def between(first: str, last: str) -> set[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return {start + timedelta(days=i) for i in range((end - start).days + 1)}


def act(engine: Engine, change, *args):  # noqa: ANN001, ANN201
    """Run one change in its own unit of work, as a command does."""
    with unit_of_work(engine) as session:
        return change(session, *args)


# --- importing advisors ----------------------------------------------------------------------


def test_import_reads_space_separated_counties_phone_and_default_maxima(
    engine: Engine, tmp_path: Path
) -> None:
    report = import_advisors(
        engine,
        tmp_path,
        f"Anne Berg,{ANNE},,03 11,,",
        f"Bjørn Dal,{BJORN},+47 912 00 001,11,2,5",
    )
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert advisor_rows(engine) == [
        {
            "name": "Anne Berg",
            "email": ANNE,
            "phone": None,
            "counties": ["03", "11"],
            "max_physical_per_day": 1,
            "max_digital_per_day": 3,
        },
        {
            "name": "Bjørn Dal",
            "email": BJORN,
            "phone": "+47 912 00 001",
            "counties": ["11"],
            "max_physical_per_day": 2,
            "max_digital_per_day": 5,
        },
    ]


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("Feil Epost,ikke-en-epost,,11,,", "e-mail address 'ikke-en-epost' is invalid"),
        ("Ukjent Fylke,ukjent@kulturskoleradet.no,,11 99,,", "county '99' is not a county"),
        ("Rar Maks,rar@kulturskoleradet.no,,11,x,", "max_physical_per_day 'x' is not a whole"),
        (f"Dobbel Anne,{ANNE.upper()},,11,,", "already given on line 2"),
        ("For Få Felt,kort@kulturskoleradet.no,,11,1", "expected 6 fields, found 5"),
    ],
    ids=["bad-email", "unknown-county", "max-not-a-number", "duplicate-email", "short-line"],
)
def test_import_refuses_the_whole_file_naming_the_line_and_reason(
    engine: Engine, tmp_path: Path, bad_line: str, reason: str
) -> None:
    path = advisors_csv(tmp_path, f"Anne Berg,{ANNE},,03 11,,", bad_line, f"Carl Eng,{CARL},,11,,")
    with pytest.raises(InvalidFile) as refused, unit_of_work(engine) as session:
        import_file(session, path)
    assert str(refused.value).startswith(f"{path}:3: ")
    assert reason in str(refused.value)
    assert advisor_rows(engine) == []  # not even the good line before the bad one


def test_import_refuses_a_file_with_the_wrong_header(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "advisors.csv"
    path.write_text(f"navn,epost,fylker\nAnne Berg,{ANNE},03\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match=r":1: the header must be name,email,phone,counties"):
        act(engine, import_file, path)
    assert advisor_rows(engine) == []


def test_reimport_updates_changed_advisors_adds_new_ones_and_counts_the_unchanged(
    engine: Engine, tmp_path: Path
) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    report = import_advisors(
        engine,
        tmp_path,
        f"Anne Berg,{ANNE},+47 400 00 000,11,2,",  # phone, counties and physical maximum change
        TWO_ADVISORS[1],
        f"Carl Eng,{CARL},,15,,",
    )
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    rows = {row["email"]: row for row in advisor_rows(engine)}
    assert set(rows) == {ANNE, BJORN, CARL}
    assert (rows[ANNE]["phone"], rows[ANNE]["counties"], rows[ANNE]["max_physical_per_day"]) == (
        "+47 400 00 000",
        ["11"],
        2,
    )
    assert rows[BJORN]["counties"] == ["11"]


def test_a_refused_reimport_leaves_the_advisors_as_they_were(
    engine: Engine, tmp_path: Path
) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    before = advisor_rows(engine)
    with pytest.raises(InvalidFile, match=":3: "):
        import_advisors(engine, tmp_path, f"Anne Berg,{ANNE},,11,4,", "Ny,ny@x.no,,99,,")
    assert advisor_rows(engine) == before


# --- the calendar ----------------------------------------------------------------------------


def test_a_blocked_period_applies_only_to_its_county_municipality_or_advisor(
    engine: Engine, tmp_path: Path
) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    block(engine, "county", "11", "2024-10-07", "2024-10-11", "Høstferie")
    block(engine, "municipality", "0301", "2024-09-30", "2024-10-04", "Kommunestyremøte")
    block(engine, "advisor", BJORN.upper(), "2024-10-21", "2024-10-25", "Ferie")
    block(engine, "all", None, "2024-10-29", "2024-10-29", "Koordinatorsamling")
    with unit_of_work(engine, readonly=True) as session:
        calendar = Calendar.load(session, date(2024, 9, 30), date(2024, 11, 1))

    def why(day: str, county: str, number: str, advisor: str) -> str | None:
        return calendar.why_blocked(date.fromisoformat(day), county, number, advisor)

    assert why("2024-10-08", "11", "1101", ANNE) == "blocked: Høstferie"
    assert why("2024-10-08", "03", "0301", ANNE) is None
    assert why("2024-10-01", "03", "0301", ANNE) == "blocked: Kommunestyremøte"
    assert why("2024-10-01", "11", "1101", ANNE) is None
    assert why("2024-10-22", "11", "1101", BJORN) == "blocked: Ferie"
    assert why("2024-10-22", "11", "1101", BJORN.title()) == "blocked: Ferie"
    assert why("2024-10-22", "11", "1101", ANNE) is None
    assert why("2024-10-29", "03", "0301", ANNE) == "blocked: Koordinatorsamling"
    assert why("2024-10-30", "03", "0301", ANNE) is None


@pytest.mark.parametrize(
    ("scope", "ref", "start", "end", "reason", "error"),
    [
        ("region", "11", "2024-10-07", "2024-10-11", "Høstferie", "unknown scope 'region'"),
        ("county", "99", "2024-10-07", "2024-10-11", "Høstferie", "county '99'"),
        ("county", "11", "2024-10-11", "2024-10-07", "Høstferie", "ends (2024-10-07) before"),
        ("county", "11", "2024-10-07", "2024-10-11", "  ", "a reason is required"),
        ("advisor", "nobody@kulturskoleradet.no", "2024-10-07", "2024-10-11", "Syk", "no advisor"),
    ],
    ids=["scope", "county", "end-before-start", "no-reason", "advisor"],
)
def test_a_bad_block_is_refused_and_writes_nothing(
    engine: Engine, scope: str, ref: str, start: str, end: str, reason: str, error: str
) -> None:
    before = row_counts(engine)
    with pytest.raises(KulturskoleError, match=re.escape(error)):
        block(engine, scope, ref, start, end, reason)
    assert row_counts(engine) == before


# --- scheduling ------------------------------------------------------------------------------


def test_every_active_case_gets_one_visit_in_each_exact_window_after_the_effective_date(
    engine: Engine, twenty: list[str]
) -> None:
    apply_case(engine, "1146")  # applied only: no visits
    report = schedule(engine, "2024-09-26")
    found = visits(engine)
    spans = windows(engine)
    assert set(spans) == EXACT_WINDOWS
    assert Counter((v.number, v.window) for v in found) == {
        (number, window): 1 for number in twenty for window in EXACT_WINDOWS
    }
    assert len(report.scheduled) == 80 and report.unplaced == []
    for v in found:
        first, last = spans[v.window]
        assert first <= v.day <= last, v
        assert v.day > date(2024, 9, 26), v
        assert (v.status, v.mode, v.sequence) == ("scheduled", "physical", 0)
        assert v.start.time() == time(10, 0)
        assert v.end - v.start == timedelta(minutes=PHYSICAL_MINUTES)


def test_a_run_inside_a_window_places_visits_only_after_the_effective_date(
    engine: Engine, twenty: list[str]
) -> None:
    report = schedule(engine, "2024-10-15")
    in_first = visits(engine, window="visit-window-1")
    assert len(in_first) == 20 and report.unplaced == []
    assert all(date(2024, 10, 15) < v.day <= date(2024, 11, 1) for v in in_first)


def test_no_visit_falls_on_a_weekend_and_no_advisor_exceeds_the_physical_capacity(
    engine: Engine, twenty: list[str]
) -> None:
    schedule(engine, "2024-09-26")
    found = visits(engine)
    assert all(v.day.weekday() < 5 for v in found)
    assert not {v.day for v in found} & PUBLIC_HOLIDAYS
    per_day = Counter((v.advisor, v.day) for v in found)
    assert max(per_day.values()) == 1  # both advisors: 1 physical visit a day


def test_visits_spread_over_the_whole_window_rather_than_its_first_days(
    engine: Engine, twenty: list[str]
) -> None:
    schedule(engine, "2024-09-26")
    found = visits(engine)
    for window, (first, last) in windows(engine).items():
        all_weeks = {d.isocalendar().week for d in weekdays(first, last)}
        for advisor in (ANNE, BJORN):
            days = sorted(v.day for v in found if v.window == window and v.advisor == advisor)
            assert len(days) == 10
            assert (days[-1] - days[0]).days >= 0.75 * (last - first).days, (window, days)
            assert {d.isocalendar().week for d in days} == all_weeks, (window, days)


def test_a_rerun_changes_nothing(engine: Engine, twenty: list[str]) -> None:
    schedule(engine, "2024-09-26")
    before = (visits(engine), messages(engine), history(engine, "visit-scheduled"))
    again = schedule(engine, "2024-09-27")
    assert (again.scheduled, again.unplaced, again.assigned) == ([], [], [])
    assert again.existing == 80
    assert (visits(engine), messages(engine), history(engine, "visit-scheduled")) == before


# --- one window at a time, a few weeks before it opens ---------------------------------------

INVITED_ON = {  # four weeks before each exact window opens (visits.invite_weeks_before)
    "visit-window-1": "2024-09-02",
    "visit-window-2": "2024-12-09",
    "visit-window-3": "2025-02-03",
    "visit-window-5": "2025-10-27",
}


@pytest.fixture
def two(engine: Engine, tmp_path: Path, programme_loaded: str) -> list[str]:
    """Oslo and Eigersund active since 1 August 2024, with the shipped programme file."""
    active(engine, "0301", "1101")
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    return ["0301", "1101"]


def invited_windows(engine: Engine) -> Counter:
    return Counter(v.window for v in visits(engine))


def test_nothing_is_scheduled_or_invited_at_activation(engine: Engine, two: list[str]) -> None:
    report = schedule(engine, "2024-08-01")
    assert (report.scheduled, visits(engine), messages(engine, "visit_invitation")) == ([], [], [])
    assert report.waiting == [
        {"window": window, "title": title, "invite_on": INVITED_ON[window]}
        for window, title in [
            ("visit-window-1", "Veiledningsbesøk/veiledning kommunegruppe 1"),
            ("visit-window-2", "Veiledningsbesøk/veiledning kommunegruppe 2"),
            ("visit-window-3", "Veiledningsbesøk/veiledning kommunegruppe 3"),
            ("visit-window-5", "Veiledningsbesøk/veiledning kommunegruppe 5"),
        ]
    ]
    assert report.as_json()["waiting_windows"] == report.waiting
    assert report.warnings() == ["visit-window-4 skipped: tentative (Juni eller august 2025): "
                                 "make it exact in the programme file"]  # fmt: skip


def test_each_window_is_scheduled_and_invited_four_weeks_before_it_opens(
    engine: Engine, two: list[str]
) -> None:
    for window, day in INVITED_ON.items():
        before = date.fromisoformat(day) - timedelta(days=1)
        assert schedule(engine, before.isoformat()).scheduled == [], (window, before)
        report = schedule(engine, day)
        assert {entry["window"] for entry in report.scheduled} == {window}
        assert sorted(entry["municipality"] for entry in report.scheduled) == two
        assert window not in {w["window"] for w in report.waiting}
    assert invited_windows(engine) == {window: 2 for window in INVITED_ON}
    assert len(messages(engine, "visit_invitation")) == 8
    scheduled_on = {
        e["details"]["window"]: e["effective_on"] for e in history(engine, "visit-scheduled")
    }
    assert {w: d.isoformat() for w, d in scheduled_on.items()} == INVITED_ON


def test_a_rerun_on_the_invitation_day_books_and_sends_nothing_twice(
    engine: Engine, two: list[str]
) -> None:
    schedule(engine, "2024-09-02")
    before = (visits(engine), messages(engine), history(engine, "visit-scheduled"))
    again = schedule(engine, "2024-09-02")
    assert (again.scheduled, again.existing) == ([], 2)
    assert (visits(engine), messages(engine), history(engine, "visit-scheduled")) == before


def test_a_missed_invitation_day_is_caught_up_by_the_next_run_inside_the_window(
    engine: Engine, two: list[str]
) -> None:
    report = schedule(engine, "2024-10-15")  # no run between 2 September and 15 October
    assert invited_windows(engine) == {"visit-window-1": 2}
    assert all(v.day > date(2024, 10, 15) for v in visits(engine))
    assert [w["window"] for w in report.waiting] == [
        "visit-window-2",
        "visit-window-3",
        "visit-window-5",
    ]


def test_the_weeks_before_come_from_the_programme_file(
    engine: Engine, two: list[str], tmp_path: Path
) -> None:
    invite_weeks_before(engine, tmp_path, 8)  # 30 September less eight weeks: 5 August
    assert schedule(engine, "2024-08-04").scheduled == []
    assert {e["window"] for e in schedule(engine, "2024-08-05").scheduled} == {"visit-window-1"}


def test_a_tentative_window_waits_until_it_is_made_exact(
    engine: Engine, two: list[str], tmp_path: Path
) -> None:
    report = schedule(engine, "2025-07-01")  # "Juni eller august 2025": the months have come
    assert "visit-window-4" not in invited_windows(engine)
    assert [w["window"] for w in report.skipped_windows] == [
        "visit-window-1",
        "visit-window-2",
        "visit-window-3",
        "visit-window-4",
    ]
    # Made exact in the file (an extra window of August 2025 stands in for it): invited at once
    # when its invitation day has passed, four weeks before it otherwise.
    add_window(engine, tmp_path, "2025-08-11", "2025-08-29", window_id="visit-window-august")
    assert schedule(engine, "2025-07-13").scheduled == []
    report = schedule(engine, "2025-07-14")
    assert {e["window"] for e in report.scheduled} == {"visit-window-august"}


def test_a_terminated_case_is_not_invited_to_later_windows(engine: Engine, two: list[str]) -> None:
    schedule(engine, "2024-09-02")
    fire(engine, "0301", "terminate", "2024-11-15", reason="Brudd", initiated_by="leadership")
    report = schedule(engine, "2024-12-09")
    assert [(e["municipality"], e["window"]) for e in report.scheduled] == [
        ("1101", "visit-window-2")
    ]


@pytest.mark.parametrize("weeks", ["0", "105", "fire", "2.5"])
def test_a_bad_number_of_weeks_is_refused_by_the_programme_file(tmp_path: Path, weeks: str) -> None:
    from kulturskole.programme_file import parse_programme_file
    from tests.builders.programmes import PROGRAMME_FILE

    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace("invite_weeks_before: 4", f"invite_weeks_before: {weeks}"), encoding="utf-8"
    )
    with pytest.raises(InvalidFile, match="invite_weeks_before: Input should be"):
        parse_programme_file(bad)


def test_the_tentative_window_4_is_never_scheduled_and_is_reported_skipped(
    engine: Engine, twenty: list[str]
) -> None:
    report = schedule(engine, "2024-09-26")
    skipped = {w["window"]: w["reason"] for w in report.skipped_windows}
    assert list(skipped) == ["visit-window-4"]
    assert skipped["visit-window-4"].startswith("tentative")
    assert "visit-window-4" not in {v.window for v in visits(engine)}
    later = schedule(engine, "2025-02-01")  # windows 1 and 2 have ended by then
    assert {w["window"]: w["reason"] for w in later.skipped_windows} == {
        "visit-window-1": "ended on 2024-11-01",
        "visit-window-2": "ended on 2025-01-31",
        "visit-window-4": skipped["visit-window-4"],
    }


def test_no_visit_falls_on_a_day_blocked_for_its_county_municipality_or_advisor(
    engine: Engine, twenty: list[str]
) -> None:
    block(engine, "county", "11", "2024-10-07", "2024-10-18", "Høstferie")
    block(engine, "municipality", "0301", "2024-09-30", "2024-10-04", "Kommunestyremøte")
    block(engine, "advisor", BJORN, "2024-10-28", "2024-11-01", "Ferie")
    report = schedule(engine, "2024-09-26")
    assert report.unplaced == []
    first = visits(engine, window="visit-window-1")
    autumn_break = between("2024-10-07", "2024-10-18")
    for v in first:
        if v.number == "0301":
            assert v.day not in between("2024-09-30", "2024-10-04"), v
        else:
            assert v.day not in autumn_break, v
        if v.advisor == BJORN:
            assert v.day not in between("2024-10-28", "2024-11-01"), v
    # Bjørn's ten cases had exactly ten open days: all of them are used, one visit each
    bjorn_days = sorted(v.day for v in first if v.advisor == BJORN)
    assert bjorn_days == weekdays(date(2024, 9, 30), date(2024, 10, 4)) + weekdays(
        date(2024, 10, 21), date(2024, 10, 25)
    )


def test_no_visit_falls_in_easter_or_on_1_may_even_when_the_window_is_short_of_days(
    engine: Engine, twenty: list[str], tmp_path: Path
) -> None:
    add_window(engine, tmp_path)  # 2025-04-14 … 2025-05-23, weeks 16–21
    block(engine, "all", None, "2025-04-23", "2025-04-30", "Eksamen")
    block(engine, "all", None, "2025-05-02", "2025-05-23", "Eksamen")
    # Left open: 14, 15, 16 and 22 April; 17, 18 and 21 April and 1 May are public holidays.
    report = schedule(engine, "2025-04-01")
    spring = visits(engine, window=SPRING)
    open_days = {date(2025, 4, 14), date(2025, 4, 15), date(2025, 4, 16), date(2025, 4, 22)}
    assert {v.day for v in spring} == open_days
    assert len(spring) == 8  # two advisors, one physical visit a day each
    full = [u for u in report.unplaced if u["window"] == SPRING]
    assert len(full) == 12 and all(u["reason"].startswith("window full") for u in full)
    assert all(v.day.weekday() < 5 and v.day not in PUBLIC_HOLIDAYS for v in visits(engine))


def test_a_digital_window_keeps_to_the_digital_capacity_and_the_digital_slots(
    engine: Engine, tmp_path: Path
) -> None:
    numbers = municipalities(engine, 10)
    active(engine, *numbers)
    import_advisors(engine, tmp_path, f"Anne Berg,{ANNE},,03 11,1,2")
    digital = add_window(
        engine, tmp_path, "2025-04-14", "2025-04-16", mode="digital", window_id="digital-window"
    )
    report = schedule(engine, "2025-04-01")
    found = visits(engine, window=digital)
    assert len(found) == 6  # three days, two digital meetings a day
    assert all(v.mode == "digital" for v in found)
    assert max(Counter(v.day for v in found).values()) == 2
    assert len({v.start for v in found}) == 6
    assert {v.start.time() for v in found} <= {time(9, 0), time(11, 0), time(13, 0)}
    assert all(v.end - v.start == timedelta(minutes=90) for v in found)
    full = [u for u in report.unplaced if u["window"] == digital]
    assert len(full) == 4 and all(u["reason"].startswith("window full") for u in full)


def test_a_case_in_a_county_no_advisor_covers_is_reported_unplaced(
    engine: Engine, tmp_path: Path
) -> None:
    active(engine, "0301", "1101", "1505")  # 1505 Kristiansund, Møre og Romsdal (15)
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    invite_weeks_before(engine, tmp_path, ALL_AT_ONCE)
    report = schedule(engine, "2024-09-26")
    unplaced = [(u["municipality"], u["window"], u["reason"]) for u in report.unplaced]
    assert sorted(unplaced) == sorted(
        ("1505", window, "no advisor covers county 15") for window in EXACT_WINDOWS
    )
    assert {v.number for v in visits(engine)} == {"0301", "1101"}
    assert advisor_of(engine, "1505") is None


def test_a_full_window_reports_the_cases_left_over_as_unplaced_window_full(
    engine: Engine, tmp_path: Path
) -> None:
    numbers = municipalities(engine, 8)[1:]  # seven in Rogaland
    active(engine, *numbers)
    import_advisors(engine, tmp_path, f"Bjørn Dal,{BJORN},,11,1,3")
    block(engine, "advisor", BJORN, "2024-09-30", "2024-10-25", "Permisjon")
    report = schedule(engine, "2024-09-26")
    first = visits(engine, window="visit-window-1")
    assert sorted(v.day for v in first) == weekdays(date(2024, 10, 28), date(2024, 11, 1))
    full = [u for u in report.unplaced if u["window"] == "visit-window-1"]
    assert len(full) == 2
    assert all(u["reason"].startswith("window full") and u["advisor"] == BJORN for u in full)
    assert {u["municipality"] for u in full} | {v.number for v in first} == set(numbers)


def test_a_later_run_places_new_cases_around_the_existing_visits(
    engine: Engine, tmp_path: Path
) -> None:
    numbers = municipalities(engine, 7)[1:]  # six in Rogaland
    active(engine, *numbers[:4])
    import_advisors(engine, tmp_path, f"Bjørn Dal,{BJORN},,11,1,3")
    block(engine, "advisor", BJORN, "2024-09-30", "2024-10-25", "Permisjon")
    schedule(engine, "2024-09-26")
    before = {v.day for v in visits(engine, window="visit-window-1")}
    assert len(before) == 4
    active(engine, *numbers[4:])
    report = schedule(engine, "2024-09-27")
    first = visits(engine, window="visit-window-1")
    assert {v.day for v in first} == set(weekdays(date(2024, 10, 28), date(2024, 11, 1)))
    assert max(Counter(v.day for v in first).values()) == 1
    (left_over,) = [u for u in report.unplaced if u["window"] == "visit-window-1"]
    assert left_over["reason"].startswith("window full")


def test_assignment_by_county_spreads_cases_evenly_and_is_recorded_in_the_history(
    engine: Engine, twenty: list[str], tmp_path: Path
) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS, f"Carl Eng,{CARL},,11,,")
    with unit_of_work(engine) as session:
        case = case_service.find_case(session, "1101", for_update=True)
        assign(session, case, find_advisor(session, CARL), on("2024-09-01"), "by hand")
    report = schedule(engine, "2024-09-26")
    owners = {number: advisor_of(engine, number) for number in twenty}
    assert owners["0301"] == ANNE  # the only one covering Oslo
    assert owners["1101"] == CARL  # given by hand: kept
    load = Counter(owners.values())
    assert set(load) == {ANNE, BJORN, CARL}
    assert max(load.values()) - min(load.values()) <= 1
    assert len(report.assigned) == 19
    entries = history(engine, "advisor-assigned")
    assert sorted(e["number"] for e in entries) == sorted(twenty)
    by_county = [e for e in entries if e["details"]["how"] == "by county"]
    assert len(by_county) == 19 and "1101" not in {e["number"] for e in by_county}
    for entry in by_county:
        assert entry["details"]["previous_advisor_id"] is None
    # each case's visits are with its own advisor
    assert all(v.advisor == owners[v.number] for v in visits(engine))


def test_a_dry_run_writes_nothing_and_plans_what_the_real_run_does(
    engine: Engine, twenty: list[str]
) -> None:
    before = row_counts(engine)
    dry = schedule(engine, "2024-09-26", dry_run=True)
    assert row_counts(engine) == before
    assert len(dry.scheduled) == 80 and all("id" not in entry for entry in dry.scheduled)
    assert [advisor_of(engine, number) for number in twenty] == [None] * 20
    real = schedule(engine, "2024-09-26")

    def plan(report) -> list[tuple]:  # noqa: ANN001
        return sorted(
            (e["municipality"], e["window"], e["start"], e["advisor"]) for e in report.scheduled
        )

    assert plan(dry) == plan(real)
    assert row_counts(engine)["visit"] == 80


def test_a_dry_run_reports_each_advisor_assignment_once(engine: Engine, twenty: list[str]) -> None:
    dry = schedule(engine, "2024-09-26", dry_run=True)
    assert sorted(a["municipality"] for a in dry.assigned) == sorted(twenty)


# --- invitations -----------------------------------------------------------------------------


def test_each_new_visit_mails_coordinator_and_advisor_a_calendar_request(
    engine: Engine, tmp_path: Path
) -> None:
    active(engine, "0301", "1101")
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    schedule(engine, "2024-09-26")
    found = {v.id: v for v in visits(engine)}
    sent = messages(engine, "visit_invitation")
    assert len(sent) == len(found) == 2  # window 1's, the only one invited by then
    seen = set()
    for message in sent:
        assert any(a[1].startswith("text/calendar") for a in message.attachments)
        calendar, event = invitation(message)
        match = re.fullmatch(r"visit-(\d+)@[^@\s]+", str(event["UID"]))
        assert match, event["UID"]
        visit = found[int(match.group(1))]
        seen.add(visit.id)
        assert set(message.to) == {COORDINATOR, visit.advisor}
        assert str(calendar["METHOD"]) == "REQUEST"
        assert int(event["SEQUENCE"]) == 0
        assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
        assert event.decoded("DTSTART") == visit.start
        assert event.decoded("DTEND") == visit.end
    assert seen == set(found)


def test_invitations_carry_summer_time_before_27_october_2024_and_winter_time_after(
    engine: Engine, tmp_path: Path
) -> None:
    active(engine, "0301", "1101")
    import_advisors(engine, tmp_path, f"Anne Berg,{ANNE},,03 11,,")
    block(engine, "advisor", ANNE, "2024-10-01", "2024-10-31", "Kurs")  # open: 30 Sep, 1 Nov
    schedule(engine, "2024-09-26")
    first = sorted(visits(engine, window="visit-window-1"), key=lambda v: v.start)
    assert [v.day for v in first] == [date(2024, 9, 30), date(2024, 11, 1)]
    offsets = []
    for v in first:
        ((calendar, event),) = invitations_for(engine, v.id, "visit_invitation")
        start = event.decoded("DTSTART")
        assert (start.hour, start.minute) == (10, 0)
        offsets.append(start.utcoffset())
        assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert offsets == [timedelta(hours=2), timedelta(hours=1)]
    assert first[0].start.isoformat() == "2024-09-30T10:00:00+02:00"
    assert first[1].start.isoformat() == "2024-11-01T10:00:00+01:00"


# --- changing a visit ------------------------------------------------------------------------

SPRING_AS_OF = "2025-04-01"


@pytest.fixture
def spring(engine: Engine, tmp_path: Path, programme_loaded: str) -> dict[str, object]:
    """Three active cases, all Anne's, each with a visit in a window over Easter and May."""
    active(engine, "0301", "1101", "1103")
    import_advisors(engine, tmp_path, f"Anne Berg,{ANNE},,03 11,,")
    add_window(engine, tmp_path)
    schedule(engine, SPRING_AS_OF)
    return {v.number: v for v in visits(engine, window=SPRING)}


def at(day: str | date, hour: int = 10) -> datetime:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(day, time(hour), tzinfo=OSLO)


def test_moving_a_visit_to_a_free_weekday_sends_an_update_with_the_same_uid(
    engine: Engine, spring: dict
) -> None:
    visit = spring["0301"]
    target = free_weekday(engine, ANNE, SPRING, date(2025, 4, 30))
    with unit_of_work(engine) as session:
        changes.move(session, visit.id, at(target), on(SPRING_AS_OF))
    moved = visit_of(engine, "0301", SPRING)
    assert (moved.start, moved.sequence, moved.status) == (at(target), 1, "scheduled")
    assert moved.end - moved.start == timedelta(minutes=PHYSICAL_MINUTES)
    ((_, first),) = invitations_for(engine, visit.id, "visit_invitation")
    ((calendar, update),) = invitations_for(engine, visit.id, "visit_changed")
    assert str(update["UID"]) == str(first["UID"])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert int(update["SEQUENCE"]) == 1
    assert update.decoded("DTSTART") == at(target)
    (changed,) = messages(engine, "visit_changed")
    assert set(changed.to) == {COORDINATOR, ANNE}
    (entry,) = history(engine, "visit-moved")
    assert entry["number"] == "0301" and entry["details"]["visit"] == visit.id
    assert datetime.fromisoformat(entry["details"]["from"]) == visit.start
    assert datetime.fromisoformat(entry["details"]["to"]) == at(target)


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("saturday", "weekend"),
        ("good-friday", "public holiday"),
        ("1-may", "public holiday"),
        ("after-the-window", "is outside"),
        ("before-the-window", "is outside"),
        ("municipality-blocked", "blocked: Kommunestyremøte"),
        ("advisor-blocked", "blocked: Kurs"),
        ("advisor-at-capacity", "already has 1 physical visit(s)"),
        ("not-after-effective-date", "is not after the effective date"),
    ],
)
def test_a_move_that_breaks_the_scheduling_rules_is_refused_and_changes_nothing(
    engine: Engine, spring: dict, where: str, error: str
) -> None:
    as_of = SPRING_AS_OF
    visit = spring["0301"]
    free = free_weekday(engine, ANNE, SPRING, date(2025, 5, 4))
    target = {
        "saturday": at("2025-04-26"),
        "good-friday": at("2025-04-18"),
        "1-may": at("2025-05-01"),
        "after-the-window": at("2025-05-26"),
        "before-the-window": at("2025-04-11"),
        "municipality-blocked": at(free),
        "advisor-blocked": at(free),
        "advisor-at-capacity": at(spring["1101"].day),
        "not-after-effective-date": at(free),
    }[where]
    if where == "municipality-blocked":
        block(
            engine, "municipality", "0301", free.isoformat(), free.isoformat(), "Kommunestyremøte"
        )
    if where == "advisor-blocked":
        block(engine, "advisor", ANNE, free.isoformat(), free.isoformat(), "Kurs")
    if where == "not-after-effective-date":
        as_of = free.isoformat()
    before = (visits(engine), messages(engine), history(engine, "visit-moved"))
    with pytest.raises(InvalidInput, match=re.escape(error)), unit_of_work(engine) as session:
        changes.move(session, visit.id, target, on(as_of))
    assert (visits(engine), messages(engine), history(engine, "visit-moved")) == before


def test_cancelling_a_visit_withdraws_the_invitation_with_the_same_uid_and_a_higher_sequence(
    engine: Engine, spring: dict
) -> None:
    visit = spring["1101"]
    with unit_of_work(engine) as session:
        changes.move(
            session,
            visit.id,
            at(free_weekday(engine, ANNE, SPRING, date(2025, 5, 4))),
            on(SPRING_AS_OF),
        )
    with unit_of_work(engine) as session:
        changes.cancel(session, visit.id, "Sykdom i kommunegruppen", on(SPRING_AS_OF))
    cancelled = visit_of(engine, "1101", SPRING)
    assert (cancelled.status, cancelled.reason, cancelled.sequence) == (
        "cancelled",
        "Sykdom i kommunegruppen",
        2,
    )
    ((_, first),) = invitations_for(engine, visit.id, "visit_invitation")
    ((_, update),) = invitations_for(engine, visit.id, "visit_changed")
    ((calendar, cancel),) = invitations_for(engine, visit.id, "visit_cancelled")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancel["UID"]) == str(first["UID"])
    assert int(cancel["SEQUENCE"]) > int(update["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(cancel["STATUS"]) == "CANCELLED"
    (mail,) = messages(engine, "visit_cancelled")
    assert set(mail.to) == {COORDINATOR, ANNE}
    (entry,) = history(engine, "visit-cancelled")
    assert (entry["number"], entry["reason"]) == ("1101", "Sykdom i kommunegruppen")


def test_a_cancellation_needs_a_reason_and_a_cancelled_visit_stays_cancelled(
    engine: Engine, spring: dict
) -> None:
    visit = spring["1101"]
    with pytest.raises(InvalidInput, match="a reason is required"):
        act(engine, changes.cancel, visit.id, "  ", on(SPRING_AS_OF))
    assert visit_of(engine, "1101", SPRING).status == "scheduled"
    assert messages(engine, "visit_cancelled") == []
    with unit_of_work(engine) as session:
        changes.cancel(session, visit.id, "Avlyst", on(SPRING_AS_OF))
    for change in (
        lambda s: changes.cancel(s, visit.id, "Igjen", on(SPRING_AS_OF)),
        lambda s: changes.move(s, visit.id, at(visit.day, 13), on(SPRING_AS_OF)),
        lambda s: changes.done(s, visit.id, None, on("2025-06-01")),
    ):
        with pytest.raises(InvalidInput, match="it is cancelled"):
            act(engine, change)
    assert len(messages(engine, "visit_cancelled")) == 1


def test_done_and_missed_record_what_happened_and_a_done_visit_cannot_be_moved(
    engine: Engine, spring: dict
) -> None:
    after = "2025-05-26"
    with unit_of_work(engine) as session:
        changes.done(session, spring["0301"].id, "  Godt møte  ", on(after))
    with pytest.raises(InvalidInput, match="a reason is required"):
        act(engine, changes.missed, spring["1101"].id, " ", on(after))
    assert visit_of(engine, "1101", SPRING).status == "scheduled"
    with unit_of_work(engine) as session:
        changes.missed(session, spring["1101"].id, "Ingen møtte", on(after))
    done = visit_of(engine, "0301", SPRING)
    missed = visit_of(engine, "1101", SPRING)
    assert (done.status, done.notes) == ("done", "Godt møte")
    assert (missed.status, missed.reason) == ("missed", "Ingen møtte")
    assert [e["number"] for e in history(engine, "visit-done")] == ["0301"]
    assert [(e["number"], e["reason"]) for e in history(engine, "visit-missed")] == [
        ("1101", "Ingen møtte")
    ]
    target = at(free_weekday(engine, ANNE, SPRING, date(2025, 4, 14)))
    with pytest.raises(InvalidInput, match="cannot move visit .* it is done"):
        act(engine, changes.move, done.id, target, on(SPRING_AS_OF))
    assert visit_of(engine, "0301", SPRING) == done
    assert messages(engine, "visit_changed") == []


def test_a_visit_cannot_be_marked_done_before_its_day(engine: Engine, spring: dict) -> None:
    visit = spring["0301"]
    with pytest.raises(InvalidInput, match="after the effective date"):
        act(engine, changes.done, visit.id, None, on(SPRING_AS_OF))
    assert visit_of(engine, "0301", SPRING).status == "scheduled"


def test_a_visit_cannot_be_marked_missed_before_its_day(engine: Engine, spring: dict) -> None:
    visit = spring["0301"]
    with pytest.raises(InvalidInput, match="after the effective date"):
        act(engine, changes.missed, visit.id, "Ingen møtte", on(SPRING_AS_OF))


def test_unknown_visit_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound, match="no visit 999"), unit_of_work(engine) as session:
        changes.cancel(session, 999, "Avlyst", on(SPRING_AS_OF))


def test_terminating_a_case_cancels_its_future_visits_and_keeps_the_past_ones(
    engine: Engine, tmp_path: Path
) -> None:
    active(engine, "0301", "1101")
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    invite_weeks_before(engine, tmp_path, ALL_AT_ONCE)
    schedule(engine, "2024-09-26")
    before = {(v.number, v.window): v for v in visits(engine)}
    fire(engine, "0301", "terminate", "2024-11-15", reason="Brudd", initiated_by="leadership")
    after = {(v.number, v.window): v for v in visits(engine)}
    assert after[("0301", "visit-window-1")] == before[("0301", "visit-window-1")]  # in the past
    for window in EXACT_WINDOWS - {"visit-window-1"}:
        cancelled = after[("0301", window)]
        assert cancelled.status == "cancelled" and "Brudd" in (cancelled.reason or "")
        ((calendar, event),) = invitations_for(engine, cancelled.id, "visit_cancelled")
        assert str(calendar["METHOD"]) == "CANCEL"
        assert int(event["SEQUENCE"]) == 1
    assert [v for k, v in after.items() if k[0] == "1101"] == [
        v for k, v in before.items() if k[0] == "1101"
    ]
    assert len(messages(engine, "visit_cancelled")) == 3
    again = schedule(engine, "2024-11-20")
    assert again.scheduled == [] and again.unplaced == []
