"""The visit commands: advisors, cases advisor, calendar, visits, and the schedule-visits flow."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.builders.invoicing import active
from tests.builders.visits import (
    ALL_AT_ONCE,
    ANNE,
    BJORN,
    TWO_ADVISORS,
    advisor_of,
    advisors_csv,
    free_weekday,
    history,
    import_advisors,
    invite_weeks_before,
    row_counts,
    schedule,
    visit_of,
    visits,
)
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")

VISIT_KEYS = {"id", "municipality", "window", "start", "mode", "advisor", "status"}
W1 = "visit-window-1"


def ok_json(cli, *args: str):  # noqa: ANN001, ANN201
    result = run(cli, *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def refused(cli, *args: str) -> str:  # noqa: ANN001
    """Run a command that must be refused: exit code 2 and exactly one `error:` line."""
    result = run(cli, *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def scheduled(engine: Engine, tmp_path: Path, programme_loaded: str) -> None:
    """0301 (Anne), 1101 and 1103 (Bjørn, Anne by county), all visits of the exact windows
    (every window invited at once: these tests are about the commands, not the dates)."""
    active(engine, "0301", "1101", "1103")
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    invite_weeks_before(engine, tmp_path, ALL_AT_ONCE)
    schedule(engine, "2024-09-26")


# --- advisors ---------------------------------------------------------------------------------


def test_advisors_import_and_list(engine: Engine, cli, tmp_path: Path) -> None:  # noqa: ANN001
    path = advisors_csv(tmp_path, *TWO_ADVISORS)
    first = run(cli, "advisors", "import", str(path))
    assert first.exit_code == 0, first.stderr
    assert "advisors: 2 created, 0 updated, 0 unchanged" in first.stdout
    listed = ok_json(cli, "advisors", "list")
    assert [
        (a["name"], a["email"], a["phone"], a["counties"], a["max_physical_per_day"])
        for a in listed
    ] == [
        ("Anne Berg", ANNE, None, ["03", "11"], 1),
        ("Bjørn Dal", BJORN, "+47 912 00 001", ["11"], 1),
    ]
    assert [(a["max_digital_per_day"], a["cases"]) for a in listed] == [(3, 0), (3, 0)]
    again = run(cli, "advisors", "import", str(path))
    assert "advisors: 0 created, 0 updated, 2 unchanged" in again.stdout
    table = run(cli, "advisors", "list")
    assert table.exit_code == 0 and ANNE in table.stdout and "03 11" in table.stdout


def test_advisors_import_refuses_a_bad_file_with_one_error_line_naming_the_line(
    engine: Engine,
    cli,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    path = advisors_csv(tmp_path, TWO_ADVISORS[0], "Ukjent,ukjent@kulturskoleradet.no,,99,,")
    error = refused(cli, "advisors", "import", str(path))
    assert f"{path}:3:" in error and "'99'" in error
    assert ok_json(cli, "advisors", "list") == []
    assert "no such file" in refused(cli, "advisors", "import", str(tmp_path / "none.csv"))


# --- cases advisor ----------------------------------------------------------------------------


def test_cases_advisor_gives_the_case_an_advisor_and_records_it(
    engine: Engine,
    cli,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    active(engine, "0301")
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    result = run(cli, "cases", "advisor", "0301", "--email", BJORN.upper(), "--as-of", "2024-09-01")
    assert result.exit_code == 0, result.stderr
    assert f"0301: advisor {BJORN}" in result.stdout
    assert advisor_of(engine, "0301") == BJORN
    (entry,) = history(engine, "advisor-assigned")
    assert entry["number"] == "0301"
    assert (entry["details"]["previous_advisor_id"], entry["details"]["how"]) == (
        None,
        "by an administrator",
    )
    cases = {a["email"]: a["cases"] for a in ok_json(cli, "advisors", "list")}
    assert cases == {ANNE: 0, BJORN: 1}

    same = run(cli, "cases", "advisor", "0301", "--email", BJORN)
    assert same.exit_code == 0 and "(unchanged)" in same.stdout
    assert len(history(engine, "advisor-assigned")) == 1

    error = refused(cli, "cases", "advisor", "0301", "--email", "ingen@kulturskoleradet.no")
    assert "no advisor with e-mail ingen@kulturskoleradet.no" in error
    assert advisor_of(engine, "0301") == BJORN


# --- calendar ---------------------------------------------------------------------------------


def test_calendar_block_and_list(engine: Engine, cli, tmp_path: Path) -> None:  # noqa: ANN001
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    county = run(
        cli,
        "calendar",
        "block",
        "--scope",
        "county",
        "--ref",
        "03",
        "--from",
        "2024-10-07",
        "--to",
        "2024-10-11",
        "--reason",
        "Høstferie",
    )
    assert county.exit_code == 0, county.stderr
    assert "blocked 2024-10-07 – 2024-10-11 for county 03: Høstferie" in county.stdout
    advisor = run(
        cli,
        "calendar",
        "block",
        "--scope",
        "advisor",
        "--ref",
        ANNE.upper(),
        "--from",
        "2024-10-21",
        "--to",
        "2024-10-21",
        "--reason",
        "Kurs",
    )
    assert advisor.exit_code == 0, advisor.stderr
    listed = ok_json(cli, "calendar", "list")
    assert [{k: v for k, v in b.items() if k != "id"} for b in listed] == [
        {"scope": "county", "ref": "03", "from": "2024-10-07", "to": "2024-10-11",
         "reason": "Høstferie"},
        {"scope": "advisor", "ref": ANNE, "from": "2024-10-21", "to": "2024-10-21",
         "reason": "Kurs"},
    ]  # fmt: skip
    assert len({b["id"] for b in listed}) == 2


@pytest.mark.parametrize(
    ("scope", "ref", "first", "error"),
    [
        ("region", "03", "2024-10-07", "unknown scope 'region'"),
        ("advisor", "ingen@kulturskoleradet.no", "2024-10-07", "no advisor with e-mail"),
        ("county", "99", "2024-10-07", "county '99'"),
        ("municipality", "9999", "2024-10-07", "9999"),
        ("county", "03", "2024-13-01", "--from: '2024-13-01' is not a date"),
        ("county", "03", "2024-10-12", "ends (2024-10-11) before it starts (2024-10-12)"),
    ],
    ids=["scope", "advisor", "county", "municipality", "bad-date", "end-before-start"],
)
def test_calendar_block_refusals_exit_2_with_one_error_line_and_write_nothing(
    engine: Engine,
    cli,  # noqa: ANN001
    tmp_path: Path,
    scope: str,
    ref: str,
    first: str,
    error: str,
) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    line = refused(
        cli,
        "calendar",
        "block",
        *("--scope", scope, "--ref", ref, "--from", first, "--to", "2024-10-11"),
        *("--reason", "Høstferie"),
    )
    assert error in line
    assert ok_json(cli, "calendar", "list") == []


# --- visits -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("scheduled")
def test_visits_list_shows_every_visit_in_time_order_and_filters_by_advisor(
    engine: Engine,
    cli,  # noqa: ANN001
) -> None:
    listed = ok_json(cli, "visits", "list")
    assert len(listed) == 12
    assert all(set(item) >= VISIT_KEYS for item in listed)
    starts = [item["start"] for item in listed]
    assert starts == sorted(starts, key=lambda s: (s[:10], s))
    expected = {v.id: v for v in visits(engine)}
    for item in listed:
        v = expected[item["id"]]
        assert (item["municipality"], item["window"], item["mode"], item["advisor"]) == (
            v.number,
            v.window,
            v.mode,
            v.advisor,
        )
        assert (item["start"], item["status"]) == (v.start.isoformat(), "scheduled")
    only_bjorn = ok_json(cli, "visits", "list", "--advisor", BJORN)
    assert {item["advisor"] for item in only_bjorn} == {BJORN}
    assert {item["id"] for item in only_bjorn} == {
        v.id for v in visits(engine) if v.advisor == BJORN
    }
    table = run(cli, "visits", "list")
    assert table.exit_code == 0 and "12 visits" in table.stdout


def test_visits_list_by_advisor_finds_an_advisor_whose_address_has_capitals(
    engine: Engine,
    cli,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    active(engine, "0301")
    import_advisors(engine, tmp_path, "Anne Berg,Anne.Berg@kulturskoleradet.no,,03 11,,")
    schedule(engine, "2024-09-26")
    listed = ok_json(cli, "visits", "list", "--advisor", "Anne.Berg@kulturskoleradet.no")
    assert len(listed) == 1  # window 1's: the only window invited by 26 September


@pytest.mark.usefixtures("scheduled")
def test_visits_move_cancel_done_and_missed_commands(engine: Engine, cli) -> None:  # noqa: ANN001
    moving = visit_of(engine, "0301", W1)
    target = free_weekday(engine, moving.advisor, W1, date(2024, 10, 14))
    moved = run(
        cli, "visits", "move", str(moving.id), "--to", f"{target}T10:00", "--as-of", "2024-09-26"
    )
    assert moved.exit_code == 0, moved.stderr
    assert f"visit {moving.id} moved to {target} 10:00" in moved.stdout
    after_move = visit_of(engine, "0301", W1)
    assert (after_move.day, after_move.start.hour, after_move.sequence) == (target, 10, 1)

    cancelling = visit_of(engine, "1101", W1)
    cancelled = run(
        cli, "visits", "cancel", str(cancelling.id), "--reason", "Sykdom", "--as-of", "2024-09-26"
    )
    assert cancelled.exit_code == 0 and f"visit {cancelling.id} cancelled" in cancelled.stdout

    done_visit = visit_of(engine, "1103", W1)
    done = run(
        cli, "visits", "done", str(done_visit.id), "--notes", "Godt møte", "--as-of", "2024-11-04"
    )
    assert done.exit_code == 0 and f"visit {done_visit.id} done" in done.stdout

    missing = visit_of(engine, "0301", "visit-window-2")
    missed = run(
        cli, "visits", "missed", str(missing.id), "--reason", "Ingen møtte", "--as-of", "2025-02-03"
    )
    assert missed.exit_code == 0 and f"visit {missing.id} missed" in missed.stdout

    by_id = {item["id"]: item for item in ok_json(cli, "visits", "list")}
    assert by_id[moving.id]["status"] == "scheduled"
    assert by_id[moving.id]["start"] == f"{target}T10:00:00+02:00"
    assert (by_id[cancelling.id]["status"], by_id[cancelling.id]["reason"]) == (
        "cancelled",
        "Sykdom",
    )
    assert (by_id[done_visit.id]["status"], by_id[done_visit.id]["notes"]) == ("done", "Godt møte")
    assert (by_id[missing.id]["status"], by_id[missing.id]["reason"]) == ("missed", "Ingen møtte")


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (["move", "9999", "--to", "2024-10-16T10:00"], "no visit 9999"),
        (["move", "{id}", "--to", "neste tirsdag"], "--to: 'neste tirsdag' is not a date and time"),
        (["move", "{id}", "--to", "2024-10-19T10:00"], "weekend"),
        (["move", "{id}", "--to", "2024-11-04T10:00"], "is outside"),
        (["cancel", "9999", "--reason", "Avlyst"], "no visit 9999"),
        (["cancel", "{id}", "--reason", " "], "a reason is required"),
        (["done", "{id}"], "after the effective date 2024-09-26"),
        (["missed", "{id}", "--reason", ""], "a reason is required"),
    ],
    ids=[
        "move-unknown-id",
        "move-bad-to",
        "move-to-saturday",
        "move-outside-window",
        "cancel-unknown-id",
        "cancel-no-reason",
        "done-before-the-day",
        "missed-no-reason",
    ],
)
@pytest.mark.usefixtures("scheduled")
def test_visit_commands_refuse_with_exit_2_and_one_error_line_and_change_nothing(
    engine: Engine,
    cli,  # noqa: ANN001
    command: list[str],
    error: str,
) -> None:
    visit = visit_of(engine, "0301", W1)
    before = row_counts(engine), visits(engine)
    args = [a.replace("{id}", str(visit.id)) for a in command]
    line = refused(cli, "visits", *args, "--as-of", "2024-09-26")
    assert error in line
    assert (row_counts(engine), visits(engine)) == before


@pytest.mark.usefixtures("scheduled")
def test_visits_move_to_a_date_without_a_time_does_not_put_the_visit_at_midnight(
    engine: Engine,
    cli,  # noqa: ANN001
) -> None:
    visit = visit_of(engine, "0301", W1)
    target = free_weekday(engine, visit.advisor, W1, date(2024, 10, 14))
    result = run(cli, "visits", "move", str(visit.id), "--to", str(target), "--as-of", "2024-09-26")
    after = visit_of(engine, "0301", W1)
    assert result.exit_code == 2 or after.start.hour != 0, after


# --- the schedule-visits flow -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_run_visits_dry_run_then_for_real_then_again(
    engine: Engine,
    cli,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    active(engine, "0301", "1101", "1505")  # nobody covers 1505 Kristiansund (county 15)
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    before = row_counts(engine)

    dry = ok_json(cli, "run", "visits", "--as-of", "2024-09-26", "--dry-run")
    assert {"scheduled", "unplaced", "skipped_windows", "waiting_windows"} <= set(dry)
    assert (dry["dry_run"], dry["scheduled"]) == (True, 2)
    assert row_counts(engine) == before

    # 26 September: only window 1 is invited (from 2 September); the others wait their turn.
    real = ok_json(cli, "run", "visits", "--as-of", "2024-09-26")
    assert (real["dry_run"], real["scheduled"], real["already_scheduled"]) == (False, 2, 0)
    assert [w["window"] for w in real["skipped_windows"]] == ["visit-window-4"]
    assert [(w["window"], w["invite_on"]) for w in real["waiting_windows"]] == [
        ("visit-window-2", "2024-12-09"),
        ("visit-window-3", "2025-02-03"),
        ("visit-window-5", "2025-10-27"),
    ]
    assert [(u["municipality"], u["window"]) for u in real["unplaced"]] == [
        ("1505", "visit-window-1")
    ]
    assert all(u["reason"] == "no advisor covers county 15" for u in real["unplaced"])
    listed = ok_json(cli, "visits", "list")
    assert len(listed) == 2 and {v["municipality"] for v in listed} == {"0301", "1101"}
    entries = history(engine, "visit-scheduled")
    assert len(entries) == 2 and all(e["flow_run_id"] for e in entries)

    again = run(cli, "run", "visits", "--as-of", "2024-09-27")
    assert again.exit_code == 0, again.stderr
    assert "scheduled 0 visits; 2 already scheduled; 1 not placed" in again.stdout
    assert "visit-window-4 skipped" in again.stdout
    assert len(ok_json(cli, "visits", "list")) == 2
