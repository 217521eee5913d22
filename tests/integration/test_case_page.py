"""One case as the console reads it: what each trigger lacks in both languages, the names
behind the history's actors and ids, the chain check of that case alone, and only that case's
invoices, visits, attendance, breaches and mail."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.errors import NotFound
from kulturskole.history import Acting, verify_case
from kulturskole.read.case_page import case_page
from kulturskole.services import cases as service
from kulturskole.services.users import add_user
from tests.builders.case_lists import Varied, varied_cases
from tests.builders.cases import GROUP, apply_case, ready_for_contract
from tests.integration.test_history import behind_the_databases_back

pytestmark = pytest.mark.usefixtures("programme_loaded")


def page(engine: Engine, number: str = "0301", day: str = "2024-09-26") -> dict:
    with unit_of_work(engine, readonly=True) as session:
        return case_page(session, number, date.fromisoformat(day))


def test_what_each_trigger_lacks_in_english_and_norwegian(engine: Engine) -> None:
    apply_case(engine, dialogue=False)
    missing = page(engine, day="2024-04-20")["missing"]
    assert [m["trigger"] for m in missing] == ["select", "reject", "withdraw"]
    select = missing[0]
    assert select["unmet"] == ["the application does not confirm dialogue with the county branch"]
    assert select["unmet_nb"] == ["søknaden bekrefter ikke dialog med fylkesavdelingen"]
    assert missing[1]["unmet"] == missing[1]["unmet_nb"] == []


def test_the_contract_waits_for_the_period_in_words(engine: Engine) -> None:
    ready_for_contract(engine)
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, "contract", Acting("tester", date(2024, 6, 12)))
    activate = page(engine, day="2024-07-01")["missing"][0]
    assert activate["trigger"] == "activate"
    assert activate["unmet_nb"] == ["programperioden starter 1. august 2024 (per 1. juli 2024)"]


def test_actors_who_are_console_accounts_are_named(engine: Engine) -> None:
    apply_case(engine)
    with unit_of_work(engine) as session:
        add_user(session, "Kari.Admin@kulturskoleradet.no", "Kari Admin", "admin", "x" * 12)
        case = service.find_case(session, "0301", for_update=True)
        acting = Acting("kari.admin@kulturskoleradet.no", date(2024, 5, 15))
        service.transition(session, case, "select", acting)
    data = page(engine)
    assert data["actors"] == {"kari.admin@kulturskoleradet.no": "Kari Admin"}
    assert {row["actor"] for row in data["history"]} == {"tester", "kari.admin@kulturskoleradet.no"}


def test_people_and_advisors_named_in_the_history_by_id(engine: Engine, tmp_path: Path) -> None:
    varied_cases(engine, tmp_path)
    data = page(engine)
    names = set(data["people"].values())
    assert {name for name, *_ in GROUP} <= names
    assert "Kari Søker" in names and "Kommunedirektør Hansen" in names
    assert set(data["advisors"].values()) == {"Anne Berg"}
    assert data["advisor"] == {"name": "Anne Berg", "email": "anne.berg@kulturskoleradet.no"}
    assert data["county"] == "Oslo"


def test_only_this_cases_invoices_visits_attendance_breaches_and_mail(
    engine: Engine, tmp_path: Path
) -> None:
    made: Varied = varied_cases(engine, tmp_path)
    oslo, eigersund = page(engine, "0301"), page(engine, "1101")
    assert [i["municipality"] for i in oslo["invoices"]] == ["0301"]
    assert oslo["invoices"][0]["status"] in ("issued", "sent")
    assert eigersund["invoices"][0]["status"] == "paid"
    assert oslo["visits"] and {v["municipality"] for v in oslo["visits"]} == {"0301"}
    assert {v["municipality"] for v in eigersund["visits"]} == {"1101"}
    assert oslo["attendance"] == []
    assert [a["event"] for a in eigersund["attendance"]] == ["coordinator-meeting-1"]
    assert {b["municipality"] for b in oslo["breaches"]} == {made.with_breach}
    assert eigersund["breaches"] == []
    mine = {m["id"] for m in oslo["mail"]}
    theirs = {m["id"] for m in eigersund["mail"]}
    assert mine and theirs and not mine & theirs
    assert oslo["events"]["coordinator-meeting-1"]  # event ids → titles


def test_the_chain_of_one_case_is_checked_alone(engine: Engine) -> None:
    ready_for_contract(engine, "0301")
    ready_for_contract(engine, "1101")
    assert page(engine, "0301")["chain"] == {
        "intact": True,
        "entries": len(page(engine, "0301")["history"]),
        "problems": [],
    }
    behind_the_databases_back(
        engine, "UPDATE history SET reason = 'forged' WHERE seq = 2 AND case_id = 2"
    )
    assert page(engine, "0301")["chain"]["intact"] is True
    chain = page(engine, "1101")["chain"]
    assert chain["intact"] is False
    assert chain["problems"] == [{"seq": 2, "problem": "content changed after it was written"}]
    with unit_of_work(engine, readonly=True) as session:
        assert [str(f) for f in verify_case(session, 2)] == [
            "case 1101 in regionale-2024-2025 (id 2), entry 2: content changed after it was written"
        ]


def test_a_municipality_without_a_case_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound):
        page(engine, "0301")
