"""`kulturskole programmes load FILE` of a changed file, end to end: a tentative coordinator
meeting made exact is told to the active cases in the same command; a bad file changes nothing
and tells nobody."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kulturskole.db import unit_of_work
from models import HistoryEntry, Message
from tests.builders.invoicing import active
from tests.e2e.test_cli import everything, ok
from tests.integration.test_event_mail import MEETING_5_EXACT, variant
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")


def notices(engine: Engine) -> list[Message]:
    with unit_of_work(engine, readonly=True) as session:
        return list(session.scalars(select(Message).where(Message.template == "event_scheduled")))


def test_loading_the_exact_meeting_tells_the_active_cases(
    engine: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    active(engine, "0301", "5001")
    path = variant(tmp_path, MEETING_5_EXACT)
    result = ok(run(cli, "programmes", "load", str(path), "--as-of", "2025-06-20"))
    assert result.stdout.splitlines() == [
        "programme regionale-2024-2025: updated (19 events)",
        "2 notices of changed event times queued",
    ]
    assert sorted(m.to[0]["address"] for m in notices(engine)) == ["ola@kommune.example.no"] * 2
    with unit_of_work(engine, readonly=True) as session:
        entries = session.scalars(
            select(HistoryEntry).where(HistoryEntry.action == "mail-queued")
        ).all()
        assert {e.actor for e in entries if e.details["template"] == "event_scheduled"} == {
            "tester"
        }
    again = ok(run(cli, "programmes", "load", str(path)))
    assert again.stdout.strip() == "programme regionale-2024-2025: unchanged (19 events)"
    assert len(notices(engine)) == 2


def test_a_bad_file_changes_nothing_and_tells_nobody(
    engine: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    active(engine, "0301")
    path = variant(tmp_path, MEETING_5_EXACT)
    path.write_text(
        path.read_text(encoding="utf-8").replace("days_before: 21", "days_before: 0"),
        encoding="utf-8",
    )
    before = everything(engine)
    result = run(cli, "programmes", "load", str(path))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "invitations.days_before: Input should be greater than or equal to 1" in result.stderr
    assert everything(engine) == before
