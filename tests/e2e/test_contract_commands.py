"""`kulturskole cases countersign`, `cases contract-meeting …` and `cases contract-document`
through the real command: what they print, what they write, and how they refuse (one `error:`
line, exit 2, no traceback, nothing changed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.builders.cases import ready_for_contract
from tests.e2e.test_cli import as_json, everything, ok, refused, transition
from tests.support.cli import run
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.usefixtures("programme_loaded")


@pytest.fixture
def contracted(engine: Engine) -> str:
    ready_for_contract(engine, "0301")
    transition(engine, "contract", "2024-06-20")
    return "0301"


def test_countersign_names_the_director_from_the_programme_file_or_the_option(
    engine: Engine, cli: CliRunner
) -> None:
    ready_for_contract(engine, "0301")
    signed = ok(run(cli, "cases", "countersign", "0301", "--signed-on", "2024-06-11"))
    assert signed.stdout.strip() == (
        "0301: contract signed by Morten Christiansen for the council on 2024-06-11"
    )
    other = ("--director", "Kari Lund", "--signed-on", "2024-06-12", "--as-of", "2024-06-12")
    assert "signed by Kari Lund" in ok(run(cli, "cases", "countersign", "0301", *other)).stdout
    shown = as_json(cli, "cases", "show", "0301")
    assert shown["signatures"]["director"] == "Kari Lund"
    assert shown["signatures"]["director_signed_on"] == "2024-06-12"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("9999", "--signed-on", "2024-06-10"), "error: no municipality 9999"),
        (("0301", "--signed-on", "10.06.2024"), "--signed-on: '10.06.2024' is not a date"),
        (("0301", "--signed-on", "2024-06-10", "--director", " "), "director is empty"),
    ],
)
def test_countersign_refuses_bad_input_and_changes_nothing(
    engine: Engine, cli: CliRunner, args: tuple[str, ...], error: str
) -> None:
    ready_for_contract(engine, "0301")
    before = everything(engine)
    assert error in refused(run(cli, "cases", "countersign", *args))
    assert everything(engine) == before


def test_the_contract_meeting_is_shown_and_recorded_held(
    engine: Engine, cli: CliRunner, contracted: str
) -> None:
    shown = ok(run(cli, "cases", "contract-meeting", "show", "0301")).stdout
    assert shown.strip() == (
        "0301: contract meeting 2024-08-01 09:00–10:00 (digital) with Åste Selnæs Domaas "
        "<aste.domaas@kulturskoleradet.no>: scheduled"
    )
    again = ok(run(cli, "cases", "contract-meeting", "schedule", "0301", "--as-of", "2024-07-01"))
    assert "2024-08-01 09:00–10:00" in again.stdout  # booked once: the same meeting
    done = ok(run(cli, "cases", "contract-meeting", "held", "0301", "--as-of", "2024-08-02"))
    assert done.stdout.strip() == "0301: contract meeting recorded held on 2024-08-01"
    data = as_json(cli, "cases", "contract-meeting", "show", "0301")
    assert (data["status"], data["held_on"]) == ("held", "2024-08-01")
    history = as_json(cli, "cases", "history", "0301")
    actions = [e["action"] for e in history]
    assert actions.index("contract") < actions.index("contract-stored")
    assert actions.index("contract-meeting-scheduled") < actions.index("contract-meeting-held")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("0301", "--as-of", "2024-07-15"),
            "the contract meeting of 0301 Oslo on 2024-08-01 is after the effective date",
        ),
        (
            ("0301", "--on", "2024-07-31", "--as-of", "2024-08-05"),
            "is scheduled for 2024-08-01; it cannot have been held on 2024-07-31",
        ),
        (("9999", "--as-of", "2024-08-05"), "error: no municipality 9999"),
        (("0301", "--on", "1. august", "--as-of", "2024-08-05"), "--on: '1. august' is not a date"),
    ],
)
def test_held_is_refused_before_the_meeting_and_for_unknown_municipalities(
    engine: Engine, cli: CliRunner, contracted: str, args: tuple[str, ...], error: str
) -> None:
    before = everything(engine)
    assert error in refused(run(cli, "cases", "contract-meeting", "held", *args))
    assert everything(engine) == before


def test_held_for_a_case_without_a_meeting_is_refused(engine: Engine, cli: CliRunner) -> None:
    ready_for_contract(engine, "0301")
    error = refused(run(cli, "cases", "contract-meeting", "held", "0301", "--as-of", "2024-08-05"))
    assert error == "error: 0301 Oslo has no contract meeting: none is booked"


def test_contract_document_writes_the_signed_pdf(
    engine: Engine, cli: CliRunner, contracted: str, tmp_path: Path
) -> None:
    out = tmp_path / "kontrakt.pdf"
    written = ok(run(cli, "cases", "contract-document", "0301", "--out", str(out)))
    assert written.stdout.startswith(f"0301: signed contract written to {out} (")
    seen = pdf_text(out.read_bytes())
    assert "kommunedirektør: Kommunedirektør Hansen" in seen
    assert "Morten Christiansen" in seen


def test_contract_document_of_an_incomplete_contract_is_a_clear_error(
    engine: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "kontrakt.pdf"
    ok(run(cli, "municipalities", "import"))  # harmless again: the programme is loaded
    contact = ("--contact-name", "Kari Søker", "--contact-email", "kari@oslo.kommune.example.no")
    answers = ("--motivation", "Utvikle", "--development-area", "Inkludering")
    ok(run(cli, "cases", "apply", "0301", *contact, *answers, "--as-of", "2024-04-15"))
    error = refused(run(cli, "cases", "contract-document", "0301", "--out", str(out)))
    assert error.startswith("error: 0301 Oslo has no signed contract: the contract lacks")
    assert "the council director's signature" in error
    assert not out.exists()
    unknown = refused(run(cli, "cases", "contract-document", "9999", "--out", str(out)))
    assert unknown.startswith("error: no municipality 9999 in the register")
