"""Importing the municipality register (kommuner): all or nothing, naming the line that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner, Result

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidFile
from kulturskole.services.municipalities import DEFAULT_FILE, import_municipalities
from models import Municipality
from tests.support.cli import run

SHIPPED = DEFAULT_FILE.read_text(encoding="utf-8").splitlines()
BAD_LINE = 100  # 98 valid rows come before it
VALER = "3114,Våler (Østfold),31,Østfold,959272581"

# (line replaced, new text, the line the error must name, the reason it must give)
BAD_FILES = {
    "three-digit-kommunenummer": (
        BAD_LINE,
        "314,Våler (Østfold),31,Østfold,959272581",
        BAD_LINE,
        "kommunenummer '314' is not 4 digits",
    ),
    "county-prefix-does-not-match": (
        BAD_LINE,
        "3114,Våler (Østfold),11,Østfold,959272581",
        BAD_LINE,
        "kommunenummer 3114 does not belong to county 11",
    ),
    "org-number-fails-mod11": (
        BAD_LINE,
        "3114,Våler (Østfold),31,Østfold,959272582",
        BAD_LINE,
        "organisasjonsnummer '959272582' is invalid",
    ),
    "wrong-header": (
        1,
        "kommune,navn,fylkesnummer,fylkesnavn,organisasjonsnummer",
        1,
        "the header must be kommunenummer,navn,fylkesnummer,fylkesnavn,organisasjonsnummer",
    ),
    "too-few-fields": (
        BAD_LINE,
        "3114,Våler (Østfold),31,Østfold",
        BAD_LINE,
        "expected 5 fields, found 4",
    ),
    "too-many-fields": (
        BAD_LINE,
        "3114,Våler (Østfold),31,Østfold,959272581,x",
        BAD_LINE,
        "expected 5 fields, found 6",
    ),
    "duplicate-kommunenummer": (
        BAD_LINE,
        "3103,Moss,31,Østfold,920817521",
        BAD_LINE,
        "kommunenummer 3103 already given on line 95",
    ),
}


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    # errors="replace": some Sámi names have no Latin-1 form; "?" keeps the file valid CSV.
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding, errors="replace"))
    return path


def with_line(line: int, text: str, lines: list[str] = SHIPPED) -> list[str]:
    """The file's lines with line number ``line`` (1-based) replaced by ``text``."""
    changed = list(lines)
    changed[line - 1] = text
    return changed


def register(engine: Engine) -> list[tuple]:
    """Every municipality row, to compare before and after."""
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(
                    Municipality.number,
                    Municipality.name,
                    Municipality.county_number,
                    Municipality.county_name,
                    Municipality.org_number,
                ).order_by(Municipality.number)
            )
        ]


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Municipality)).scalar_one()


def import_file(engine: Engine, path: Path):  # noqa: ANN201
    with unit_of_work(engine) as session:
        return import_municipalities(session, path)


