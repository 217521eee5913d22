"""The `kulturskole` command end to end: the happy path, and refusals that change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select
from typer.testing import CliRunner, Result

from kulturskole.db import engine_for, unit_of_work
from kulturskole.services import cases as service
from models import Base
from tests.builders.cases import acting, apply_case, ready_for_contract
from tests.builders.programmes import PROGRAMME_FILE, PROGRAMME_ID
from tests.support.cli import run

APPLY = (
    "--contact-name",
    "Kari Søker",
    "--contact-email",
    "kari@oslo.kommune.example.no",
    "--motivation",
    "Kulturskolen som del av hele tjenestetilbudet",
    "--development-area",
    "Inkludering",
)
GROUP = [
    ("Ola Koordinator", "ola@kommune.example.no", "+47 912 34 567", "coordinator"),
    ("Eva Eier", "eva@kommune.example.no", None, "school-owner"),
    ("Per Leder", "per@kommune.example.no", None, "culture-school-head"),
    ("Siri Politiker", "siri@kommune.example.no", None, "elected"),
]

HISTORY_KEYS = {"seq", "at", "actor", "action", "from_state", "to_state", "reason"}


def member(email: str, name: str, role: str, *extra: str) -> tuple[str, ...]:
    """The arguments of `cases member 0301` adding or updating one member."""
    return ("cases", "member", "0301", "--email", email, "--name", name, "--role", role, *extra)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert result.stderr == ""
    return result


def refused(result: Result) -> str:
    """The one error line of a refused command (exit 2, no traceback, nothing on stdout)."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert result.stdout == ""
    return lines[0]


def as_json(cli: CliRunner, *args: str) -> object:
    return json.loads(ok(run(cli, *args, "--json")).stdout)


