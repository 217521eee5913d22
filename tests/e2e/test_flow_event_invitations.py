"""The programme-day flow on the real Prefect engine sends the day's invitations: on the
invitation date of the inspiration gathering, each applicant's coordinator or contact gets one,
the day's mail delivers it, and a second run of the same day sends nothing new."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from models import Message
from tests.builders.cases import apply_case
from tests.integration.test_event_mail import INSPIRATION, load, variant

pytestmark = [pytest.mark.usefixtures("programme_loaded", "prefect_harness"), pytest.mark.slow]


def test_programme_day_sends_the_invitations_due_that_day(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.programme_day import programme_day

    monkeypatch.delenv("KULTURSKOLE_SMTP_HOST", raising=False)
    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    load(engine, variant(tmp_path, INSPIRATION), "2024-04-01")
    apply_case(engine, "0301")
    apply_case(engine, "F50")
    first = asyncio.run(programme_day(as_of=date(2024, 5, 10)))
    assert first["summary"]["invitations_queued"] == 2
    again = asyncio.run(programme_day(as_of=date(2024, 5, 10)))
    assert again["summary"]["invitations_queued"] == 0
    with unit_of_work(engine, readonly=True) as session:
        invitations = session.scalars(
            select(Message).where(Message.template == "event_invitation")
        ).all()
    assert sorted(m.status for m in invitations) == ["sent", "sent"]
    assert sorted(m.subject.rsplit(" – ", 1)[1] for m in invitations) == [
        "Norsk kulturskoleråd Trøndelag",
        "Oslo kommune",
    ]
