"""The send-notifications flow on the real Prefect engine, and the commands around the outbox."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from models import HistoryEntry, Message
from tests.builders.cases import apply_case, ready_for_contract
from tests.support.cli import run
from tests.support.smtp_server import Handler, smtp_server

pytestmark = [pytest.mark.usefixtures("programme_loaded", "prefect_harness"), pytest.mark.slow]


def test_flow_delivers_over_smtp_and_records_its_run_id(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client

    from flows.mail import send_notifications

    ready_for_contract(engine)
    handler = Handler()
    with smtp_server(handler) as port:
        monkeypatch.setenv("KULTURSKOLE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("KULTURSKOLE_SMTP_PORT", str(port))
        state = asyncio.run(send_notifications(as_of=date(2024, 6, 10), return_state=True))
    assert state.is_completed()
    result = state.result()
    assert (result["mode"], result["sent"], result["failed"]) == ("smtp", 3, 0)
    assert len(handler.received) == 3
    with unit_of_work(engine) as session:
        sent = session.scalars(select(HistoryEntry).where(HistoryEntry.action == "mail-sent")).all()
    assert len(sent) == 3
    assert {e.flow_run_id for e in sent} == {str(state.state_details.flow_run_id)}

    async def artifact() -> object:
        async with get_client() as client:
            return await client.read_latest_artifacts()

    assert any(a.key == "send-notifications" for a in asyncio.run(artifact()))


def test_run_notifications_writes_eml_files_by_default(
    engine: Engine,
    cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    monkeypatch.delenv("KULTURSKOLE_SMTP_HOST", raising=False)
    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    apply_case(engine)
    result = run(cli, "run", "notifications", "--as-of", "2024-04-15", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["mode"], summary["sent"]) == ("files", 1)
    [eml] = (tmp_path / "outbox").glob("*.eml")
    assert b"Subject:" in eml.read_bytes()
    listed = json.loads(run(cli, "mail", "list", "--json").stdout)
    assert [(m["status"], m["to"], m["attempts"]) for m in listed] == [
        ("sent", ["kari.0301@kommune.example.no"], 1)
    ]


def test_mail_retry_requeues_a_failed_message(engine: Engine, cli) -> None:  # noqa: ANN001
    apply_case(engine)
    with unit_of_work(engine) as session:
        message = session.scalars(select(Message)).one()
        message.status, message.last_error = "failed", "550 5.1.1 Mailbox unavailable"
        message_id = message.id
    failed = json.loads(run(cli, "mail", "list", "--status", "failed", "--json").stdout)
    assert [m["id"] for m in failed] == [message_id]
    assert failed[0]["last_error"] == "550 5.1.1 Mailbox unavailable"
    assert run(cli, "mail", "retry", str(message_id)).exit_code == 0
    assert json.loads(run(cli, "mail", "list", "--status", "failed", "--json").stdout) == []
    shown = run(cli, "mail", "show", str(message_id))
    assert "status: queued" in shown.stdout and "Oslo" in shown.stdout
    with unit_of_work(engine) as session:
        last = session.scalars(select(HistoryEntry).order_by(HistoryEntry.seq.desc())).first()
    assert (last.action, last.details["was"]) == ("mail-retry", "failed")


def test_mail_commands_refuse_bad_input(engine: Engine, cli) -> None:  # noqa: ANN001
    apply_case(engine)
    for args, message in (
        (("mail", "list", "--status", "lost"), "unknown status 'lost'"),
        (("mail", "show", "999"), "no message 999"),
        (("mail", "retry", "999"), "no message 999"),
    ):
        result = run(cli, *args)
        assert result.exit_code == 2 and message in result.stderr, result.stderr


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_a_limit_below_one_is_refused_and_nothing_is_sent(
    engine: Engine,
    cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
    limit: str,
) -> None:
    """`--limit 0` sent every due message: a limit, not a switch, it is refused now."""
    monkeypatch.delenv("KULTURSKOLE_SMTP_HOST", raising=False)
    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    apply_case(engine)
    result = run(cli, "run", "notifications", "--as-of", "2024-04-15", "--limit", limit)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: --limit {limit}: give at least 1 (the most messages to send), or leave it out "
        "to send every due message"
    )
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").glob("*.eml"))
    listed = json.loads(run(cli, "mail", "list", "--json").stdout)
    assert [m["status"] for m in listed] == ["queued"]
