"""Files mode delivers in chunks: every file written once, history intact, statements per chunk."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, insert, select, update

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.history import verify
from models import Case, HistoryEntry, Message
from notifications import delivery
from notifications.delivery import deliver_due
from tests.builders.cases import apply_case
from tests.support.smtp_server import Handler, smtp_server

pytestmark = pytest.mark.usefixtures("programme_loaded")
NUMBERS = ("0301", "1103", "5001")
COUNT = 450


def queue(engine: Engine) -> list[int]:
    """COUNT messages over three cases, every 50th one not composable (a broken header)."""
    with unit_of_work(engine) as session:
        case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        session.execute(
            insert(Message),
            [
                {
                    "idempotency_key": f"chunk-test/{i}",
                    "case_id": case_ids[i % len(case_ids)],
                    "template": "chunk_test",
                    "to": [{"name": "Kari", "address": "kari@kommune.example.no"}],
                    "subject": f"Melding {i}" + ("\nBcc: x@y" if i % 50 == 7 else ""),
                    "text_body": f"Tekst {i}",
                    "html_body": f"<p>Tekst {i}</p>",
                    "message_id": f"<chunk-{i}@kulturskole.test>",
                }
                for i in range(COUNT)
            ],
        )
        return list(session.scalars(select(Message.id).order_by(Message.id)))


def test_chunked_files_delivery_writes_each_file_once_and_costs_statements_per_chunk(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KULTURSKOLE_SMTP_HOST", raising=False)
    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    for number in NUMBERS:
        apply_case(engine, number)
    ids = queue(engine)
    assert len(ids) == COUNT + len(NUMBERS)  # the receipts of the applications too
    written: list[str] = []
    real_replace = delivery.os.replace
    monkeypatch.setattr(
        delivery.os, "replace", lambda a, b: (written.append(Path(b).name), real_replace(a, b))
    )
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        report = asyncio.run(deliver_due(engine, get_settings(), date(2024, 6, 10)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    broken = {ids[len(NUMBERS) + i] for i in range(COUNT) if i % 50 == 7}
    assert report.sent == [i for i in ids if i not in broken]
    assert [i for i, _ in report.failed] == sorted(broken)
    assert all(e.startswith("cannot be composed") for _, e in report.failed)
    assert report.retrying == []
    assert len(written) == len(set(written)) == len(ids) - len(broken)
    assert sorted(p.name for p in (tmp_path / "outbox").glob("*.eml")) == sorted(written)
    chunks = -(-len(ids) // delivery.FILES_CHUNK)
    assert chunks == 3
    # The claim, then per chunk: load (2), mark (6), BEGINs on SQLite (2). It was ~9 a message.
    assert len(statements) <= 2 + 11 * chunks, len(statements)
    with unit_of_work(engine) as session:
        assert list(verify(session)) == []
        done = dict(
            session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        )
        assert done == {"sent": len(ids) - len(broken), "failed": len(broken)}
        assert set(session.scalars(select(Message.attempts))) == {1}
        logged = session.execute(
            select(HistoryEntry.action, func.count())
            .where(HistoryEntry.action.in_(("mail-sent", "mail-failed")))
            .group_by(HistoryEntry.action)
        ).all()
        assert dict(logged) == {"mail-sent": len(ids) - len(broken), "mail-failed": len(broken)}
    again = asyncio.run(deliver_due(engine, get_settings(), date(2024, 6, 10)))
    assert again.sent == again.failed == []


def test_smtp_loads_by_chunks_and_still_sends_and_marks_every_message(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_case(engine, "0301")
    ids = queue(engine)[:9]  # the receipt, then messages 0…7 (7 cannot be composed)
    with unit_of_work(engine) as session:
        session.execute(
            update(Message).where(Message.id.not_in(ids)).values(status="sent", attempts=1)
        )
    monkeypatch.setattr(delivery, "FILES_CHUNK", 4)
    handler = Handler()
    with smtp_server(handler) as port:
        monkeypatch.setenv("KULTURSKOLE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("KULTURSKOLE_SMTP_PORT", str(port))
        monkeypatch.setenv("KULTURSKOLE_SMTP_SECURITY", "none")
        monkeypatch.setenv("KULTURSKOLE_MAIL_FROM", "Kulturskolerådet <post@kulturskole.test>")
        report = asyncio.run(deliver_due(engine, get_settings(), date(2024, 6, 10)))
    assert report.mode == "smtp"
    assert report.sent == ids[:8] and [i for i, _ in report.failed] == [ids[8]]
    with unit_of_work(engine) as session:
        sent_ids = set(session.scalars(select(Message.message_id).where(Message.id.in_(ids[:8]))))
        assert list(verify(session)) == []
    assert {r.message["Message-ID"] for r in handler.received} == sent_ids
