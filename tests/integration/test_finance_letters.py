"""The warning, termination and visit-cancellation letters as a real flow writes them: the
breach found by the monitor, the termination decided over it, the letters read in full."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from kulturskole.obligations import breaches
from kulturskole.obligations.attendance import record_attendance
from kulturskole.services import cases as service
from models import Invoice, Message
from tests.builders.cases import GROUP
from tests.builders.invoicing import active, on

pytestmark = pytest.mark.usefixtures("programme_loaded")
COORDINATOR = GROUP[0][1]
NBSP = "\u00a0"


def attend(engine: Engine, event: str, present: int, members: list[str], day: str) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        record_attendance(session, case, event, present, members, on(day))


def mails(engine: Engine, template: str) -> list[Message]:
    with unit_of_work(engine, readonly=True) as session:
        return list(
            session.scalars(
                select(Message).where(Message.template == template).order_by(Message.id)
            )
        )


def both(message: Message) -> list[str]:
    """The plain text and the HTML body with tags out, so a sentence reads the same in both."""
    import html as html_module
    import re

    page = re.sub(r"<(style|title)\b.*?</\1>", " ", message.html_body, flags=re.S)
    page = re.sub(r"</?(strong|em|a|span)\b[^>]*>", "", page)  # inline: no space
    page = html_module.unescape(re.sub(r"<[^>]+>", " ", page))
    flat = re.sub(r"[ \t\r\n]+", " ", page)
    return [re.sub(r"[ \t\r\n]+", " ", message.text_body), flat]


@pytest.fixture
def absent(engine: Engine, tmp_path) -> int:  # noqa: ANN001
    """0301 active with visits booked; nobody at joint gathering 1; the first instalment issued;
    the breach opened and warned about on 26 September 2024 (deadline 10 October)."""
    from kulturskole.visits import scheduling
    from tests.builders.visits import import_advisors

    active(engine, "0301")
    attend(engine, "coordinator-meeting-1", 1, [COORDINATOR], "2024-08-22")
    import_advisors(engine, tmp_path, "Anne Berg,anne@kulturskoleradet.no,,03,,")
    scheduling.run(engine, on("2024-09-20"))
    attend(engine, "joint-gathering-1", 0, [], "2024-09-26")
    issuing.run(engine, on("2024-09-26"))
    [opened] = breaches.monitor(engine, on("2024-09-26")).opened
    return opened["id"]


def test_the_warning_for_an_absence_asks_for_an_explanation_and_a_plan(
    engine: Engine, absent: int
) -> None:
    [warning] = mails(engine, "obligation_warning")
    assert warning.text_body.startswith("Til ") and "Hei " not in warning.text_body
    for body in both(warning):
        assert "Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024" in body
        assert "Færre enn" not in body and "til stede" not in body
        assert "Dette kan ikke gjøres om i ettertid." in body
        assert (
            "en skriftlig redegjørelse for fraværet og en plan for hvordan kommunegruppen" in body
        )
        assert "innen 10. oktober 2024" in body
        assert "rettet innen" not in body
        # gathering attendance can lead to termination: the letter says so
        assert "«Forpliktelser»" in body and "vurdere om avtalen skal sies opp" in body


def test_the_termination_names_the_warning_and_the_instalments_not_invoiced(
    engine: Engine, absent: int
) -> None:
    with unit_of_work(engine) as session:
        breaches.decide(
            session, absent, True, "Ingen deltakelse", "leder@kulturskoleradet.no", on("2024-10-11")
        )
    [letter] = mails(engine, "termination")
    cancelled = [m for m in mails(engine, "visit_cancelled")]
    assert letter.text_body.startswith("Til ") and "Hei " not in letter.text_body
    for body in both(letter):
        assert "gathering-attendance" not in body and "brudd 1" not in body
        assert "Takk for innsatsen" not in body
        assert (
            "og til varselet vi sendte 26. september 2024 om kommunegruppens deltakelse på "
            "fellessamlingene" in body
        )
        assert "Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024" in body
        assert "Fristen i varselet var 10. oktober 2024." in body
        assert (
            "Begrunnelse: Brudd på forpliktelsen om kommunegruppens deltakelse på "
            "fellessamlingene: Ingen deltakelse." in body
        )
        assert (
            "De to gjenstående avdragene av deltakeravgiften, etter fellessamling 3 "
            "(12.–13. februar 2025) og fellessamling 5 (11.–12. september 2025), blir ikke "
            "fakturert." in body
        )
        assert "Faktura 240001, som alt er sendt, skal betales som vanlig." in body
        if len(cancelled) > 1:
            assert f"De {['', '', 'to', 'tre', 'fire'][len(cancelled)]} veiledningsbesøkene" in body
        elif not cancelled:
            assert "er avlyst" not in body
    # What the letter says is what happens: no further instalment is invoiced.
    issuing.run(engine, on("2025-09-15"))
    with unit_of_work(engine, readonly=True) as session:
        assert [i.instalment for i in session.scalars(select(Invoice))] == [1]


def test_the_visits_a_termination_cancels_offer_no_new_time(engine: Engine, absent: int) -> None:
    """Decided before the first visit window opens, so the visit booked for it is ahead."""
    with unit_of_work(engine) as session:
        breaches.decide(session, absent, True, "Ingen deltakelse", "leder", on("2024-09-27"))
    cancelled = mails(engine, "visit_cancelled")
    assert cancelled
    [letter] = mails(engine, "termination")
    assert "er avlyst" in letter.text_body
    for message in cancelled:
        for body in both(message):
            assert "nytt tidspunkt" not in body
            assert "Avtalen om deltakelse i programmet er avsluttet" in body


def test_a_coordinators_termination_names_no_warning(engine: Engine, absent: int) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(
            session,
            case,
            "terminate",
            on("2024-09-30"),
            reason="Kommunen trekker seg",
            initiated_by="coordinator",
        )
    [letter] = mails(engine, "termination")
    for body in both(letter):
        assert "varselet" not in body and "Programledelsen" not in body
        assert "koordinatoren deres har sagt opp avtalen" in body
        assert "De to gjenstående avdragene" in body


def test_a_plan_not_delivered_is_asked_for_and_threatens_no_termination(
    engine: Engine,
) -> None:
    """The meeting plan is not among the programme file's terminating rules."""
    active(engine, "0301")
    attend(engine, "coordinator-meeting-1", 1, [COORDINATOR], "2024-08-22")
    attend(engine, "joint-gathering-1", len(GROUP), [], "2024-09-26")
    breaches.monitor(engine, on("2024-09-26"))
    opened = breaches.monitor(engine, on("2024-11-01")).opened
    assert "meeting-plan" in [o["rule"] for o in opened]
    [warning] = [m for m in mails(engine, "obligation_warning") if "møteplanen" in m.text_body]
    for body in both(warning):
        assert (
            "Den langsiktige møteplanen skulle vært levert innen 31. oktober 2024, og vi har "
            "ikke mottatt den." in body
        )
        assert (
            "Vi ber om at dere sender oss den langsiktige møteplanen innen 15. november 2024."
            in body
        )
        assert "ikke gjøres om" not in body
        assert "si opp" not in body and "sies opp" not in body
        assert "øyeblikkelig virkning" not in body and "«Forpliktelser»" not in body
