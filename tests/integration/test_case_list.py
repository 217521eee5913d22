"""The console's case list on the read side: filters, search, Norwegian sorting, counting and
paging done in SQL, and the options the filters offer."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput
from kulturskole.read.breaches import list_breaches
from kulturskole.read.case_list import (
    NO_ADVISOR,
    CaseFilter,
    filter_options,
    matching_cases,
    search_cases,
)
from kulturskole.read.cases import list_cases
from tests.builders.case_lists import (
    IN_NORWEGIAN_ORDER,
    NAMED,
    Varied,
    apply_many,
    first_municipalities,
    varied_cases,
)
from tests.builders.visits import ANNE, BJORN

pytestmark = pytest.mark.usefixtures("programme_loaded")


@pytest.fixture
def varied(engine: Engine, tmp_path: Path) -> Varied:
    return varied_cases(engine, tmp_path)


def numbers(engine: Engine, filters: CaseFilter, **order: object) -> list[str]:
    with unit_of_work(engine, readonly=True) as session:
        return [row["municipality"] for row in matching_cases(session, filters, **order)]


def test_each_row_has_county_advisor_open_breaches_and_unpaid_invoices(
    engine: Engine, varied: Varied
) -> None:
    with unit_of_work(engine, readonly=True) as session:
        rows = {row["municipality"]: row for row in matching_cases(session)}
        open_breaches = list_breaches(session, only_open=True)
    assert len(rows) == len(NAMED) + 1
    oslo, eigersund = rows["0301"], rows["1101"]
    assert oslo["name"] == "Oslo" and oslo["county"] == "Oslo" and oslo["county_number"] == "03"
    assert oslo["state"] == "active" and oslo["applied_on"] == "2024-04-15"
    assert oslo["advisor"] == "Anne Berg" and eigersund["advisor"] == "Bjørn Dal"
    assert oslo["open_breaches"] == len([b for b in open_breaches if b["municipality"] == "0301"])
    assert oslo["open_breaches"] >= 1 and eigersund["open_breaches"] == 0
    assert (oslo["unpaid_invoices"], oslo["unpaid_amount"]) == (1, "6666.67")
    assert (eigersund["unpaid_invoices"], eigersund["unpaid_amount"]) == (0, "0.00")
    assert rows["1508"]["advisor"] is None and rows["1149"]["state"] == "declined"


def test_filters_narrow_by_state_county_advisor_breach_and_unpaid(
    engine: Engine, varied: Varied
) -> None:
    assert numbers(engine, CaseFilter(state="declined"), sort="number") == ["1149", "4601"]
    assert numbers(engine, CaseFilter(county="11"), sort="number") == ["1101", "1149"]
    assert numbers(engine, CaseFilter(advisor=ANNE)) == ["0301"]
    assert numbers(engine, CaseFilter(advisor=BJORN.upper())) == ["1101"]
    assert len(numbers(engine, CaseFilter(advisor=NO_ADVISOR))) == len(NAMED) - 1
    assert numbers(engine, CaseFilter(breach=True)) == ["0301"]
    assert numbers(engine, CaseFilter(unpaid=True)) == ["0301"]
    assert numbers(engine, CaseFilter(county="11", state="active", advisor=BJORN)) == ["1101"]
    assert numbers(engine, CaseFilter(county="11", breach=True)) == []


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("oslo", ["0301"]),
        ("ØRLAND", ["5057"]),
        ("øy", ["1149", "4626"]),  # Karmøy, Øygarden (by name)
        ("å", ["1508", "3218", "4643", "5058"]),
        ("karasjohka", ["5610"]),  # the Sámi letters are found by their Latin ones
        ("46", ["4601", "4613", "4626", "4643"]),  # the start of the kommunenummer
        ("5610", ["5610"]),
        ("%", []),  # not a wildcard
        ("  ", None),  # blank: no search
    ],
)
def test_search_by_name_or_kommunenummer(
    engine: Engine, programme_loaded: str, q: str, found: list[str] | None
) -> None:
    apply_many(engine, list(NAMED))
    everything = numbers(engine, CaseFilter(), sort="number")
    expected = everything if found is None else found
    assert numbers(engine, CaseFilter(q=q), sort="number") == expected


def test_names_sort_as_a_norwegian_reads_them(engine: Engine) -> None:
    apply_many(engine, list(NAMED))
    with unit_of_work(engine, readonly=True) as session:
        names = [r["name"] for r in matching_cases(session, sort="name")]
        backwards = [r["name"] for r in matching_cases(session, sort="name", descending=True)]
    assert names == IN_NORWEGIAN_ORDER
    assert backwards == IN_NORWEGIAN_ORDER[::-1]


def test_sorting_by_state_county_and_number(engine: Engine, varied: Varied) -> None:
    with unit_of_work(engine, readonly=True) as session:
        rows = matching_cases(session, sort="state")
    states = [r["state"] for r in rows]
    assert states == ["applied"] * 11 + ["active"] * 2 + ["declined"] * 2  # the machine's order
    applied = [r["name"] for r in rows if r["state"] == "applied"]
    assert applied == [n for n in IN_NORWEGIAN_ORDER if n in applied]  # then by name
    assert [r["municipality"] for r in rows[-2:]] == ["4601", "1149"]  # Bergen, Karmøy
    assert numbers(engine, CaseFilter(), sort="state", descending=True)[:2] == ["4601", "1149"]
    by_county = numbers(engine, CaseFilter(), sort="county")
    assert by_county[0] == "3218" and by_county[-1] == "3124"  # Akershus … Østfold
    assert numbers(engine, CaseFilter(), sort="number")[:2] == ["0301", "1101"]
    assert numbers(engine, CaseFilter(), sort="number", descending=True)[0] == "5610"
    with unit_of_work(engine, readonly=True) as session, pytest.raises(InvalidInput):
        matching_cases(session, sort="colour")


def test_sorting_by_the_date_applied(engine: Engine) -> None:
    for number, day in (("0301", "2024-04-20"), ("3124", "2024-04-10"), ("4601", "2024-04-15")):
        apply_many(engine, [number], day)
    assert numbers(engine, CaseFilter(), sort="applied_on") == ["3124", "4601", "0301"]
    assert numbers(engine, CaseFilter(), sort="applied_on", descending=True) == [
        "0301",
        "4601",
        "3124",
    ]


def test_pages_of_a_hundred_with_the_total_in_a_few_queries(engine: Engine) -> None:
    apply_many(engine, first_municipalities(engine, 230))
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with unit_of_work(engine, readonly=True) as session:
            pages = [search_cases(session, sort="number", page=n) for n in (1, 2, 3, 4)]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert [p["total"] for p in pages] == [230] * 4
    assert [p["pages"] for p in pages] == [3] * 4
    assert [len(p["rows"]) for p in pages] == [100, 100, 30, 30]
    assert [p["page"] for p in pages] == [1, 2, 3, 3]  # past the end: the last page
    listed = [r["municipality"] for p in pages[:3] for r in p["rows"]]
    assert listed == first_municipalities(engine, 230)
    assert len([s for s in statements if s.startswith("SELECT")]) <= 4 * 3  # programme, count, rows


def test_filter_options_are_the_programmes_counties_and_every_advisor(
    engine: Engine, varied: Varied
) -> None:
    with unit_of_work(engine, readonly=True) as session:
        options = filter_options(session)
    assert options["states"][0] == "applied"
    counties = [c["name"] for c in options["counties"]]
    assert counties[0] == "Akershus" and counties[-1] == "Østfold"
    assert {"number": "11", "name": "Rogaland"} in options["counties"]
    assert options["advisors"] == [
        {"email": ANNE, "name": "Anne Berg"},
        {"email": BJORN, "name": "Bjørn Dal"},
    ]


def test_list_cases_keeps_its_shape_for_the_cli(engine: Engine, varied: Varied) -> None:
    with unit_of_work(engine, readonly=True) as session:
        rows = list_cases(session)
    assert set(rows[0]) == {"municipality", "name", "state", "programme", "applied_on"}
    assert [r["municipality"] for r in rows] == sorted(r["municipality"] for r in rows)
