"""A programme's rules are read through one typed object, ``Programme.rules``: the stored JSON
gives exactly what the file gives, every default lives in the schema, the cache follows a
reloaded file, and no product module reads the stored dict, spells out a state group or names
the time zone itself."""

from __future__ import annotations

import ast
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.programme_file import parse_programme_file
from kulturskole.services.programmes import get_programme, load_programme
from models import Programme
from models.definition import Invoicing, Obligations, ProgrammeDefinition, Reminders, Visits
from notifications.render import klokkeslett
from states.groups import END_STATES, PARTICIPATING, TERMINABLE
from states.machine import MACHINE, STATES
from tests.builders.programmes import PROGRAMME_FILE, PROGRAMME_ID

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("models", "states", "notifications", "kulturskole", "flows")


def _variant(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "programme.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _product_sources() -> list[tuple[str, ast.Module]]:
    found = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            found.append((relative, ast.parse(path.read_text(encoding="utf-8"))))
    assert len(found) > 50, f"too few product modules under {ROOT}: the checks below need them"
    return found


def test_rules_from_the_stored_json_equal_the_file() -> None:
    from_file = parse_programme_file(PROGRAMME_FILE)
    stored = json.loads(json.dumps(from_file.to_json()))  # as the database gives it back
    assert stored["fee"] == "20000.00" and stored["period"]["start"] == "2024-08-01"
    rules = Programme(id=from_file.id, definition=stored).rules
    assert rules == from_file
    assert rules.fee == Decimal("20000.00") and isinstance(rules.fee, Decimal)
    assert rules.fee_ore == from_file.fee_ore == 2_000_000
    assert rules.period.start == date(2024, 8, 1)
    assert rules.obligations.development_plan_due == from_file.obligations.development_plan_due
    assert isinstance(rules.obligations.development_plan_due, date)


@pytest.mark.parametrize(("fee", "ore"), [("20000.10", 2_000_010), ("12345.67", 1_234_567)])
def test_a_stored_fee_keeps_exact_ore(engine: Engine, tmp_path: Path, fee: str, ore: int) -> None:
    from_file = parse_programme_file(_variant(tmp_path, ('fee: "20000.00"', f'fee: "{fee}"')))
    with unit_of_work(engine) as session:
        load_programme(session, from_file)
    with unit_of_work(engine) as session:
        rules = get_programme(session, PROGRAMME_ID).rules
        assert rules == from_file
        assert rules.fee == Decimal(fee)
        assert rules.fee_ore == from_file.fee_ore == ore


def test_rules_from_the_database_equal_the_file(programme_loaded: str, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        programme = get_programme(session, programme_loaded)
        assert programme.rules == parse_programme_file(PROGRAMME_FILE)
        assert programme.rules is programme.rules  # validated once, not on every read


def test_cache_follows_a_reloaded_file(
    programme_loaded: str, engine: Engine, tmp_path: Path
) -> None:
    changed = _variant(tmp_path, ("grace_days: 14", "grace_days: 21"))
    with unit_of_work(engine) as session:
        programme = get_programme(session, programme_loaded)
        assert programme.rules.obligations.grace_days == 14
        load_programme(session, parse_programme_file(changed))
        assert programme.rules.obligations.grace_days == 21  # same row, new definition
    with unit_of_work(engine) as session:
        assert get_programme(session, programme_loaded).rules.obligations.grace_days == 21
        load_programme(session, parse_programme_file(PROGRAMME_FILE))
        assert get_programme(session, programme_loaded).rules.obligations.grace_days == 14


def test_every_default_comes_from_the_schema() -> None:
    stored = parse_programme_file(PROGRAMME_FILE).to_json()
    for section in ("visits", "obligations", "reminders"):
        del stored[section]
    for key in ("payment_terms_days", "series", "first_number"):
        del stored["invoicing"][key]
    rules = Programme(id="p", definition=stored).rules
    assert rules.visits == Visits()
    assert rules.obligations == Obligations()
    assert rules.reminders == Reminders()
    assert rules.obligations.grace_days == 14
    assert (
        rules.invoicing.payment_terms_days == Invoicing.model_fields["payment_terms_days"].default
    )
    assert rules.invoicing.first_number == 1 and rules.invoicing.series is None


def test_no_product_module_reads_the_stored_definition() -> None:
    """Only ``Programme.rules`` touches ``.definition``; everyone else reads the typed rules."""
    readers = [
        f"{path}:{node.lineno}"
        for path, tree in _product_sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "definition"
    ]
    assert [reader.rpartition(":")[0] for reader in readers] == ["models/programme.py"], readers


def test_state_groups_follow_the_machine() -> None:
    assert PARTICIPATING == ("contracted", "active")
    assert END_STATES == ("completed", "terminated", "declined")
    assert all(not MACHINE.get_triggers(state) for state in END_STATES)
    assert TERMINABLE == ("selected", "contracted", "active")
    assert set(STATES) >= set(PARTICIPATING) | set(END_STATES) | set(TERMINABLE)


def test_state_groups_are_spelled_out_only_in_states_groups() -> None:
    """Beside the machine's own transitions, which the groups are derived from."""
    spelled = [
        f"{path}:{node.lineno}"
        for path, tree in _product_sources()
        if path not in ("states/groups.py", "states/machine.py")
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple | ast.List | ast.Set)
        and [getattr(e, "value", None) for e in node.elts]
        in (list(PARTICIPATING), list(TERMINABLE), list(END_STATES))
    ]
    assert spelled == []


def test_only_the_settings_name_the_time_zone() -> None:
    """``get_settings().tz`` everywhere; the calendar files keep their fixed Europe/Oslo."""
    zones = [
        f"{path}:{node.lineno}"
        for path, tree in _product_sources()
        if path not in ("kulturskole/config.py", "kulturskole/visits/ics.py")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ZoneInfo"
    ]
    assert zones == []


def test_the_time_zone_is_looked_up_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime(2024, 10, 22, 8, 0, tzinfo=UTC)
    assert klokkeslett(moment) == "10.00"  # Europe/Oslo, summer time
    monkeypatch.setenv("KULTURSKOLE_TIMEZONE", "UTC")
    assert klokkeslett(moment) == "08.00"


def test_the_schema_imports_nothing_from_kulturskole() -> None:
    for path, tree in _product_sources():
        if not path.startswith("models/definition"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in node.names]
                assert not any((n or "").startswith("kulturskole") for n in names), path
    assert ProgrammeDefinition.__module__ == "models.definition"