def refused(result: Result) -> str:
    """The one error line of a refused command (exit 2, no traceback, nothing on stdout)."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert result.stdout == ""
    return lines[0]


def test_the_test_file_has_the_row_it_edits() -> None:
    assert SHIPPED[BAD_LINE - 1] == VALER
    assert SHIPPED[95 - 1].startswith("3103,Moss,")


# --- the shipped register ---------------------------------------------------------------------


def test_shipped_file_imports_357_and_reports_haram_without_org_number(
    engine: Engine, cli: CliRunner
) -> None:
    result = run(cli, "municipalities", "import")
    assert result.exit_code == 0, result.output
    assert "municipalities: 357 created, 0 updated, 0 unchanged" in result.stdout
    notes = [line for line in result.stdout.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: 1580 Haram has no organisation number (no EHF invoice can be sent to it)"
    ]
    rows = {row[0]: row for row in register(engine)}
    assert len(rows) == 357
    assert rows["0301"] == ("0301", "Oslo", "03", "Oslo", "958935420")
    assert rows["1580"][4] is None


def test_service_report_names_haram_as_without_org_number(engine: Engine) -> None:
    report = import_file(engine, DEFAULT_FILE)
    assert (report.created, report.updated, report.unchanged) == (357, 0, 0)
    assert report.without_org_number == ["1580 Haram"]


def test_reimport_reports_357_unchanged_and_changes_nothing(engine: Engine, cli: CliRunner) -> None:
    run(cli, "municipalities", "import")
    before = register(engine)
    result = run(cli, "municipalities", "import", str(DEFAULT_FILE))
    assert result.exit_code == 0, result.output
    assert "municipalities: 0 created, 0 updated, 357 unchanged" in result.stdout
    assert register(engine) == before


def test_edited_name_is_updated(engine: Engine, cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "municipalities", "import")
    path = write_csv(tmp_path / "k.csv", with_line(2, "0301,Oslo kommune,03,Oslo,958935420"))
    result = run(cli, "municipalities", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "municipalities: 0 created, 1 updated, 356 unchanged" in result.stdout
    rows = {row[0]: row for row in register(engine)}
    assert rows["0301"] == ("0301", "Oslo kommune", "03", "Oslo", "958935420")
    assert rows["1103"][1] == "Stavanger"


# --- refused files: the service ---------------------------------------------------------------


@pytest.mark.parametrize(("replaced", "text", "line", "reason"), BAD_FILES.values(), ids=BAD_FILES)
def test_bad_line_refuses_whole_file_and_writes_nothing(
    engine: Engine, tmp_path: Path, replaced: int, text: str, line: int, reason: str
) -> None:
    path = write_csv(tmp_path / "k.csv", with_line(replaced, text))
    with pytest.raises(InvalidFile) as caught:
        import_file(engine, path)
    assert str(caught.value).startswith(f"{path}:{line}: "), caught.value
    assert reason in str(caught.value)
    assert count(engine) == 0  # 98 valid rows came before the bad one; none was written


def test_file_that_is_not_utf8_is_refused_and_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "k.csv", SHIPPED, encoding="latin-1")
    with pytest.raises(InvalidFile) as caught:
        import_file(engine, path)
    assert str(caught.value).startswith(f"{path}:10: not UTF-8 text")
    assert count(engine) == 0


def test_file_that_is_not_utf8_names_the_line_of_the_first_bad_byte(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "k.csv", SHIPPED, encoding="latin-1")  # line 10: "Hå"
    with pytest.raises(InvalidFile) as caught:
        import_file(engine, path)
    assert str(caught.value).startswith(f"{path}:10: "), caught.value


def test_missing_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    with pytest.raises(InvalidFile) as caught:
        import_file(engine, path)
    assert str(caught.value) == f"{path}: no such file"
    assert count(engine) == 0


def test_kommunenummer_in_non_ascii_digits_is_refused(engine: Engine, tmp_path: Path) -> None:
    fullwidth = "\uff10\uff13\uff10\uff11"  # ０３０１
    path = write_csv(tmp_path / "k.csv", [SHIPPED[0], f"{fullwidth},Oslo,\uff10\uff13,Oslo,"])
    with pytest.raises(InvalidFile) as caught:
        import_file(engine, path)
    assert str(caught.value).startswith(f"{path}:2: "), caught.value
    assert count(engine) == 0


# --- refused files: the command ---------------------------------------------------------------


@pytest.mark.parametrize(("replaced", "text", "line", "reason"), BAD_FILES.values(), ids=BAD_FILES)
def test_cli_bad_line_exits_2_naming_line_and_keeps_the_register(
    engine: Engine,
    cli: CliRunner,
    tmp_path: Path,
    replaced: int,
    text: str,
    line: int,
    reason: str,
) -> None:
    run(cli, "municipalities", "import")
    before = register(engine)
    # A valid change on line 2 comes before the bad line: it must not be written either.
    lines = with_line(replaced, text, with_line(2, "0301,Oslo by,03,Oslo,958935420"))
    path = write_csv(tmp_path / "k.csv", lines)

    error = refused(run(cli, "municipalities", "import", str(path)))

    assert error.startswith(f"error: {path}:{line}: "), error
    assert reason in error
    assert register(engine) == before


def test_cli_file_that_is_not_utf8_exits_2_and_writes_nothing(
    engine: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "k.csv", SHIPPED, encoding="latin-1")
    error = refused(run(cli, "municipalities", "import", str(path)))
    assert error.startswith(f"error: {path}:10: not UTF-8 text"), error
    assert count(engine) == 0


def test_cli_missing_file_exits_2_and_writes_nothing(
    engine: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "absent.csv"
    error = refused(run(cli, "municipalities", "import", str(path)))
    assert error == f"error: {path}: no such file"
    assert count(engine) == 0


def test_cli_directory_instead_of_file_exits_2_without_traceback(
    engine: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    from kulturskole.cli import app

    result = cli.invoke(app, ["municipalities", "import", str(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    error = refused(result)
    assert str(tmp_path) in error
    assert count(engine) == 0
