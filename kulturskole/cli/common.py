"""Options, parsing and output shared by the command groups."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema, unit_of_work
from kulturskole.errors import InvalidInput
from kulturskole.history import Acting

MAX_ID = 2_147_483_647
"""The largest id or number a command takes: the database's integer (PostgreSQL's is 32 bits);
a larger one is refused as a usage mistake instead of overflowing in the driver."""

ProgrammeOpt = Annotated[
    str | None,
    typer.Option("--programme", help="Programme id; may be left out when only one is loaded."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Effective date (YYYY-MM-DD); default today in Europe/Oslo."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

# markup=False: names and reasons are user text; brackets in them must print as written.
console = Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 160)


#: The dates a command takes: a programme's calendar, with room for a simulated one. Beyond
#: them the engine's date arithmetic (due dates, reminders, the clock in UTC) would overflow.
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


def parse_date(value: str, option: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{option}: {value!r} is not a date (use YYYY-MM-DD)") from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(
            f"{option}: {day.isoformat()} is outside the dates this engine works with "
            f"({EARLIEST.isoformat()} to {LATEST.isoformat()})"
        )
    return day


def check_output(path: Path) -> Path:
    """Refuse, before any work, a file that cannot be written: a folder, or one in a folder
    that does not exist (the folder is not made: a typo would scatter files)."""
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder: give a file name, e.g. {path / 'file'}")
    if not path.parent.is_dir():
        raise InvalidInput(f"{path}: the folder {path.parent} does not exist")
    return path


def write_output(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (checked as :func:`check_output`), one line if the system
    refuses (no permission, a full disk)."""
    check_output(path)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot write the file ({exc.strerror})") from None


def acting(as_of: str | None) -> Acting:
    settings = get_settings()
    day = parse_date(as_of, "--as-of") if as_of else settings.today()
    return Acting(actor=settings.actor, as_of=day)


def today() -> date:
    return get_settings().today()


def work(*, readonly: bool = False):  # noqa: ANN201
    """A unit of work on a migrated database; ``readonly`` for commands that only read."""
    engine = current_engine()
    require_schema(engine)
    return unit_of_work(engine, readonly=readonly)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    console.print(grid)


def ok(message: str) -> None:
    console.print(message)


def require_database() -> None:
    """Refuse early, before Prefect starts (seconds), when the database is not migrated."""
    require_schema(current_engine())
