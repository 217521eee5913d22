"""A usage mistake is one ``error:`` line naming the help to read and exit 2 — not Typer's
framed box, not a traceback — and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kulturskole.db import unit_of_work
from models import HistoryEntry, Invoice
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")


def entries(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine, readonly=True) as session:
        return (
            session.scalar(select(func.count()).select_from(HistoryEntry)),
            session.scalar(select(func.count()).select_from(Invoice)),
        )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["invoices", "export", "--output", "x.csv"],
            "error: Missing option '--from'. (see `kulturskole invoices export --help`)",
        ),
        (["nosuch"], "error: No such command 'nosuch'. (see `kulturskole --help`)"),
        (
            ["cases", "show"],
            "error: Missing argument 'NR'. (see `kulturskole cases show --help`)",
        ),
        (
            ["invoices", "show", "abc"],
            "error: Invalid value for 'NUMBER': Input should be a valid integer, unable to parse "
            "string as an integer (see `kulturskole invoices show --help`)",
        ),
        (
            ["invoices", "show", "99999999999999999999"],
            "error: Invalid value for 'NUMBER': Input should be less than or equal to 2147483647 "
            "(see `kulturskole invoices show --help`)",
        ),
        (
            ["breaches", "decide", "99999999999999999999", "--approve", "--reason", "x"],
            "error: Invalid value for 'ID': Input should be less than or equal to 2147483647 "
            "(see `kulturskole breaches decide --help`)",
        ),
        (
            ["mail", "show", "0"],
            "error: Invalid value for 'ID': Input should be greater than or equal to 1 "
            "(see `kulturskole mail show --help`)",
        ),
        (
            ["run", "invoicing", "--as-of", "9999-12-31", "--dry-run"],
            "error: --as-of: 9999-12-31 is outside the dates this engine works with "
            "(2000-01-01 to 2199-12-31)",
        ),
        (
            ["status", "--as-of", "1066-10-14"],
            "error: --as-of: 1066-10-14 is outside the dates this engine works with "
            "(2000-01-01 to 2199-12-31)",
        ),
        (
            [
                "invoices",
                "export",
                "--from",
                "2024-01-01",
                "--to",
                "2024-12-31",
                "--output",
                "/nonexistent-folder/x.csv",
            ],
            "error: /nonexistent-folder/x.csv: the folder /nonexistent-folder does not exist",
        ),
        (
            ["invoices", "export", "--from", "2024-01-01", "--to", "2024-12-31", "--output", "/"],
            "error: / is a folder: give a file name, e.g. /file",
        ),
        (
            ["invoices", "show", "1", "--pdf", "/nonexistent-folder/a.pdf"],
            "error: /nonexistent-folder/a.pdf: the folder /nonexistent-folder does not exist",
        ),
        (
            ["invoices", "list", "--municipality", "9999"],
            "error: no municipality 9999 in the register; import it with "
            "`kulturskole municipalities import FILE`",
        ),
        (
            ["invoices", "list", "--municipality", "99"],
            "error: municipality number '99' is not 4 digits (kommunenummer), nor a county "
            "branch (F and the fylkesnummer, as F50)",
        ),
        (
            ["invoices", "list", "--status", "bogus"],
            "error: unknown status 'bogus'; use one of issued, sent, paid, credited",
        ),
        (
            ["mail", "list", "--status", "bogus"],
            "error: unknown status 'bogus'; use one of queued, sent, failed",
        ),
    ],
    ids=[
        "missing option",
        "unknown command",
        "missing argument",
        "not a number",
        "number too large",
        "id too large",
        "id zero",
        "as-of far future",
        "as-of far past",
        "output in a missing folder",
        "output is a folder",
        "pdf in a missing folder",
        "list filter: municipality not in the register",
        "list filter: not a municipality number",
        "list filter: invoice status",
        "list filter: mail status",
    ],
)
def test_a_usage_mistake_is_one_line_and_exit_2(
    engine: Engine, cli: CliRunner, args: list[str], line: str
) -> None:
    before = entries(engine)
    result = run(cli, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [line]
    assert "╭" not in result.output and "Traceback" not in result.output
    assert entries(engine) == before


def test_the_help_and_a_bare_group_still_print_the_help(cli: CliRunner) -> None:
    assert run(cli, "--help").exit_code == 0
    bare = run(cli, "invoices")
    assert "Usage: kulturskole invoices" in bare.stdout and bare.stderr == ""


def test_a_reason_with_a_control_character_is_refused_and_changes_nothing(
    engine: Engine, cli: CliRunner
) -> None:
    from tests.builders.cases import apply_case

    apply_case(engine, "0301")
    before = entries(engine)
    result = run(
        cli, "cases", "reject", "0301", "--reason", "Ikke \x1b[2Jvalgt", "--as-of", "2024-05-02"
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: the reason contains a control character (U+001B) at position 6; "
        "write it as plain text"
    )
    assert entries(engine) == before
    shown = run(cli, "cases", "show", "0301")
    assert "applied" in shown.stdout
