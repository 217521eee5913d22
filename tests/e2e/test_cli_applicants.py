"""`kulturskole cases apply` for a county branch (--county 50, or F50), end to end, and its
refusals: one clear error line, exit 2, no traceback, nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.e2e.test_cli import APPLY, everything, ok, refused
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")


def test_a_county_branch_applies_with_county(engine: Engine, cli: CliRunner) -> None:
    result = ok(run(cli, "cases", "apply", "--county", "50", *APPLY, "--as-of", "2024-04-15"))
    assert result.stdout.strip() == (
        "F50 Norsk kulturskoleråd Trøndelag: applied to regionale-2024-2025"
    )
    shown = ok(run(cli, "cases", "show", "F50")).stdout
    assert "Norsk kulturskoleråd Trøndelag" in shown
    listed = ok(run(cli, "cases", "list")).stdout
    assert "F50" in listed


def test_a_county_branch_applies_by_its_number_and_a_municipality_as_before(
    engine: Engine, cli: CliRunner
) -> None:
    assert (
        "F03 Norsk kulturskoleråd Oslo: applied"
        in ok(run(cli, "cases", "apply", "F03", *APPLY)).stdout
    )
    assert "0301 Oslo: applied" in ok(run(cli, "cases", "apply", "0301", *APPLY)).stdout
    # the next steps take the branch's number like a kommunenummer
    assert (
        "F03: changed motivation"
        in ok(run(cli, "cases", "amend", "F03", "--motivation", "Ny begrunnelse")).stdout
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("--county", "99"),
            "error: no county 99 in the register; valid counties: 03 Oslo, 11 Rogaland, ",
        ),
        (("--county", "Trøndelag"), "error: county 'Trøndelag' is not a county number"),
        (("F99",), "error: no county 99 in the register; valid counties: 03 Oslo, "),
        (("0301", "--county", "50"), "error: give either NR (a municipality) or --county"),
        ((), "error: say who applies: NR (kommunenummer) or --county FYLKESNR"),
    ],
    ids=["unknown-county", "county-by-name", "unknown-branch-number", "both", "neither"],
)
def test_a_wrong_county_is_refused_and_nothing_changes(
    engine: Engine, cli: CliRunner, args: tuple[str, ...], error: str
) -> None:
    before = everything(engine)
    line = refused(run(cli, "cases", "apply", *args, *APPLY))
    assert line.startswith(error), line
    if "valid counties" in error:
        assert "50 Trøndelag - Trööndelage" in line and line.endswith(
            "56 Finnmark - Finnmárku - Finmarkku"
        )
    assert everything(engine) == before


def test_a_county_branch_that_has_not_applied_is_not_found(engine: Engine, cli: CliRunner) -> None:
    line = refused(run(cli, "cases", "show", "F50"))
    assert line.startswith("error: county branch F50 has not applied"), line
