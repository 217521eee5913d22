"""The append-only, hash-chained history: written with every change, refused to be rewritten."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from kulturskole.db import unit_of_work
from kulturskole.history import current_flow_run_id, verify
from kulturskole.services import cases as service
from models import HistoryEntry, Person
from tests.builders.cases import GROUP, acting, apply_case, ready_for_contract
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")


def entries(engine: Engine) -> list[HistoryEntry]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(select(HistoryEntry).order_by(HistoryEntry.case_id, HistoryEntry.seq))
        )


def findings(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        return [str(f) for f in verify(session)]


def behind_the_databases_back(engine: Engine, sql: str) -> None:
    """Change history as an intruder with table rights would: triggers off, then on again."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER history_no_update"))
            connection.execute(text("DROP TRIGGER history_no_delete"))
            connection.execute(text(sql))
            for verb in ("UPDATE", "DELETE"):
                connection.execute(
                    text(
                        f"CREATE TRIGGER history_no_{verb.lower()} BEFORE {verb} ON history "
                        f"BEGIN SELECT RAISE(ABORT, 'history is append-only: {verb} refused'); END"
                    )
                )
        else:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(sql))


def test_every_change_appends_one_chained_entry(engine: Engine) -> None:
    ready_for_contract(engine)
    rows = entries(engine)
    actions = [e.action for e in rows if not e.action.startswith("mail-")]
    assert actions == ["apply", "select"] + ["member-added"] * 4 + [
        "role-mapping-done",
        "invoicing-details-changed",
        "signed",
        "countersigned",
    ]
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    select = next(e for e in rows if e.action == "select")
    assert select.from_state == "applied" and select.to_state == "selected"
    assert str(select.effective_on) == "2024-05-15"
    assert rows[0].at.utcoffset().total_seconds() == 0
    assert all(e.actor == "tester" for e in rows)
    assert findings(engine) == []


@pytest.mark.parametrize("sql", ["UPDATE history SET reason = 'x'", "DELETE FROM history"])
def test_database_refuses_to_rewrite_history(engine: Engine, sql: str) -> None:
    apply_case(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(sql))
    assert len(entries(engine)) == 2  # apply, mail-queued


def test_changed_entry_is_found_and_named(engine: Engine, cli) -> None:  # noqa: ANN001
    ready_for_contract(engine)
    behind_the_databases_back(engine, "UPDATE history SET reason = 'forged' WHERE seq = 2")
    assert findings(engine) == [
        "case 0301 in regionale-2024-2025 (id 1), entry 2: content changed after it was written"
    ]
    result = run(cli, "audit", "verify")
    assert result.exit_code == 1
    assert "entry 2: content changed" in result.stderr


def test_removed_entry_is_found(engine: Engine) -> None:
    ready_for_contract(engine)
    behind_the_databases_back(engine, "DELETE FROM history WHERE seq = 3")
    found = findings(engine)
    assert any("entry 3: missing (removed)" in f for f in found)


def test_removed_newest_entry_is_found_from_the_case_head(engine: Engine) -> None:
    ready_for_contract(engine)
    newest = len(entries(engine))
    behind_the_databases_back(engine, f"DELETE FROM history WHERE seq = {newest}")
    assert findings(engine) == [
        f"case 0301 in regionale-2024-2025 (id 1), its chain: ends at entry {newest - 1}, "
        f"but the case records {newest} entries"
    ]


def test_rehashed_forgery_still_breaks_the_chain(engine: Engine) -> None:
    """Recomputing one entry's hash does not help: the next entry points at the old one."""
    ready_for_contract(engine)
    behind_the_databases_back(engine, "UPDATE history SET hash = '" + "a" * 64 + "' WHERE seq = 4")
    found = findings(engine)
    assert any("entry 4: content changed" in f for f in found)
    assert any("entry 5: does not follow the entry before it" in f for f in found)


def test_personal_data_is_referred_to_not_copied(engine: Engine) -> None:
    ready_for_contract(engine)
    dump = " ".join(f"{e.actor} {e.reason} {e.details}" for e in entries(engine))
    for name, email, phone, _role in GROUP:
        assert name not in dump and email not in dump
        if phone:
            assert phone not in dump
    assert "Kari Søker" not in dump and "Kommunedirektør Hansen" not in dump


def test_erasing_a_person_keeps_every_chain_intact(engine: Engine) -> None:
    ready_for_contract(engine)
    with unit_of_work(engine) as session:
        for person in session.scalars(select(Person)):
            person.name, person.email, person.phone = "[slettet]", None, None
    assert findings(engine) == []


def test_entries_carry_the_flow_run_that_made_them(engine: Engine) -> None:
    apply_case(engine)
    token = current_flow_run_id.set("5f0c6a3e-0000-4000-8000-000000000001")
    try:
        with unit_of_work(engine) as session:
            case = service.find_case(session, "0301", for_update=True)
            service.transition(session, case, "select", acting("2024-05-15"))
    finally:
        current_flow_run_id.reset(token)
    run_id = "5f0c6a3e-0000-4000-8000-000000000001"
    rows = entries(engine)
    assert [(e.action, e.flow_run_id) for e in rows] == [
        ("apply", None),
        ("mail-queued", None),
        ("select", run_id),
        ("mail-queued", run_id),
        ("mail-queued", run_id),
    ]
    assert findings(engine) == []


def test_refused_transition_writes_no_entry(engine: Engine) -> None:
    apply_case(engine, dialogue=False)
    with pytest.raises(Exception, match="dialogue"), unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(HistoryEntry)) == 2
    assert findings(engine) == []
