"""Blocked periods from a file: all or nothing, naming the bad line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from models import BlockedPeriod
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")

GOOD = """scope,ref,from,to,reason
county,03,2024-09-30,2024-10-04,Høstferie Oslo
municipality,5001,2024-10-07,2024-10-11,Høstferie Trondheim
all,,2024-12-23,2025-01-03,Juleferie
"""


def count(engine: Engine) -> int:
    with unit_of_work(engine, readonly=True) as session:
        return session.scalar(select(func.count()).select_from(BlockedPeriod))


def test_a_file_of_school_holidays_is_imported(engine: Engine, cli, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "ferier.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = run(cli, "calendar", "import", str(path))
    assert result.exit_code == 0 and "3 blocked periods added" in result.stdout
    listed = {
        (b["scope"], b["ref"], b["reason"])
        for b in __import__("json").loads(run(cli, "calendar", "list", "--json").stdout)
    }
    assert ("county", "03", "Høstferie Oslo") in listed and ("all", None, "Juleferie") in listed


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("county,99,2024-09-30,2024-10-04,Ferie", "county '99'"),
        ("municipality,9999,2024-09-30,2024-10-04,Ferie", "no municipality 9999"),
        ("county,03,2024-10-04,2024-09-30,Ferie", "ends"),
        ("county,03,30.09.2024,2024-10-04,Ferie", "YYYY-MM-DD"),
        ("week,03,2024-09-30,2024-10-04,Ferie", "unknown scope"),
        ("county,03,2024-09-30,2024-10-04,", "reason is required"),
    ],
)
def test_one_bad_line_refuses_the_file_naming_it(
    engine: Engine,
    cli,
    tmp_path: Path,
    bad: str,
    reason: str,  # noqa: ANN001
) -> None:
    path = tmp_path / "ferier.csv"
    path.write_text(GOOD + bad + "\n", encoding="utf-8")
    result = run(cli, "calendar", "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}:5: ") and reason in result.stderr
    assert count(engine) == 0


def test_an_administrator_can_make_a_visit_digital_when_moving_it(
    engine: Engine,
    cli,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    import json

    from tests.builders.invoicing import active

    (tmp_path / "a.csv").write_text(
        "name,email,phone,counties,max_physical_per_day,max_digital_per_day\n"
        "Anne Berg,anne@kulturskoleradet.no,,03,,\n",
        encoding="utf-8",
    )
    assert run(cli, "advisors", "import", str(tmp_path / "a.csv")).exit_code == 0
    active(engine, "0301")
    from kulturskole.visits import scheduling
    from tests.builders.invoicing import on

    scheduling.run(engine, on("2024-09-26"))
    first = json.loads(run(cli, "visits", "list", "--json").stdout)[0]
    refused = run(
        cli, "visits", "move", str(first["id"]), "--to", "2024-10-15T11:00", "--as-of", "2024-09-26"
    )
    assert refused.exit_code == 2 and "starts at 10:00" in refused.stderr
    moved = run(
        cli,
        "visits",
        "move",
        str(first["id"]),
        "--to",
        "2024-10-15T11:00",
        "--mode",
        "digital",
        "--as-of",
        "2024-09-26",
    )
    assert moved.exit_code == 0, moved.stderr
    again = {v["id"]: v for v in json.loads(run(cli, "visits", "list", "--json").stdout)}
    assert (again[first["id"]]["mode"], again[first["id"]]["start"]) == (
        "digital",
        "2024-10-15T11:00:00+02:00",
    )
