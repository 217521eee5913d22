"""Revisjon: every case's hash chain checked, the result per case; a tampered entry shows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.read.audit import audit_history
from kulturskole.read.history import case_history
from tests.builders.cases import apply_case, ready_for_contract
from tests.integration.test_history import behind_the_databases_back
from tests.support.web import console, logged_in


@pytest.fixture
def cases(engine: Engine, programme_loaded: str) -> dict[str, int]:
    """Oslo ready for contract, Trondheim applied: the number of history entries of each."""
    ready_for_contract(engine, "0301")
    apply_case(engine, "5001")
    with unit_of_work(engine, readonly=True) as session:
        return {n: len(case_history(session, n)) for n in ("0301", "5001")}


def result(page: str) -> str:
    found = re.search(r'<p id="audit-result"[^>]*>(.*?)</p>', page, re.S)
    assert found, "no audit result"
    return found.group(1)


def rows(page: str) -> list[list[str]]:
    """The audit table's rows as the text of their cells."""
    table = page.split('<table id="audit">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [
            re.sub(r"<[^>]+>|\s+", " ", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def case_id(engine: Engine, number: str) -> int:
    with unit_of_work(engine, readonly=True) as session:
        return next(
            r["case_id"] for r in audit_history(session)["rows"] if r["municipality"] == number
        )


def test_every_case_is_checked_and_intact(engine: Engine, cases: dict[str, int]) -> None:
    page = logged_in(engine, "viewer").get("/audit")
    assert page.status_code == 200
    total = cases["0301"] + cases["5001"]
    assert result(page.text) == (
        f"Historikken er intakt: alle 2 saker ({total} oppføringer) er kontrollert, og hver "
        "kjede stemmer."
    )
    assert rows(page.text) == [
        ["0301", "Oslo", "regionale-2024-2025", str(cases["0301"]), "Intakt"],
        ["5001", "Trondheim - Tråante", "regionale-2024-2025", str(cases["5001"]), "Intakt"],
    ]
    assert 'href="/cases/0301?programme=regionale-2024-2025#timeline"' in page.text


def test_a_changed_entry_shows_on_its_case_first(engine: Engine, cases: dict[str, int]) -> None:
    oslo = case_id(engine, "0301")
    behind_the_databases_back(
        engine, f"UPDATE history SET reason = 'forged' WHERE seq = 2 AND case_id = {oslo}"
    )
    page = logged_in(engine, "viewer").get("/audit")
    assert result(page.text).startswith("Historikken er ikke intakt: 1 av 2 saker har brudd")
    first, second = rows(page.text)
    assert (
        first[0] == "0301"
        and "oppføring 2: innholdet er endret etter at den ble skrevet" in (first[4])
    )
    assert second[0] == "5001" and second[4] == "Intakt"
    assert 'class="broken"' in page.text


def test_a_removed_newest_entry_shows_from_the_case_head(
    engine: Engine, cases: dict[str, int]
) -> None:
    trondheim, newest = case_id(engine, "5001"), cases["5001"]
    behind_the_databases_back(
        engine, f"DELETE FROM history WHERE seq = {newest} AND case_id = {trondheim}"
    )
    page = logged_in(engine, "viewer").get("/audit")
    [broken, intact] = rows(page.text)
    assert broken[0] == "5001" and broken[3] == str(newest - 1)
    assert (
        f"kjeden slutter ved oppføring {newest - 1}, men saken har registrert {newest}" in broken[4]
    )
    assert intact[0] == "0301"


def test_only_the_broken_cases_and_the_downloads(engine: Engine, cases: dict[str, int]) -> None:
    oslo = case_id(engine, "0301")
    behind_the_databases_back(engine, f"DELETE FROM history WHERE seq = 3 AND case_id = {oslo}")
    client = logged_in(engine, "viewer")
    assert [r[0] for r in rows(client.get("/audit?broken=1").text)] == ["0301"]
    response = client.get("/audit?format=csv")
    assert 'filename="revisjon.csv"' in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["Kommunenummer", "Kommune", "Program", "Oppføringer", "Intakt", "Funn"]
    assert table[1][0] == "0301" and table[1][4] == "nei"
    assert "oppføring 3: mangler (fjernet)" in table[1][5]
    assert table[2][:1] == ["5001"] and table[2][4:] == ["ja", ""]
    book = load_workbook(io.BytesIO(client.get("/audit?format=xlsx&broken=1").content))
    values = list(book.active.iter_rows(values_only=True))
    assert [v[0] for v in values] == ["Kommunenummer", "0301"]


def test_the_read_side_groups_verifys_findings_per_case(
    engine: Engine, cases: dict[str, int]
) -> None:
    oslo = case_id(engine, "0301")
    behind_the_databases_back(
        engine, "UPDATE history SET hash = '" + "a" * 64 + f"' WHERE seq = 4 AND case_id = {oslo}"
    )
    with unit_of_work(engine, readonly=True) as session:
        report = audit_history(session)
    assert (report["intact"], report["cases"], report["broken"]) == (False, 2, 1)
    assert report["entries"] == sum(cases.values())
    [broken, intact] = report["rows"]
    assert broken["municipality"] == "0301" and not broken["intact"]
    assert broken["findings"] == [
        {"seq": 4, "problem": "content changed after it was written"},
        {"seq": 5, "problem": "does not follow the entry before it"},
    ]
    assert intact == {
        "case_id": intact["case_id"],
        "municipality": "5001",
        "name": "Trondheim - Tråante",
        "programme": "regionale-2024-2025",
        "entries": cases["5001"],
        "intact": True,
        "findings": [],
    }


def test_no_cases_yet(engine: Engine, programme_loaded: str) -> None:
    page = logged_in(engine, "viewer").get("/audit")
    assert "alle 0 saker" in result(page.text) and "Ingen saker ennå." in page.text


def test_the_page_needs_a_login(engine: Engine) -> None:
    response = console(engine).get("/audit")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/audit"
