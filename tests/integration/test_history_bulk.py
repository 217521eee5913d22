"""The bulk appends (record_many, queue_many) write what as many single calls would."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.history import Pending, record, record_many, verify
from models import Attachment, Case, HistoryEntry, Message
from notifications.outbox import File, Outgoing, Recipient, queue_many
from tests.builders.cases import acting, apply_case

pytestmark = pytest.mark.usefixtures("programme_loaded")

_HASHED = ("case_id", "seq", "action", "from_state", "to_state", "reason", "details", "prev_hash")


def _case_ids(engine: Engine) -> list[int]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Case.id).order_by(Case.id)))


def _chain(engine: Engine) -> list[tuple]:
    with unit_of_work(engine) as session:
        return [
            tuple(getattr(e, name) for name in _HASHED)
            for e in session.scalars(
                select(HistoryEntry).order_by(HistoryEntry.case_id, HistoryEntry.seq)
            )
        ]


def test_record_many_chains_like_record_by_id_and_with_objects(engine: Engine) -> None:
    for number in ("0301", "4601", "5001"):
        apply_case(engine, number)
    first, second, third = _case_ids(engine)
    with unit_of_work(engine) as session:
        record(session, session.get(Case, first), acting(), "note", details={"n": 1})
    with unit_of_work(engine) as session:
        start = {c.id: c.history_seq for c in session.scalars(select(Case))}
        session.expunge_all()  # by id: the session holds no Case object
        rows = record_many(
            session,
            acting(),
            [
                Pending(second, "note", details={"n": 1}),
                Pending(first, "note", reason="why", details={"n": 2}),
                Pending(second, "note", from_state="a", to_state="b"),
            ],
        )
        assert [(r["case_id"], r["seq"]) for r in rows] == [
            (second, start[second] + 1),
            (first, start[first] + 1),
            (second, start[second] + 2),
        ]
    with unit_of_work(engine) as session:
        case = session.get(Case, third)
        version = case.version
        record_many(
            session, acting(), [Pending(third, "note"), Pending(third, "note")], cases={third: case}
        )
        session.flush()
        assert case.version == version + 1
    with unit_of_work(engine) as session:
        assert list(verify(session)) == []
        heads = {c.id: c.history_seq for c in session.scalars(select(Case))}
    assert heads == {first: start[first] + 1, second: start[second] + 2, third: start[third] + 2}
    assert [row[2] for row in _chain(engine) if row[0] == second][-2:] == ["note", "note"]


def test_queue_many_skips_known_keys_and_records_each_mail(engine: Engine) -> None:
    apply_case(engine, "0301")
    (case_id,) = _case_ids(engine)
    to = [Recipient("Kari", "kari@kommune.example.no")]
    context = _context(engine)

    def outgoing(key: str) -> Outgoing:
        return Outgoing(
            key=key,
            template="withdrawn",
            context=context,
            to=to,
            case_id=case_id,
            attachments=[File("a.pdf", "application/pdf", b"%PDF")],
        )

    with unit_of_work(engine) as session:
        first = queue_many(session, [outgoing("k/1"), outgoing("k/2"), outgoing("k/1")], acting())
        assert first[0] is not None and first[1] is not None and first[2] is None
    with unit_of_work(engine) as session:
        again = queue_many(session, [outgoing("k/2"), outgoing("k/3")], acting())
        assert again[0] is None and again[1] is not None
        assert list(verify(session)) == []
        assert session.scalar(select(Message.id).where(Message.idempotency_key == "k/3")) == (
            again[1].id
        )
        assert len(session.scalars(select(Attachment)).all()) == 3
        mails = session.scalars(
            select(HistoryEntry.details).where(HistoryEntry.action == "mail-queued")
        ).all()
    assert [m["key"] for m in mails if m["template"] == "withdrawn"] == ["k/1", "k/2", "k/3"]


def _context(engine: Engine) -> dict:
    from notifications.case_mail import common_context

    with unit_of_work(engine) as session:
        case = session.scalars(select(Case)).one()
        return common_context(case, Recipient(None, "kari@kommune.example.no"))
