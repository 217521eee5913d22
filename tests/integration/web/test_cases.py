"""Saker and Sak in the console, for every role: the list with its filters, search, sorting,
pages and downloads; one case with its sections and timeline; the case as of a date."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from lxml import html
from openpyxl import load_workbook
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.history import Acting, current_flow_run_id
from kulturskole.services import cases as service
from tests.builders.case_lists import (
    IN_NORWEGIAN_ORDER,
    NAMED,
    Varied,
    apply_many,
    first_municipalities,
    varied_cases,
)
from tests.builders.cases import apply_case
from tests.builders.visits import ANNE
from tests.integration.test_history import behind_the_databases_back
from tests.support.web import console, logged_in

if TYPE_CHECKING:
    from starlette.testclient import TestClient

pytestmark = pytest.mark.usefixtures("programme_loaded")
ROLES = ("viewer", "finance", "admin")


@pytest.fixture
def varied(engine: Engine, tmp_path: Path) -> Varied:
    return varied_cases(engine, tmp_path)


def page(client: TestClient, path: str) -> html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def listed(tree: html.HtmlElement) -> list[str]:
    """The kommunenummer of each row of the case table, from its link."""
    links = tree.xpath('//table[@id="cases"]/tbody//a')
    return [a.get("href").removeprefix("/cases/") for a in links]


def words(tree: html.HtmlElement, xpath: str) -> str:
    return " ".join(" ".join(" ".join(n.itertext()) for n in tree.xpath(xpath)).split())


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


# --- Sak -----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_one_case_with_all_its_sections(
    engine: Engine, varied: Varied, role: str
) -> None:
    tree = page(logged_in(engine, role), "/cases/0301")
    assert "Oslo" in words(tree, "//h1")
    for section in ("missing", "group", "invoices", "visits", "attendance", "breaches", "mail"):
        assert tree.xpath(f'//section[@id="{section}"]'), section
    assert words(tree, '//p[@id="chain"]').startswith("✓ Historikken er intakt")
    entries = tree.xpath('//section[@id="timeline"]/ol[@class="timeline"]/li')
    with unit_of_work(engine, readonly=True) as session:
        assert len(entries) == service.find_case(session, "0301").history_seq
    form = tree.xpath('//form[@id="as-of"]')[0]
    assert (form.get("method"), form.get("action")) == ("get", "/cases/0301/as-of")
    assert form.xpath('.//input[@name="date"]')


def test_the_case_page_says_it_all_in_norwegian(engine: Engine, varied: Varied) -> None:
    tree = page(logged_in(engine, "viewer"), "/cases/0301")
    missing = words(tree, '//section[@id="missing"]')
    assert "Fullfør → Fullført" in missing and "Avslutt avtalen → Avsluttet" in missing
    assert "Programperioden varer til og med 31. desember 2025 (per 1. mars 2025)" in missing
    assert "En begrunnelse må oppgis" in missing
    group = words(tree, '//section[@id="group"]')
    assert "Koordinator Ola Koordinator" in group and "Skoleeier Eva Eier" in group
    invoices = tree.xpath('//section[@id="invoices"]')[0]
    [invoice] = invoices.xpath(".//tbody/tr")
    series, number = _series_and_number(invoice)
    assert invoice.xpath(".//a/@href")[:2] == [
        f"/invoices/{series}/{number}/html",
        f"/invoices/{series}/{number}/pdf",
    ]
    assert "6 666,67 kr" in words(invoice, ".")
    assert "utestående 6 666,67 kr" in words(invoices, './/p[@class="balance"]')
    assert "Fysisk" in words(tree, '//section[@id="visits"]')
    assert "Deltakelse på koordinatorsamlinger Åpent" in words(tree, '//section[@id="breaches"]')
    assert "Kvittering for søknad" in words(tree, '//section[@id="mail"]')
    timeline = words(tree, '//section[@id="timeline"]')
    for said in (
        "Søknad mottatt → Søkt Kontaktperson: Kari Søker",
        "Valgt ut Søkt → Valgt ut",
        "Medlem lagt til Ola Koordinator – Koordinator",
        "Avtalen signert Kommunedirektør: Kommunedirektør Hansen",
        "Veileder tildelt Veileder: Anne Berg, manuelt",
        "Brudd på forpliktelse registrert Deltakelse på koordinatorsamlinger",
        f"Faktura utstedt Faktura {number}, avdrag 1: 6 666,67 kr",
        "gjelder fra 15. mai 2024",
    ):
        assert said in timeline, said
    assert "{" not in " ".join(tree.xpath('//li//div[@class="line"]//text()'))  # no raw JSON
    assert tree.xpath('//li//details/summary[text()="Detaljer"]')


def _series_and_number(row: html.HtmlElement) -> tuple[str, str]:
    _, _, series, number, _ = row.xpath(".//a/@href")[0].split("/")
    return series, number


def test_the_timeline_names_the_console_account_and_links_the_flow_run(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_UI_URL", "http://prefect.example:4200")
    apply_case(engine)
    client = logged_in(engine, "admin")  # admin@kulturskoleradet.no, "Test Admin"
    token = current_flow_run_id.set("5f0c6a3e-0000-4000-8000-000000000001")
    try:
        with unit_of_work(engine) as session:
            case = service.find_case(session, "0301", for_update=True)
            acting = Acting("admin@kulturskoleradet.no", date(2024, 5, 15))
            service.transition(session, case, "select", acting)
    finally:
        current_flow_run_id.reset(token)
    tree = page(client, "/cases/0301")
    [select] = tree.xpath('//ol[@class="timeline"]/li[.//strong[text()="Valgt ut"]]')
    assert select.xpath('.//span[@class="actor"]/text()') == ["Test Admin"]
    assert select.xpath('.//span[@class="actor"]/@title') == ["admin@kulturskoleradet.no"]
    assert select.xpath(".//a/@href") == [
        "http://prefect.example:4200/runs/flow-run/5f0c6a3e-0000-4000-8000-000000000001"
    ]
    first = tree.xpath('//ol[@class="timeline"]/li')[0]
    assert first.xpath('.//span[@class="actor"]/text()') == ["tester"]
    assert "registrert" in words(first, './/div[@class="meta"]')


def test_a_broken_chain_is_shown_in_norwegian(engine: Engine) -> None:
    apply_case(engine)
    behind_the_databases_back(engine, "UPDATE history SET reason = 'forged' WHERE seq = 1")
    tree = page(logged_in(engine, "viewer"), "/cases/0301")
    assert words(tree, '//p[@id="chain"]') == (
        "Historikken er ikke intakt: hash-kjeden stemmer ikke."
    )
    assert "Hendelse 1 er endret etter at den ble skrevet" in words(
        tree, '//div[@class="notice error"]'
    )


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/cases/0301", "Kommunenummer 0301 har ingen sak i programmet."),
        ("/cases/9999", "Kommunenummer 9999 har ingen sak i programmet."),
        ("/cases/oslo", "«oslo» er ikke et kommunenummer (fire sifre)."),
        ("/cases/9999/as-of?date=2024-05-01", "Kommunenummer 9999 har ingen sak i programmet."),
    ],
)
def test_an_unknown_case_is_not_found_in_norwegian(
    engine: Engine, programme_loaded: str, path: str, message: str
) -> None:
    response = logged_in(engine, "viewer").get(path)
    assert response.status_code == 404
    assert message in response.text


# --- Se saken per dato ---------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_the_case_as_it_stood_on_a_date(engine: Engine, varied: Varied, role: str) -> None:
    client = logged_in(engine, role)
    tree = page(client, "/cases/0301/as-of?date=2024-05-20")
    assert words(tree, "//h1") == "Oslo 0301 per 20. mai 2024"
    state = words(tree, '//section[@id="as-of-state"]')
    assert "Status Valgt ut" in state and "Avtalen signert nei" in state
    assert "Veileder ikke tildelt" in state
    assert tree.xpath('//form[@id="as-of"]//input[@name="date"]/@value') == ["2024-05-20"]
    later = words(page(client, "/cases/0301/as-of?date=2024-08-01"), "//main")
    assert "Status Aktiv" in later and "Veileder Anne Berg" in later
    assert "Koordinator Ola Koordinator" in later
    assert "Avtalen signert 10. juni 2024 av Kommunedirektør Hansen og Per Leder" in later


def test_before_the_application_the_case_did_not_exist(engine: Engine, varied: Varied) -> None:
    tree = page(logged_in(engine, "viewer"), "/cases/0301/as-of?date=2024-01-01")
    assert words(tree, '//p[@id="as-of-state"]') == "Oslo hadde ikke søkt på denne datoen."


def test_without_a_date_the_case_as_of_today(engine: Engine, varied: Varied) -> None:
    tree = page(logged_in(engine, "viewer", today=date(2024, 9, 30)), "/cases/0301/as-of")
    assert words(tree, "//h1") == "Oslo 0301 per 30. september 2024"


@pytest.mark.parametrize("day", ["2024-13-01", "i går", "01.05.2024"])
def test_a_bad_date_is_refused_clearly(engine: Engine, varied: Varied, day: str) -> None:
    response = logged_in(engine, "viewer").get(f"/cases/0301/as-of?date={day}")
    assert response.status_code == 400
    tree = html.fromstring(response.text)
    assert words(tree, '//p[@role="alert"]') == f"«{day}» er ikke en dato (bruk ÅÅÅÅ-MM-DD)"
    assert tree.xpath('//form[@id="as-of"]/@action') == ["/cases/0301/as-of"]  # try again
    assert tree.xpath('//a[@href="/cases/0301"]')


def test_the_pages_only_read(engine: Engine, varied: Varied) -> None:
    client = logged_in(engine, "admin")
    for path in ("/cases", "/cases/0301", "/cases/0301/as-of"):
        assert client.post(path).status_code == 405, path