def everything(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table: a refused command must leave all of them as they were."""
    with engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in connection.execute(select(table))), key=str
            )
            for table in Base.metadata.sorted_tables
        }


def state_and_history(cli: CliRunner, number: str = "0301") -> tuple[str, int]:
    state = as_json(cli, "cases", "show", number)["state"]
    return state, len(case_entries(as_json(cli, "cases", "history", number)))


def case_entries(entries: list[dict]) -> list[dict]:
    """History without the outbox's entries (mail queued/sent), which tests/test_outbox.py pins."""
    return [e for e in entries if not e["action"].startswith("mail-")]


def transition(engine: Engine, trigger: str, day: str, number: str = "0301") -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        service.transition(session, case, trigger, acting(day))


@pytest.fixture
def selected(engine: Engine, programme_loaded: str) -> str:
    apply_case(engine, "0301")
    transition(engine, "select", "2024-05-15")
    return "0301"


@pytest.fixture
def active(engine: Engine, programme_loaded: str) -> str:
    ready_for_contract(engine, "0301")
    transition(engine, "contract", "2024-06-20")
    transition(engine, "activate", "2024-08-01")
    return "0301"


# --- the happy path ---------------------------------------------------------------------------


def test_happy_path_from_application_to_active_through_the_cli_only(
    database_url: str, cli: CliRunner
) -> None:
    ok(run(cli, "municipalities", "import"))
    ok(run(cli, "programmes", "load", str(PROGRAMME_FILE)))
    applied = ok(
        run(cli, "cases", "apply", "0301", *APPLY, "--county-dialogue", "--as-of", "2024-04-15")
    )
    assert "0301 Oslo: applied to regionale-2024-2025" in applied.stdout
    ok(run(cli, "cases", "select", "0301", "--as-of", "2024-05-15"))
    for name, email, phone, role in GROUP:
        phone_args = ("--phone", phone) if phone else ()
        added = ok(run(cli, *member(email, name, role, *phone_args, "--as-of", "2024-06-01")))
        assert f"member {email} added" in added.stdout
    ok(run(cli, "cases", "record", "0301", "--role-mapping-done", "--as-of", "2024-06-01"))
    signers = ("--chief-executive", "Kommunedirektør Hansen", "--culture-school-head", "Per Leder")
    signed = ("--signed-on", "2024-06-10", "--as-of", "2024-06-10")
    ok(run(cli, "cases", "sign", "0301", *signers, *signed))
    error = refused(run(cli, "cases", "contract", "0301", "--as-of", "2024-06-20"))
    assert "the buyer's reference and the invoice e-mail address" in error, error
    assert "the council director's signature" in error, error
    countersigned = ok(run(cli, "cases", "countersign", "0301", *signed))
    assert "signed by Morten Christiansen for the council on 2024-06-10" in countersigned.stdout
    details = (
        "--reference",
        "Kulturskolen v/ Ola Koordinator",
        "--email",
        "faktura@oslo.example.no",
    ) + ("--address", "Postboks 6127 Etterstad, 0602 Oslo", "--as-of", "2024-06-15")
    ok(run(cli, "cases", "invoicing-details", "0301", *details))
    contracted = ok(run(cli, "cases", "contract", "0301", "--as-of", "2024-06-20"))
    assert "selected → contracted" in contracted.stdout
    activated = ok(run(cli, "cases", "activate", "0301", "--as-of", "2024-08-01"))
    assert "contracted → active" in activated.stdout

    listed = as_json(cli, "cases", "list")
    assert [(c["municipality"], c["name"], c["state"]) for c in listed] == [
        ("0301", "Oslo", "active")
    ]
    assert as_json(cli, "cases", "list", "--state", "active") == listed
    assert as_json(cli, "cases", "list", "--state", "applied") == []

    shown = as_json(cli, "cases", "show", "0301", "--as-of", "2024-09-01")
    assert {"municipality", "name", "programme", "state", "members", "missing"} <= set(shown)
    assert (shown["municipality"], shown["name"]) == ("0301", "Oslo")
    assert (shown["programme"], shown["state"]) == (PROGRAMME_ID, "active")
    assert [(m["name"], m["email"], m["phone"], m["role"]) for m in shown["members"]] == GROUP
    assert set(shown["missing"]) == {"complete", "terminate"}
    assert any("2025-12-31" in unmet for unmet in shown["missing"]["complete"])

    entries = as_json(cli, "cases", "history", "0301")
    for entry in entries:
        assert set(entry) >= HISTORY_KEYS, entry
        assert entry["actor"] == "tester"
        assert datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).tzinfo is not None
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    mails = [e["details"]["template"] for e in entries if e["action"] == "mail-queued"]
    assert mails == [
        "application_received",
        "selected",
        "contract_for_signature",
        "contract_meeting_invitation",
        "welcome",
    ]
    entries = case_entries(entries)
    assert [(e["action"], e["from_state"], e["to_state"], e["effective_on"]) for e in entries] == [
        ("apply", None, "applied", "2024-04-15"),
        ("select", "applied", "selected", "2024-05-15"),
        ("member-added", None, None, "2024-06-01"),
        ("member-added", None, None, "2024-06-01"),
        ("member-added", None, None, "2024-06-01"),
        ("member-added", None, None, "2024-06-01"),
        ("role-mapping-done", None, None, "2024-06-01"),
        ("signed", None, None, "2024-06-10"),
        ("countersigned", None, None, "2024-06-10"),
        ("invoicing-details-changed", None, None, "2024-06-15"),
        ("contract", "selected", "contracted", "2024-06-20"),
        ("contract-stored", None, None, "2024-06-20"),
        ("contract-meeting-scheduled", None, None, "2024-06-20"),
        ("activate", "contracted", "active", "2024-08-01"),
    ]
    assert ok(run(cli, "audit", "verify")).stdout.startswith("history intact")


# --- refusals: one `error:` line, exit 2, nothing written -------------------------------------


def test_select_without_answers_names_each_missing_condition(
    engine: Engine, programme_loaded: str, cli: CliRunner
) -> None:
    contact = ("--contact-name", "Kari Søker", "--contact-email", "kari@oslo.kommune.example.no")
    no_answers = ("--motivation", "", "--development-area", "  ")
    ok(run(cli, "cases", "apply", "0301", *contact, *no_answers, "--as-of", "2024-04-15"))
    before = everything(engine)

    error = refused(run(cli, "cases", "select", "0301", "--as-of", "2024-05-15"))

    assert error.startswith("error: cannot select 0301 Oslo: "), error
    assert "(motivation)" in error
    assert "development area" in error
    assert "dialogue with the county branch" in error
    assert error.count(";") == 2  # three conditions, each named
    assert everything(engine) == before
    assert state_and_history(cli) == ("applied", 1)


def test_activate_before_the_period_starts_names_the_start_date(
    engine: Engine, programme_loaded: str, cli: CliRunner
) -> None:
    ready_for_contract(engine, "0301")
    transition(engine, "contract", "2024-06-20")
    before, counted = everything(engine), state_and_history(cli)

    error = refused(run(cli, "cases", "activate", "0301", "--as-of", "2024-07-31"))

    assert error == (
        "error: cannot activate 0301 Oslo: the programme period starts on 2024-08-01 "
        "(as of 2024-07-31)"
    )
    assert everything(engine) == before
    assert state_and_history(cli) == counted
    assert counted[0] == "contracted"


