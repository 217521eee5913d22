"""Queueing mail in the transaction that causes it; the embedded default writes .eml files."""

from __future__ import annotations

import asyncio
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.history import verify
from kulturskole.services import cases as service
from models import HistoryEntry, Message
from notifications import case_mail
from notifications.delivery import deliver_due
from tests.builders.cases import GROUP, acting, apply_case, ready_for_contract
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.usefixtures("programme_loaded")


def messages(engine: Engine) -> list[Message]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def actions(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(HistoryEntry.action).order_by(HistoryEntry.id)))


def fire(engine: Engine, trigger: str, day: str, **kwargs: str) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, trigger, acting(day), **kwargs)


def test_application_queues_a_receipt_to_the_applicant(engine: Engine) -> None:
    apply_case(engine)
    [message] = messages(engine)
    assert message.template == "application_received"
    assert message.idempotency_key == "case/regionale-2024-2025/0301/apply"
    assert [r["address"] for r in message.to] == ["kari.0301@kommune.example.no"]
    assert message.status == "queued" and message.attempts == 0
    assert "Oslo" in message.subject
    assert actions(engine) == ["apply", "mail-queued"]


def test_queueing_the_same_key_twice_is_a_no_op(engine: Engine) -> None:
    apply_case(engine)
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        case_mail.application_received(session, case, acting())
    assert len(messages(engine)) == 1
    assert actions(engine) == ["apply", "mail-queued"]


def test_rolled_back_transition_leaves_no_message(engine: Engine) -> None:
    apply_case(engine)
    before = (len(messages(engine)), len(actions(engine)))
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
        assert session.scalar(select(func.count()).select_from(Message)) == 3  # queued here…
        raise RuntimeError("the process dies before commit")
    assert (len(messages(engine)), len(actions(engine))) == before  # …and gone with it


def test_selection_sends_the_contract_for_signature_with_the_document(engine: Engine) -> None:
    ready_for_contract(engine)  # selects on the way
    by_template = {m.template: m for m in messages(engine)}
    assert {"application_received", "selected", "contract_for_signature"} <= set(by_template)
    contract = by_template["contract_for_signature"]
    assert [r["address"] for r in contract.cc] == ["aste.domaas@kulturskoleradet.no"]
    with unit_of_work(engine) as session:
        message = session.get(Message, contract.id)
        document, founding = message.attachments
        text, founding_text = pdf_text(document.content), pdf_text(founding.content)
    assert document.filename == "kontrakt-regionale-2024-2025-0301.pdf"
    assert document.content_type == founding.content_type == "application/pdf"
    assert "Oslo kommune" in text and "kommunedirektør" in text and "kulturskoleleder" in text
    assert founding.filename == "grunnlagsdokument-regionale-program-2024-2025.pdf"
    assert founding_text.startswith("Grunnlagsdokument Fremtidens kulturskole – regionale program")
    assert "avtale- og kontraktsmøte med hver deltakerkommune" in founding_text
    for body in (contract.text_body, contract.html_body):
        assert "grunnlagsdokumentet som kontrakten bygger på" in body
        assert "grunnlagsdokument-regionale-program-2024-2025.pdf" in body


def test_termination_goes_to_coordinator_and_chief_executive_with_copy(engine: Engine) -> None:
    ready_for_contract(engine)
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.set_member(
            session,
            case,
            acting("2024-06-10"),
            name="Kommunedirektør Hansen",
            email="kd@kommune.example.no",
            phone=None,
            role="chief-executive",
        )
    fire(engine, "contract", "2024-06-10")
    fire(engine, "activate", "2024-08-01")
    fire(engine, "terminate", "2024-10-01", reason="Deltar ikke", initiated_by="leadership")
    termination = next(m for m in messages(engine) if m.template == "termination")
    coordinator_email = GROUP[0][1]
    assert [r["address"] for r in termination.to] == [coordinator_email, "kd@kommune.example.no"]
    assert [r["address"] for r in termination.cc] == ["aste.domaas@kulturskoleradet.no"]
    welcome = next(m for m in messages(engine) if m.template == "welcome")
    assert [r["address"] for r in welcome.to] == [coordinator_email]


def test_without_smtp_messages_become_eml_files_and_are_marked_sent(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KULTURSKOLE_SMTP_HOST", raising=False)
    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    ready_for_contract(engine)
    queued = messages(engine)
    report = asyncio.run(deliver_due(engine, get_settings(), date(2024, 6, 10)))
    assert report.mode == "files" and len(report.sent) == len(queued) == 3
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 3
    parsed = message_from_bytes(files[-1].read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == queued[-1].message_id
    assert all(m.status == "sent" and m.attempts == 1 for m in messages(engine))
    assert actions(engine).count("mail-sent") == 3
    again = asyncio.run(deliver_due(engine, get_settings(), date(2024, 6, 10)))
    assert again.sent == [] and len(list((tmp_path / "outbox").glob("*.eml"))) == 3
    with unit_of_work(engine) as session:
        assert list(verify(session)) == []
