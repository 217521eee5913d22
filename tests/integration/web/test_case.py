"""Sak and Se saken per dato in the console, for every role: one case with its sections, the
timeline in words with actors' names and flow runs, a broken chain, unknown cases; the case as
it stood on a date, and a bad date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import html
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.history import Acting, current_flow_run_id
from kulturskole.services import cases as service
from tests.builders.case_lists import Varied, varied_cases
from tests.builders.cases import apply_case
from tests.integration.test_history import behind_the_databases_back
from tests.support.pages import page, words
from tests.support.web import logged_in

pytestmark = pytest.mark.usefixtures("programme_loaded")
ROLES = ("viewer", "finance", "admin")


@pytest.fixture
def varied(engine: Engine, tmp_path: Path) -> Varied:
    return varied_cases(engine, tmp_path)


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