def test_trigger_not_allowed_from_the_state_names_the_allowed_triggers(
    engine: Engine, selected: str, cli: CliRunner
) -> None:
    before, counted = everything(engine), state_and_history(cli)
    error = refused(run(cli, "cases", "activate", "0301", "--as-of", "2024-09-01"))
    assert error == (
        "error: cannot activate 0301 Oslo: it is selected; "
        "allowed from selected: withdraw, contract, terminate"
    )
    assert everything(engine) == before
    assert state_and_history(cli) == counted


NEWCOMER = "ny@kommune.example.no"
REFUSALS = {
    "terminate-initiated-by-someone": (
        ("cases", "terminate", "0301", "--reason", "Møter ikke", "--initiated-by", "someone"),
        "--initiated-by must be leadership or coordinator, not 'someone'",
    ),
    "unknown-role": (
        member(NEWCOMER, "Ny Medlem", "boss"),
        "role 'boss' is unknown; use one of coordinator, school-owner,",
    ),
    "invalid-email": (
        member("ola.kommune.no", "Ola", "other"),
        "e-mail address 'ola.kommune.no' is invalid",
    ),
    "name-with-newline": (
        member(NEWCOMER, "Ola\nBcc: x@evil.example", "other"),
        "contains control characters",
    ),
    "phone-12": (
        member(NEWCOMER, "Ny Medlem", "other", "--phone", "12"),
        "phone number '12' is invalid",
    ),
    "as-of-month-13": (
        ("cases", "withdraw", "0301", "--as-of", "2024-13-01"),
        "--as-of: '2024-13-01' is not a date (use YYYY-MM-DD)",
    ),
    "municipality-999": (
        ("cases", "apply", "999", *APPLY),
        "municipality number '999' is not 4 digits",
    ),
    "municipality-9999": (
        ("cases", "apply", "9999", *APPLY),
        "no municipality 9999 in the register",
    ),
    "apply-twice": (
        ("cases", "apply", "0301", *APPLY),
        "0301 Oslo has already applied to regionale-2024-2025 (state selected)",
    ),
    "remove-unknown-member": (
        ("cases", "member", "0301", "--email", "ukjent@kommune.example.no", "--remove"),
        "no group member with e-mail ukjent@kommune.example.no",
    ),
    "list-unknown-state": (
        ("cases", "list", "--state", "nonsense"),
        "unknown state 'nonsense'; use one of applied, selected,",
    ),
    "show-unknown-municipality": (
        ("cases", "show", "9999"),
        "no municipality 9999 in the register",
    ),
    "municipality-not-applied": (
        ("cases", "select", "1103", "--as-of", "2024-05-15"),
        "1103 Stavanger has not applied to regionale-2024-2025",
    ),
}


@pytest.mark.parametrize(("args", "message"), REFUSALS.values(), ids=REFUSALS)
def test_refused_command_says_why_in_one_line_and_changes_nothing(
    engine: Engine, selected: str, cli: CliRunner, args: tuple[str, ...], message: str
) -> None:
    before, counted = everything(engine), state_and_history(cli)

    error = refused(run(cli, *args))

    assert message in error, error
    assert everything(engine) == before
    assert state_and_history(cli) == counted == ("selected", 2)


def test_terminate_without_reason_is_refused(engine: Engine, active: str, cli: CliRunner) -> None:
    before = everything(engine)
    terminate = ("cases", "terminate", "0301", "--initiated-by", "leadership")
    error = refused(run(cli, *terminate, "--reason", "  ", "--as-of", "2024-10-01"))
    assert error == "error: cannot terminate 0301 Oslo: a reason is required"
    assert everything(engine) == before


