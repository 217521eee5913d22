"""Which days a visit may fall on, and which day and time of the window a visit is given:
the calendar and the slot choice, on advisors, cases and visits held in memory."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kulturskole.programme_file import parse_programme_file
from kulturskole.visits.calendar import Block, Calendar, days
from kulturskole.visits.scheduling import _best_slot, _Occupancy, slot_times
from models import Advisor, Case, Municipality
from models.definition import Visits
from tests.builders.programmes import PROGRAMME_FILE
from tests.builders.visits import ANNE

OSLO = ZoneInfo("Europe/Oslo")
# The programme's visit settings as the scheduler is given them (10:00 for 150 minutes; online
# at 09:00, 11:00 or 13:00 for 90 minutes).
VISITS = parse_programme_file(PROGRAMME_FILE).visits
NO_BLOCKS = Calendar([], [2024, 2025])
WEEK_41 = days(date(2024, 10, 5), date(2024, 10, 11))  # Saturday to Friday


def test_the_calendar_refuses_weekends_17_may_and_the_easter_holidays() -> None:
    calendar = Calendar([], [2024, 2025])

    def why(day: str) -> str | None:
        return calendar.why_blocked(date.fromisoformat(day), "11", "1101", ANNE)

    assert why("2024-05-17") is not None and why("2024-05-17").startswith("public holiday")
    for easter in ("2025-04-17", "2025-04-18", "2025-04-21"):  # Thursday, Friday, Monday
        assert why(easter) is not None and why(easter).startswith("public holiday"), easter
    assert why("2025-05-01").startswith("public holiday")
    assert why("2024-10-05") == "weekend" and why("2024-10-06") == "weekend"
    for ordinary in ("2024-05-16", "2025-04-16", "2025-04-22", "2024-10-07"):
        assert why(ordinary) is None, ordinary


# --- the calendar ----------------------------------------------------------------------------


def test_days_run_from_the_first_to_the_last_day_inclusive() -> None:
    assert days(date(2024, 9, 30), date(2024, 10, 2)) == [
        date(2024, 9, 30),
        date(2024, 10, 1),
        date(2024, 10, 2),
    ]
    assert days(date(2024, 9, 30), date(2024, 9, 30)) == [date(2024, 9, 30)]
    assert days(date(2024, 10, 2), date(2024, 9, 30)) == []


AUTUMN = (date(2024, 10, 7), date(2024, 10, 8))  # Monday and Tuesday of week 41
BLOCKED = Calendar(
    [
        Block("county", "11", *AUTUMN, "høstferie Rogaland"),
        Block("municipality", "0301", date(2024, 10, 9), date(2024, 10, 9), "kommunestyre"),
        Block("advisor", ANNE.upper(), date(2024, 10, 10), date(2024, 10, 10), "kurs"),
    ],
    [2024],
)
WEEKDAYS_41 = [date(2024, 10, d) for d in (7, 8, 9, 10, 11)]


@pytest.mark.parametrize(
    ("county", "municipality", "email", "open_on"),
    [
        ("03", "0301", ANNE, [7, 8, 11]),  # the municipality's and the advisor's own blocks
        ("03", "0301", "bjorn@x.no", [7, 8, 10, 11]),
        ("11", "1103", "bjorn@x.no", [9, 10, 11]),  # Rogaland's autumn holiday
        ("11", "1103", ANNE, [9, 11]),  # advisor blocks match in any letter case
        ("46", "4601", "bjorn@x.no", [7, 8, 9, 10, 11]),
    ],
)
def test_a_block_applies_only_to_its_county_municipality_or_advisor(
    county: str, municipality: str, email: str, open_on: list[int]
) -> None:
    open_days = BLOCKED.open_days(WEEK_41, county, municipality, email)
    assert open_days == [date(2024, 10, d) for d in open_on]
    for day in set(WEEKDAYS_41) - set(open_days):
        assert BLOCKED.why_blocked(day, county, municipality, email).startswith("blocked: ")


def test_a_block_for_everyone_closes_the_day_for_every_case_and_says_why() -> None:
    calendar = Calendar([Block("all", None, *AUTUMN, "samling")], [2024])
    assert calendar.open_days(WEEK_41, "03", "0301", ANNE) == WEEKDAYS_41[2:]
    assert calendar.why_blocked(AUTUMN[0], "46", "4601", "x@y.no") == "blocked: samling"
    assert calendar.why_blocked(date(2024, 10, 5), "46", "4601", "x@y.no") == "weekend"


# --- the time slots --------------------------------------------------------------------------


def test_a_physical_visit_has_one_slot_and_a_digital_one_three() -> None:
    assert slot_times("physical", VISITS) == [(time(10, 0), 150)]
    assert slot_times("digital", VISITS) == [(time(9), 90), (time(11), 90), (time(13), 90)]


def test_without_settings_the_slots_are_the_programme_files_defaults() -> None:
    assert slot_times("physical", Visits()) == slot_times("physical", VISITS)
    assert slot_times("digital", Visits()) == slot_times("digital", VISITS)
    custom = Visits(physical_start="12:15", physical_minutes=60, digital_starts=["08:30"])
    assert slot_times("physical", custom) == [(time(12, 15), 60)]
    assert slot_times("digital", custom) == [(time(8, 30), 90)]


# --- the slot choice -------------------------------------------------------------------------


def advisor(
    name: str = "Anne Berg", email: str = ANNE, physical: int = 1, digital: int = 3, number: int = 1
) -> Advisor:
    return Advisor(
        id=number,
        name=name,
        email=email,
        max_physical_per_day=physical,
        max_digital_per_day=digital,
    )


def case(number: str = "0301", county: str = "03") -> Case:
    municipality = Municipality(number=number, name="Kommune", county_number=county)
    return Case(municipality_number=number, municipality=municipality)


def choose(
    who: Advisor,
    window: list[date],
    occupancy: _Occupancy,
    mode: str = "physical",
    calendar: Calendar = NO_BLOCKS,
    where: Case | None = None,
) -> tuple[datetime, datetime] | str:
    slot = _best_slot(who, where or case(), mode, window, calendar, occupancy, VISITS)
    if not isinstance(slot, str):
        occupancy.add(who.id, slot[0], mode)
    return slot


def test_the_first_visit_goes_on_the_first_open_day_at_ten_for_two_and_a_half_hours() -> None:
    start, end = choose(advisor(), WEEK_41, _Occupancy(OSLO))
    assert start == datetime(2024, 10, 7, 10, 0, tzinfo=OSLO)  # Monday: the weekend is skipped
    assert end - start == timedelta(minutes=150)
    assert start.utcoffset() == timedelta(hours=2)  # summer time


def test_after_27_october_a_visit_at_ten_is_winter_time() -> None:
    start, _ = choose(advisor(), days(date(2024, 10, 28), date(2024, 10, 28)), _Occupancy(OSLO))
    assert start.utcoffset() == timedelta(hours=1) and start.astimezone(OSLO).hour == 10


def test_visits_spread_over_the_window_rather_than_filling_its_first_days() -> None:
    anne, occupancy = advisor(), _Occupancy(OSLO)
    placed = [choose(anne, WEEK_41, occupancy)[0].date() for _ in range(5)]
    assert placed[:3] == [date(2024, 10, 7), date(2024, 10, 11), date(2024, 10, 9)]
    assert sorted(placed) == WEEKDAYS_41  # one a day: the advisor's physical capacity


def test_a_full_window_says_the_advisor_has_no_capacity_left() -> None:
    anne, occupancy, monday = advisor(), _Occupancy(OSLO), [date(2024, 10, 7)]
    assert not isinstance(choose(anne, monday, occupancy), str)
    assert choose(anne, monday, occupancy) == (
        "window full: Anne Berg has no capacity left for a physical visit on the 1 open days"
    )


def test_another_advisors_visits_do_not_take_this_advisors_capacity() -> None:
    occupancy, monday = _Occupancy(OSLO), [date(2024, 10, 7)]
    choose(advisor("Bjørn Dal", "bjorn@x.no", number=2), monday, occupancy)
    assert not isinstance(choose(advisor(), monday, occupancy), str)


def test_digital_visits_on_one_day_take_the_slots_in_order_until_none_is_left() -> None:
    anne, occupancy, monday = advisor(digital=4), _Occupancy(OSLO), [date(2024, 10, 7)]
    starts = [choose(anne, monday, occupancy, "digital") for _ in range(3)]
    assert [s.astimezone(OSLO).time() for s, _ in starts] == [time(9), time(11), time(13)]
    assert all(e - s == timedelta(minutes=90) for s, e in starts)
    assert choose(anne, monday, occupancy, "digital") == (
        "window full: Anne Berg has no free time slot left"
    )


def test_a_physical_visit_does_not_use_the_digital_capacity() -> None:
    anne, occupancy, monday = advisor(physical=1, digital=1), _Occupancy(OSLO), [date(2024, 10, 7)]
    assert not isinstance(choose(anne, monday, occupancy, "digital"), str)
    start, _ = choose(anne, monday, occupancy, "physical")
    assert start == datetime(2024, 10, 7, 10, 0, tzinfo=OSLO)


def test_a_window_without_open_days_or_without_days_says_which() -> None:
    rogaland = case("1103", "11")
    holiday = Calendar(
        [Block("county", "11", date(2024, 10, 7), date(2024, 10, 11), "ferie")], [2024]
    )
    assert choose(advisor(), WEEK_41, _Occupancy(OSLO), calendar=holiday, where=rogaland) == (
        "every day left in the window is blocked (weekends, holidays, blocked periods)"
    )
    assert not isinstance(choose(advisor(), WEEK_41, _Occupancy(OSLO), calendar=holiday), str)
    assert choose(advisor(), [], _Occupancy(OSLO)) == (
        "the window has no days left after the effective date"
    )
