"""What the case mails are given from the stored case (issue 13): the welcome letter's events
ahead, group, advisor and plan due dates; the completion's sharing arena; Reply-To on every
message (the programme contact, or the advisor for a visit)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.services import cases as service
from kulturskole.visits import advisors, scheduling
from models import Message
from notifications.reminders import queue_due_reminders
from tests.builders.cases import GROUP, ready_for_contract
from tests.builders.invoicing import active, fire, on
from tests.builders.visits import import_advisors

pytestmark = pytest.mark.usefixtures("programme_loaded")
CONTACT = {"name": "Åste Selnæs Domaas", "address": "aste.domaas@kulturskoleradet.no"}


def mail(engine: Engine, template: str) -> Message:
    with unit_of_work(engine, readonly=True) as session:
        return session.scalars(
            select(Message).where(Message.template == template).order_by(Message.id)
        ).first()


def test_the_welcome_names_the_group_and_lists_only_the_events_ahead(engine: Engine) -> None:
    active(engine, "0301")  # activated on 1 August 2024
    welcome = mail(engine, "welcome")
    for body in (welcome.text_body, welcome.html_body):
        assert "Inspirasjonssamling" not in body  # 15 March 2024: past when the letter is sent
        assert "Koordinatorsamling 1" in body and "Delingsarena" in body
        assert "Ola Koordinator, koordinator" in body
        for name, _email, _phone, _role in GROUP:
            assert name in body
        assert "Vi presenterer veilederen for dere i en egen e-post" in body
        assert "en langsiktig møteplan innen" in body and "31. oktober 2024" in body
        assert "en utviklingsplan for programperioden innen" in body and "31. januar 2025" in body
        assert "veiledningsstøtte, faglig innhold og dagpakker på samlingene" in body
        assert "reise og overnatting i forbindelse med samlingene" in body
        assert "eventuelle lønns- og vikarkostnader" in body
        assert "(ikke avklart)" not in body and "Oslo kommune" in body
    assert welcome.text_body.index("Ola Koordinator") < welcome.text_body.index("Eva Eier")
    assert welcome.reply_to == CONTACT


def test_the_welcome_names_the_advisor_assigned(engine: Engine, tmp_path) -> None:  # noqa: ANN001
    import_advisors(engine, tmp_path, "Anne Berg,anne@kulturskoleradet.no,+47 900 00 001,03,,")
    ready_for_contract(engine, "0301")
    fire(engine, "0301", "contract", "2024-06-10")
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        advisor = advisors.find_advisor(session, "anne@kulturskoleradet.no")
        advisors.assign(session, case, advisor, on("2024-06-11"), "by an administrator")
    fire(engine, "0301", "activate", "2024-08-01")
    welcome = mail(engine, "welcome")
    assert "Veilederen deres er Anne Berg (anne@kulturskoleradet.no, tlf. +47 900 00 001)" in (
        welcome.text_body
    )
    assert "Vi presenterer veilederen" not in welcome.text_body


def test_the_completion_says_when_the_sharing_arena_is(engine: Engine) -> None:
    active(engine, "0301")
    fire(engine, "0301", "complete", "2026-01-05")
    completion = mail(engine, "completion")
    assert "på en delingsarena i januar 2026, uke 2–3 eller 4." in completion.text_body
    assert "i januar 2026, uke 2–3 eller 4" in completion.html_body


def test_visit_mails_are_answered_by_the_advisor(engine: Engine, tmp_path) -> None:  # noqa: ANN001
    import_advisors(engine, tmp_path, "Anne Berg,anne@kulturskoleradet.no,,03,,")
    active(engine, "0301")
    [first, *_] = scheduling.run(engine, on("2024-09-20")).scheduled
    invitation = mail(engine, "visit_invitation")
    assert invitation.reply_to == {"name": "Anne Berg", "address": "anne@kulturskoleradet.no"}
    week_before = date.fromisoformat(first["start"][:10]) - timedelta(days=7)
    with unit_of_work(engine) as session:
        queue_due_reminders(session, on(week_before.isoformat()))
    with unit_of_work(engine, readonly=True) as session:
        reminder = session.scalars(
            select(Message).where(Message.idempotency_key.like("%/reminder/visit-%"))
        ).one()
    assert reminder.reply_to == {"name": "Anne Berg", "address": "anne@kulturskoleradet.no"}
    assert "Får dere forfall, gi beskjed til veilederen, Anne Berg (anne@kulturskoleradet.no" in (
        reminder.text_body
    )
    assert "Reise og overnatting" not in reminder.text_body
    assert "om sju dager" in reminder.text_body and "kl. 10.00–12.30" in reminder.text_body
    assert mail(engine, "application_received").reply_to == CONTACT