def test_command_on_a_database_never_migrated_says_to_run_db_upgrade(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    monkeypatch.setenv("KULTURSKOLE_DATABASE_URL", url)
    for args in (
        ("cases", "list", "--json"),
        ("cases", "show", "0301"),
        ("municipalities", "import"),
    ):
        error = refused(run(cli, *args))
        assert "has no schema; run `kulturskole db upgrade` first" in error, error
    assert inspect(engine_for(url)).get_table_names() == []


# --- terminate, and changing a member ---------------------------------------------------------


def test_terminate_by_coordinator_from_active_records_reason_and_initiator(
    engine: Engine, active: str, cli: CliRunner
) -> None:
    reason = "Kommunegruppen har ikke deltatt på samlingene"
    terminate = ("cases", "terminate", "0301", "--initiated-by", "coordinator")
    result = ok(run(cli, *terminate, "--reason", reason, "--as-of", "2024-10-01"))
    assert "active → terminated" in result.stdout

    assert as_json(cli, "cases", "show", "0301")["state"] == "terminated"
    last = case_entries(as_json(cli, "cases", "history", "0301"))[-1]
    assert (last["action"], last["from_state"], last["to_state"]) == (
        "terminate",
        "active",
        "terminated",
    )
    assert last["reason"] == reason
    assert last["details"] == {"initiated_by": "coordinator"}
    assert (last["effective_on"], last["actor"]) == ("2024-10-01", "tester")
    assert ok(run(cli, "audit", "verify")).stdout.startswith("history intact")


def test_member_update_by_same_email_changes_phone_once(
    engine: Engine, selected: str, cli: CliRunner
) -> None:
    ola = member("ola@kommune.example.no", "Ola Koordinator", "coordinator")
    ok(run(cli, *ola, "--phone", "91234567", "--as-of", "2024-06-01"))
    count = len(as_json(cli, "cases", "history", "0301"))

    changed = ok(run(cli, *ola, "--phone", "98765432", "--as-of", "2024-06-02"))

    assert "member ola@kommune.example.no changed" in changed.stdout
    members = as_json(cli, "cases", "show", "0301")["members"]
    assert [(m["email"], m["phone"]) for m in members] == [("ola@kommune.example.no", "98765432")]
    entries = as_json(cli, "cases", "history", "0301")
    assert len(entries) == count + 1
    assert entries[-1]["action"] == "member-changed"
    assert entries[-1]["details"]["changed"] == ["phone"]
    assert entries[-1]["effective_on"] == "2024-06-02"

    again = ok(run(cli, *ola, "--phone", "98765432", "--as-of", "2024-06-03"))
    assert "member ola@kommune.example.no unchanged" in again.stdout
    assert len(as_json(cli, "cases", "history", "0301")) == count + 1


def test_member_removal_matches_email_in_any_letter_case_and_adds_one_entry(
    engine: Engine, selected: str, cli: CliRunner
) -> None:
    ok(run(cli, *member("siri@kommune.example.no", "Siri Politiker", "elected")))
    removed = ok(
        run(cli, "cases", "member", "0301", "--email", "Siri@kommune.example.no", "--remove")
    )
    assert "removed" in removed.stdout
    assert as_json(cli, "cases", "show", "0301")["members"] == []
    assert [e["action"] for e in as_json(cli, "cases", "history", "0301")][-2:] == [
        "member-added",
        "member-removed",
    ]


# --- user text is shown as text ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["Kari [/] Søker", "Kari [leder] Søker"])
def test_show_prints_names_with_brackets_as_written(
    engine: Engine, programme_loaded: str, cli: CliRunner, name: str
) -> None:
    from kulturskole.cli import app

    contact = ("--contact-name", name, "--contact-email", "kari@oslo.kommune.example.no")
    answers = ("--motivation", "m", "--development-area", "d")
    ok(run(cli, "cases", "apply", "0301", *contact, *answers))
    ok(run(cli, *member("ola@kommune.example.no", name, "other")))
    result = cli.invoke(app, ["cases", "show", "0301"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(name) == 2, result.stdout


# --- the installed command, in a process of its own -------------------------------------------


@pytest.mark.slow
def test_installed_script_reports_unknown_municipality_without_traceback(
    database_url: str,
) -> None:
    script = Path(sys.executable).parent / "kulturskole"
    done = subprocess.run(
        [str(script), "cases", "show", "9999"],
        env=os.environ.copy(),  # carries the test's KULTURSKOLE_DATABASE_URL
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr.startswith("error: no municipality 9999 in the register"), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


CHECK_PREFECT = """
import sys
from kulturskole.cli import app
sys.argv = ["kulturskole", "cases", "list", "--json"]
try:
    app()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print(f"exit={code} prefect={'prefect' in sys.modules}", file=sys.stderr)
"""


@pytest.mark.slow
def test_cases_list_does_not_import_prefect(programme_loaded: str, database_url: str) -> None:
    apply_case(engine_for(database_url), "0301")
    done = subprocess.run(
        [sys.executable, "-c", CHECK_PREFECT],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stderr.strip().splitlines()[-1] == "exit=0 prefect=False", done.stderr
    assert [c["municipality"] for c in json.loads(done.stdout)] == ["0301"]
