"""Saker in the console, for every role: the list with its filters, search, sorting, pages of
a hundred and the downloads of the whole filtered list (Sak and per dato: test_case.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from lxml import html
from openpyxl import load_workbook
from sqlalchemy import Engine

from tests.builders.case_lists import (
    IN_NORWEGIAN_ORDER,
    NAMED,
    Varied,
    apply_many,
    first_municipalities,
    varied_cases,
)
from tests.builders.visits import ANNE
from tests.support.pages import page, words
from tests.support.web import console, logged_in

pytestmark = pytest.mark.usefixtures("programme_loaded")
ROLES = ("viewer", "finance", "admin")


@pytest.fixture
def varied(engine: Engine, tmp_path: Path) -> Varied:
    return varied_cases(engine, tmp_path)


def listed(tree: html.HtmlElement) -> list[str]:
    """The kommunenummer of each row of the case table, from its link."""
    links = tree.xpath('//table[@id="cases"]/tbody//a')
    return [a.get("href").removeprefix("/cases/") for a in links]


# --- Saker ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_case_list_with_its_filter_form(
    engine: Engine, varied: Varied, role: str
) -> None:
    tree = page(logged_in(engine, role), "/cases")
    form = tree.xpath('//form[@id="case-filters"][@method="get"]')[0]
    assert form.xpath('.//input[@name="q"]') and form.xpath('.//button[@type="submit"]')
    for name in ("state", "county", "advisor"):
        assert form.xpath(f'.//select[@name="{name}"]'), name
    for name in ("breach", "unpaid"):
        assert form.xpath(f'.//input[@type="checkbox"][@name="{name}"][@value="1"]'), name
    assert form.xpath('.//option[@value="declined"]/text()') == ["Ikke tatt opp"]
    assert form.xpath('.//select[@name="county"]/option[@value="11"]/text()') == ["Rogaland"]
    assert form.xpath(f'.//select[@name="advisor"]/option[@value="{ANNE}"]/text()') == ["Anne Berg"]
    names = [NAMED.get(n, "Eigersund") for n in listed(tree)]
    assert names == [*IN_NORWEGIAN_ORDER[:4], "Eigersund", *IN_NORWEGIAN_ORDER[4:]]
    oslo = tree.xpath('//table[@id="cases"]//tr[td/a[@href="/cases/0301"]]')[0]
    assert words(oslo, ".") == "0301 Oslo Oslo Aktiv 15.04.2024 Anne Berg 1 6 666,67 kr (1)"


def test_the_list_asks_for_a_login(engine: Engine) -> None:
    response = console(engine).get("/cases?state=active")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/cases%3Fstate%3Dactive"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=declined", ["4601", "1149"]),  # Bergen, Karmøy
        ("county=11", ["1101", "1149"]),  # Eigersund, Karmøy
        (f"advisor={ANNE}", ["0301"]),
        ("advisor=none&county=03", []),
        ("breach=1", ["0301"]),
        ("unpaid=1", ["0301"]),
        ("state=active&county=11", ["1101"]),
        ("q=bergen", ["4601"]),
        ("q=46", ["4601", "4613", "4626", "4643"]),
        ("q=%C3%A5", ["5058", "1508", "4643", "3218"]),  # "å": Åfjord, Ålesund, Årdal, Ås
        ("q=ingen+slik", []),
    ],
)
def test_filters_and_search_narrow_the_list(
    engine: Engine, varied: Varied, query: str, expected: list[str]
) -> None:
    tree = page(logged_in(engine, "viewer"), f"/cases?{query}")
    assert listed(tree) == expected
    if not expected:
        assert "Ingen saker passer til utvalget." in words(tree, '//table[@id="cases"]')


def test_the_form_keeps_what_was_chosen(engine: Engine, varied: Varied) -> None:
    tree = page(logged_in(engine, "viewer"), "/cases?q=os&state=active&county=03&breach=1")
    form = tree.xpath('//form[@id="case-filters"]')[0]
    assert form.xpath('.//input[@name="q"]/@value') == ["os"]
    assert form.xpath('.//select[@name="state"]/option[@selected]/@value') == ["active"]
    assert form.xpath('.//select[@name="county"]/option[@selected]/@value') == ["03"]
    assert form.xpath('.//input[@name="breach"]/@checked')
    assert not form.xpath('.//input[@name="unpaid"]/@checked')


def test_headers_sort_and_a_second_click_reverses(engine: Engine, varied: Varied) -> None:
    client = logged_in(engine, "viewer")
    tree = page(client, "/cases")
    links = {a.text_content().split()[0]: a.get("href") for a in tree.xpath("//thead//a")}
    assert set(links) == {"Nr.", "Kommune", "Fylke", "Status", "Søkt"}
    assert links["Kommune"] == "?sort=name&desc=1"  # sorted by name now: the click reverses
    assert links["Nr."] == "?sort=number"
    by_number = page(client, "/cases" + links["Nr."])
    assert listed(by_number) == sorted(listed(by_number))
    again = {a.text_content().split()[0]: a.get("href") for a in by_number.xpath("//thead//a")}
    assert again["Nr."] == "?sort=number&desc=1"
    assert listed(page(client, "/cases?sort=number&desc=1")) == sorted(listed(by_number))[::-1]
    names = [NAMED.get(n) for n in listed(page(client, "/cases?sort=name&desc=1"))]
    assert [n for n in names if n] == IN_NORWEGIAN_ORDER[::-1]
    by_state = listed(page(client, "/cases?sort=state&desc=1&county=11"))
    assert by_state == ["1149", "1101"]  # declined before active, backwards


def test_sorting_keeps_the_filters_and_starts_on_the_first_page(engine: Engine) -> None:
    apply_many(engine, first_municipalities(engine, 150))
    tree = page(logged_in(engine, "viewer"), "/cases?county=11&page=1&q=a")
    hrefs = tree.xpath("//thead//a/@href")
    assert "?county=11&q=a&sort=number" in hrefs
    form = tree.xpath('//form[@id="case-filters"]')[0]
    assert not form.xpath('.//input[@name="sort"]')  # the default order is not carried
    sorted_tree = page(logged_in(engine, "admin"), "/cases?sort=number&desc=1")
    assert sorted_tree.xpath('//form[@id="case-filters"]//input[@name="sort"]/@value') == ["number"]
    assert sorted_tree.xpath('//form[@id="case-filters"]//input[@name="desc"]/@value') == ["1"]


def test_more_than_a_hundred_cases_come_in_pages_of_a_hundred(engine: Engine) -> None:
    numbers = first_municipalities(engine, 230)
    apply_many(engine, numbers)
    client = logged_in(engine, "finance")
    first = page(client, "/cases?sort=number")
    assert listed(first) == numbers[:100]
    assert "Side 1 av 3 (230 i alt)" in words(first, '//nav[@class="pager"]')
    assert first.xpath('//nav[@class="pager"]//a[@rel="next"]/@href') == ["?sort=number&page=2"]
    second = page(client, "/cases?sort=number&page=2")
    assert listed(second) == numbers[100:200]
    assert second.xpath('//a[@rel="prev"]/@href') == ["?sort=number&page=1"]
    assert listed(page(client, "/cases?sort=number&page=3")) == numbers[200:]
    assert listed(page(client, "/cases?sort=number&page=9")) == numbers[200:]  # the last one
    assert "230 saker" in words(first, '//p[@class="lead"]')


def test_csv_download_holds_every_filtered_row_not_only_the_page(engine: Engine) -> None:
    numbers = first_municipalities(engine, 230)
    apply_many(engine, numbers)
    client = logged_in(engine, "viewer")
    assert page(client, "/cases").xpath('//p[@class="downloads"]/a/@href') == [
        "?format=csv",
        "?format=xlsx",
    ]
    response = client.get("/cases?sort=number&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="saker.csv"' in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == [
        "Kommunenummer",
        "Kommune",
        "Fylke",
        "Status",
        "Søkt",
        "Veileder",
        "Åpne brudd",
        "Ubetalte fakturaer",
        "Ubetalt beløp",
    ]
    assert [row[0] for row in rows[1:]] == numbers
    assert rows[1][:5] == ["0301", "Oslo", "Oslo", "Søkt", "2024-04-15"]
    assert rows[1][5:] == ["", "0", "0", "0.00"]
    only = client.get("/cases?county=11&q=sta&format=csv").content.decode("utf-8")
    assert [r[1] for r in list(csv.reader(io.StringIO(only[1:]), delimiter=";"))[1:]] == [
        "Stavanger"
    ]


def test_excel_download_of_the_filtered_list(engine: Engine, varied: Varied) -> None:
    response = logged_in(engine, "admin").get("/cases?state=active&sort=number&format=xlsx")
    assert response.status_code == 200
    assert 'filename="saker.xlsx"' in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["Kommunenummer", "Kommune"]
    assert [row[:4] for row in rows[1:]] == [
        ["0301", "Oslo", "Oslo", "Aktiv"],
        ["1101", "Eigersund", "Rogaland", "Aktiv"],
    ]
    assert rows[1][5:] == ["Anne Berg", 1, 1, pytest.approx(6666.67)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=paused", "ukjent status «paused»"),
        ("sort=colour", "kan ikke sortere etter «colour»"),
        ("page=two", "«two» er ikke et sidenummer"),
        ("format=pdf", "ukjent format «pdf»"),
    ],
)
def test_a_wrong_parameter_is_refused_in_norwegian(
    engine: Engine, programme_loaded: str, query: str, message: str
) -> None:
    response = logged_in(engine, "viewer").get(f"/cases?{query}")
    assert response.status_code == 400
    assert message in response.text
