"""Loading programme files into the database, and choosing a programme, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner, Result

from models import Base, Case, HistoryEntry
from tests.builders.cases import apply_case
from tests.builders.programmes import PROGRAMME_FILE, PROGRAMME_ID
from tests.support.cli import run

SHIPPED_TEXT = PROGRAMME_FILE.read_text(encoding="utf-8")
KINDS = {"inspiration", "coordinator-meeting", "joint-gathering", "visit-window", "sharing-arena"}
TENTATIVE_WINDOW_4 = """\
    tentative: true
    when: "Juni eller august 2025"
    months: ["2025-06", "2025-08"]
    weeks: []
"""
EXACT_WINDOW_4 = """\
    start: 2025-06-02
    end: 2025-06-13
    weeks: [23, 24]
    tentative: false
"""


def write_variant(path: Path, old: str, new: str) -> Path:
    assert SHIPPED_TEXT.count(old) == 1, old
    path.write_text(SHIPPED_TEXT.replace(old, new), encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def refused(result: Result) -> str:
    """The one error line of a refused command (exit 2, no traceback, nothing on stdout)."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert result.stdout == ""
    return lines[0]


def show_json(cli: CliRunner, *args: str) -> dict:
    result = run(cli, "programmes", "show", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def everything(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, to show that a refused command wrote nothing."""
    with engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in connection.execute(select(table))), key=str
            )
            for table in Base.metadata.sorted_tables
        }


def cases_and_history(engine: Engine) -> tuple[list[tuple], int]:
    with engine.connect() as connection:
        cases = [
            tuple(row)
            for row in connection.execute(
                select(
                    Case.municipality_number,
                    Case.state,
                    Case.version,
                    Case.history_seq,
                    Case.history_hash,
                ).order_by(Case.id)
            )
        ]
        entries = connection.execute(select(func.count()).select_from(HistoryEntry)).scalar_one()
    return cases, entries


def test_load_creates_then_reports_unchanged(database_url: str, cli: CliRunner) -> None:
    first = run(cli, "programmes", "load", str(PROGRAMME_FILE))
    assert first.exit_code == 0, first.output
    assert f"programme {PROGRAMME_ID}: created (19 events)" in first.stdout
    shown = show_json(cli)

    second = run(cli, "programmes", "load", str(PROGRAMME_FILE))
    assert second.exit_code == 0, second.output
    assert f"programme {PROGRAMME_ID}: unchanged (19 events)" in second.stdout
    assert show_json(cli) == shown


def test_reload_makes_tentative_event_exact_and_leaves_cases_and_history_untouched(
    engine: Engine, programme_loaded: str, cli: CliRunner, tmp_path: Path
) -> None:
    apply_case(engine, "0301")
    apply_case(engine, "1103")
    assert run(cli, "cases", "select", "1103", "--as-of", "2024-05-15").exit_code == 0
    cases_before = cases_and_history(engine)
    events_before = {event["id"]: event for event in show_json(cli)["events"]}
    assert events_before["visit-window-4"]["tentative"] is True

    edited = write_variant(tmp_path / "p.yaml", TENTATIVE_WINDOW_4, EXACT_WINDOW_4)
    result = run(cli, "programmes", "load", str(edited))

    assert result.exit_code == 0, result.output
    assert f"programme {PROGRAMME_ID}: updated (19 events)" in result.stdout
    events_after = {event["id"]: event for event in show_json(cli)["events"]}
    assert events_after["visit-window-4"] == {
        **events_before["visit-window-4"],
        "start": "2025-06-02",
        "end": "2025-06-13",
        "weeks": [23, 24],
        "tentative": False,
        "when": None,
    }
    assert list(events_after) == list(events_before)  # same events, same order
    for event_id, event in events_before.items():
        if event_id != "visit-window-4":
            assert events_after[event_id] == event
    assert cases_and_history(engine) == cases_before
    verified = run(cli, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "history intact" in verified.stdout


def test_show_json_has_the_promised_keys_and_the_whole_timetable(
    programme_loaded: str, cli: CliRunner
) -> None:
    data = show_json(cli)
    # The promised keys, plus currency and instalments (which the command also gives).
    assert set(data) == {
        "id",
        "title",
        "period_start",
        "period_end",
        "fee",
        "currency",
        "instalments",
        "events",
    }
    assert data["id"] == PROGRAMME_ID
    assert data["title"] == "Fremtidens kulturskole – regionale program 2024–2025"
    assert (data["period_start"], data["period_end"]) == ("2024-08-01", "2025-12-31")
    assert data["fee"] == "20000.00"
    assert len(data["events"]) == 19
    for event in data["events"]:
        assert set(event) == {
            "id",
            "title",
            "kind",
            "mode",
            "start",
            "end",
            "weeks",
            "tentative",
            "when",
        }, event
        assert event["kind"] in KINDS
        assert event["mode"] in ("physical", "digital", None)
        assert isinstance(event["weeks"], list)
        assert isinstance(event["tentative"], bool)
        if event["tentative"]:
            assert event["start"] is None and event["end"] is None and event["when"]
        else:
            assert event["start"] <= event["end"]
    assert [e["id"] for e in data["events"]][:3] == [
        "inspiration",
        "coordinator-meeting-1",
        "joint-gathering-1",
    ]
    gathering = next(e for e in data["events"] if e["id"] == "joint-gathering-1")
    assert gathering == {
        "id": "joint-gathering-1",
        "title": "Fellessamling 1: oppstart av regionale program",
        "kind": "joint-gathering",
        "mode": "physical",
        "start": "2024-09-24",
        "end": "2024-09-25",
        "weeks": [39],
        "tentative": False,
        "when": None,
    }


def test_show_json_selects_a_programme_by_id(programme_loaded: str, cli: CliRunner) -> None:
    assert show_json(cli, PROGRAMME_ID)["id"] == PROGRAMME_ID


def test_malformed_file_exits_2_naming_the_line_and_changes_nothing(
    engine: Engine, programme_loaded: str, cli: CliRunner, tmp_path: Path
) -> None:
    apply_case(engine, "0301")
    before = everything(engine)
    bad = write_variant(tmp_path / "p.yaml", "start: 2024-09-24", "start: 2024-09-31")
    line = line_of(SHIPPED_TEXT, "start: 2024-09-24")

    error = refused(run(cli, "programmes", "load", str(bad)))

    assert error.startswith(f"error: {bad}:{line}: events[2].start: "), error
    assert "valid date" in error
    assert everything(engine) == before


def test_malformed_new_programme_is_not_created(
    engine: Engine, database_url: str, cli: CliRunner, tmp_path: Path
) -> None:
    before = everything(engine)
    text = SHIPPED_TEXT.replace(f"id: {PROGRAMME_ID}", "id: regionale-2026-2027")
    bad = tmp_path / "p.yaml"
    bad.write_text(text.replace("instalments: 3", "instalments: 2"), encoding="utf-8")

    error = refused(run(cli, "programmes", "load", str(bad)))

    assert error.startswith(f"error: {bad}:{line_of(text, 'instalments: 3')}: "), error
    assert "invoicing.instalments" in error
    assert everything(engine) == before


def test_weeks_that_contradict_the_dates_are_refused(
    engine: Engine, programme_loaded: str, cli: CliRunner, tmp_path: Path
) -> None:
    before = everything(engine)
    old = "start: 2024-09-24\n    end: 2024-09-25\n    weeks: [39]"
    bad = write_variant(tmp_path / "p.yaml", old, old.replace("[39]", "[38]"))

    error = refused(run(cli, "programmes", "load", str(bad)))

    assert f"{bad}:{line_of(SHIPPED_TEXT, old) + 2}: events[2].weeks: " in error, error
    assert "ISO weeks [39]" in error
    assert everything(engine) == before


def test_missing_programme_file_exits_2(database_url: str, cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    assert refused(run(cli, "programmes", "load", str(path))) == f"error: {path}: no such file"


def test_with_two_programmes_a_case_command_needs_programme_and_names_both(
    engine: Engine, programme_loaded: str, cli: CliRunner, tmp_path: Path
) -> None:
    apply_case(engine, "0301")
    other = write_variant(tmp_path / "other.yaml", f"id: {PROGRAMME_ID}", "id: regionale-2026-2027")
    loaded = run(cli, "programmes", "load", str(other))
    assert loaded.exit_code == 0, loaded.output
    before = everything(engine)

    for args in (
        ("cases", "show", "0301"),
        ("cases", "list"),
        ("cases", "select", "0301", "--as-of", "2024-05-15"),
    ):
        error = refused(run(cli, *args))
        assert PROGRAMME_ID in error and "regionale-2026-2027" in error, error
        assert "--programme" in error

    assert everything(engine) == before
    chosen = run(cli, "cases", "show", "0301", "--programme", PROGRAMME_ID, "--json")
    assert chosen.exit_code == 0, chosen.output
    assert json.loads(chosen.stdout)["programme"] == PROGRAMME_ID


def test_unknown_programme_exits_2(engine: Engine, programme_loaded: str, cli: CliRunner) -> None:
    apply_case(engine, "0301")
    before = everything(engine)
    for args in (
        ("cases", "show", "0301", "--programme", "unknown"),
        ("cases", "select", "0301", "--programme", "unknown", "--as-of", "2024-05-15"),
        ("programmes", "show", "unknown"),
    ):
        error = refused(run(cli, *args))
        assert "'unknown'" in error and PROGRAMME_ID in error, error
    assert everything(engine) == before
