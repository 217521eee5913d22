"""The contract once all three have signed: the council director's signature, the signed
contract stored as a PDF with the case, and the agreement and contract meeting (avtale- og
kontraktsmøte) that opens the programme period, booked, invited to and recorded held."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select, text

from kulturskole.contract import meeting as meetings
from kulturskole.contract.signed import ContractAltered, signed_contract
from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput
from kulturskole.services import cases as service
from kulturskole.visits import advisors as advisor_service
from models import ContractMeeting, HistoryEntry, Message, SignedContract
from states.machine import ConditionsNotMet
from tests.builders.cases import acting, apply_case, ready_for_contract
from tests.builders.visits import ANNE, TWO_ADVISORS, import_advisors
from tests.support.pdf import pdf_text, pdf_title

pytestmark = pytest.mark.usefixtures("programme_loaded")
OSLO = ZoneInfo("Europe/Oslo")


def contract(engine: Engine, number: str = "0301", day: str = "2024-06-20") -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        service.transition(session, case, "contract", acting(day))


def contracted(engine: Engine, number: str = "0301", day: str = "2024-06-20") -> None:
    ready_for_contract(engine, number)
    contract(engine, number, day)


def history(engine: Engine, action: str, number: str = "0301") -> list[dict]:
    with unit_of_work(engine, readonly=True) as session:
        case = service.find_case(session, number)
        return [
            e.details
            for e in session.scalars(
                select(HistoryEntry)
                .where(HistoryEntry.case_id == case.id, HistoryEntry.action == action)
                .order_by(HistoryEntry.seq)
            )
        ]


def mails(engine: Engine, template: str) -> list[Message]:
    with unit_of_work(engine, readonly=True) as session:
        rows = list(session.scalars(select(Message).where(Message.template == template)))
        for row in rows:
            _ = row.attachments  # loaded while the session is open
        return rows


def meeting_row(engine: Engine, number: str = "0301") -> ContractMeeting:
    with unit_of_work(engine, readonly=True) as session:
        return meetings.meeting_of(session, service.find_case(session, number))


def held(engine: Engine, day: str, on: str | None = None, number: str = "0301") -> bool:
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        _, changed = meetings.held(
            session, case, acting(day), on=date.fromisoformat(on) if on else None
        )
        return changed


# --- the director's signature ------------------------------------------------------------


def test_the_directors_signature_is_recorded_with_the_programme_files_name_and_its_date(
    engine: Engine,
) -> None:
    ready_for_contract(engine)
    [entry] = history(engine, "countersigned")
    assert entry["signed_on"] == "2024-06-10"
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        assert case.director_signatory.name == "Morten Christiansen"
        service.countersign(
            session, case, acting("2024-06-12"), signed_on=date(2024, 6, 11), director="Kari Lund"
        )
    with unit_of_work(engine, readonly=True) as session:
        case = service.find_case(session, "0301")
        assert (case.director_signatory.name, case.director_signed_on) == (
            "Kari Lund",
            date(2024, 6, 11),
        )


def test_without_the_directors_signature_the_contract_is_refused(engine: Engine) -> None:
    apply_case(engine)
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
        service.sign(
            session,
            case,
            acting("2024-06-10"),
            chief_executive="Kommunedirektør Hansen",
            culture_school_head="Per Leder",
            signed_on=date(2024, 6, 10),
        )
    with unit_of_work(engine) as session, pytest.raises(ConditionsNotMet) as refused:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, "contract", acting("2024-06-20"))
    assert "the council director's signature" in str(refused.value)


@pytest.mark.parametrize(
    ("signed_on", "as_of", "error"),
    [
        ("2024-06-11", "2024-06-10", "the date signed 2024-06-11 is after the effective date"),
        ("2024-06-10", "2024-06-10", "only be signed before it is in force (it is contracted)"),
    ],
)
def test_a_countersignature_in_the_future_or_after_the_contract_is_refused(
    engine: Engine, signed_on: str, as_of: str, error: str
) -> None:
    if "contracted" in error:
        contracted(engine, day="2024-06-10")
    else:
        ready_for_contract(engine)
    with unit_of_work(engine) as session, pytest.raises(InvalidInput, match=re.escape(error)):
        case = service.find_case(session, "0301", for_update=True)
        service.countersign(session, case, acting(as_of), signed_on=date.fromisoformat(signed_on))


# --- the signed contract, stored --------------------------------------------------------


def test_contracting_stores_the_contract_with_the_three_signatures_as_a_pdf(
    engine: Engine,
) -> None:
    contracted(engine)
    with unit_of_work(engine, readonly=True) as session:
        row = signed_contract(session, service.find_case(session, "0301"))
        content, filename, made_on = row.content, row.filename, row.made_on
    assert content.startswith(b"%PDF-")
    assert filename == "signert-kontrakt-regionale-2024-2025-0301.pdf"
    assert made_on == date(2024, 6, 10)
    seen = pdf_text(content)
    assert "Kontrakt" in seen and "Oslo kommune" in seen
    assert "Trondheim, 10. juni 2024 Morten Christiansen direktør, Norsk kulturskoleråd" in seen
    assert "kommunedirektør: Kommunedirektør Hansen" in seen
    assert "kulturskoleleder: Per Leder" in seen
    assert "Kontrakten er signert av partene." in seen
    assert "august 2024" not in seen.split("Oslo kommune")[-1]  # the form's date text is gone
    assert pdf_title(content) == "Kontrakt – regionale program 2024–2025 – Oslo kommune"
    assert len(PdfReader(io.BytesIO(content)).pages) == 1  # one A4 page, signatures and all
    [stored] = history(engine, "contract-stored")
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    assert (stored["filename"], stored["made_on"], stored["replaced"]) == (
        filename,
        "2024-06-10",
        False,
    )


def test_the_signed_contract_is_refused_for_a_case_whose_contract_is_not_complete(
    engine: Engine,
) -> None:
    apply_case(engine)
    with unit_of_work(engine, readonly=True) as session, pytest.raises(InvalidInput) as refused:
        signed_contract(session, service.find_case(session, "0301"))
    assert str(refused.value).startswith("0301 Oslo has no signed contract: the contract lacks")
    assert "the council director's signature" in str(refused.value)
    ready_for_contract(engine, "5001")  # complete, but not yet contracted
    with unit_of_work(engine, readonly=True) as session, pytest.raises(InvalidInput) as refused:
        signed_contract(session, service.find_case(session, "5001"))
    assert "stored when the case is contracted (it is selected)" in str(refused.value)


def test_a_stored_contract_altered_afterwards_is_not_handed_out(engine: Engine) -> None:
    contracted(engine)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE signed_contract SET content = :c"), {"c": b"%PDF-1.7 forged"}
        )
    with unit_of_work(engine, readonly=True) as session, pytest.raises(ContractAltered):
        signed_contract(session, service.find_case(session, "0301"))


def test_one_stored_contract_per_case_and_the_same_bytes_for_the_same_signatures(
    engine: Engine,
) -> None:
    contracted(engine)
    contracted(engine, "5001")
    with unit_of_work(engine, readonly=True) as session:
        rows = {r.case_id: r for r in session.scalars(select(SignedContract))}
    assert len(rows) == 2
    oslo, trondheim = (pdf_text(r.content) for r in rows.values())
    assert "Oslo kommune" in oslo and "Oslo kommune" not in trondheim


# --- the contract meeting -----------------------------------------------------------------


def test_contracting_books_a_digital_meeting_when_the_programme_period_starts(
    engine: Engine,
) -> None:
    contracted(engine)
    row = meeting_row(engine)
    assert row.start.astimezone(OSLO) == datetime(2024, 8, 1, 9, 0, tzinfo=OSLO)  # a Thursday
    assert row.end.astimezone(OSLO) == datetime(2024, 8, 1, 10, 0, tzinfo=OSLO)
    assert (row.mode, row.status, row.advisor_id) == ("digital", "scheduled", None)
    assert (row.host_name, row.host_email) == (
        "Åste Selnæs Domaas",
        "aste.domaas@kulturskoleradet.no",
    )
    [scheduled] = history(engine, "contract-meeting-scheduled")
    assert scheduled["mode"] == "digital" and scheduled["start"] == "2024-08-01T09:00:00+02:00"


def test_the_invitation_says_when_and_how_in_norwegian_with_a_calendar_file(
    engine: Engine,
) -> None:
    contracted(engine)
    [mail] = mails(engine, "contract_meeting_invitation")
    assert [r["address"] for r in mail.to] == [
        "ola@kommune.example.no",  # the coordinator
        "aste.domaas@kulturskoleradet.no",  # the host
    ]
    assert mail.subject == ("Invitasjon til avtale- og kontraktsmøte 1. august 2024 – Oslo kommune")
    for body in (mail.text_body, mail.html_body):
        assert "starter med et avtale- og kontraktsmøte med hver deltakerkommune" in body
        assert "torsdag 1. august 2024 kl. 09" in body
        assert "nettmøte" in body and "sendes før møtet" in body
        assert "Åste Selnæs Domaas" in body
    assert mail.text_body.startswith("Hei Ola Koordinator,\n\n")
    [ics] = mail.attachments
    calendar = ics.content.decode("utf-8").replace("\r\n ", "")
    assert ics.filename == "invitasjon.ics" and "method=REQUEST" in ics.content_type
    assert "METHOD:REQUEST" in calendar and "SEQUENCE:0" in calendar
    assert "DTSTART;TZID=Europe/Oslo:20240801T090000" in calendar
    assert "SUMMARY:Avtale- og kontraktsmøte: Fremtidens kulturskole" in calendar


def test_meetings_of_one_host_take_the_next_free_slot_and_the_next_open_day(
    engine: Engine,
) -> None:
    numbers = ["0301", "1103", "4601", "5001"]
    for number in numbers:
        contracted(engine, number)
    starts = [meeting_row(engine, n).start.astimezone(OSLO) for n in numbers]
    assert [(s.day, s.hour) for s in starts] == [(1, 9), (1, 11), (1, 13), (2, 9)]


def test_a_late_contract_gets_its_meeting_a_week_later_on_a_working_day(
    engine: Engine,
) -> None:
    contracted(engine, day="2024-08-16")  # a Friday: +7 days is Friday 23 August
    assert meeting_row(engine).start.astimezone(OSLO) == datetime(2024, 8, 23, 9, 0, tzinfo=OSLO)


def test_with_an_advisor_the_meeting_is_the_advisors_and_avoids_their_visits(
    engine: Engine, tmp_path: Path
) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    ready_for_contract(engine)
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        advisor = advisor_service.find_advisor(session, ANNE)
        advisor_service.assign(session, case, advisor, acting("2024-06-15"), "manual")
    contract(engine)
    row = meeting_row(engine)
    assert (row.host_email, row.advisor_id is not None) == (ANNE, True)
    [mail] = mails(engine, "contract_meeting_invitation")
    assert "Møteleder: Anne Berg, veileder" in mail.text_body
    assert "Med vennlig hilsen\nAnne Berg\nveileder, Norsk kulturskoleråd" in mail.text_body


def test_booking_again_changes_nothing_and_sends_nothing_more(engine: Engine) -> None:
    contracted(engine)
    first = meeting_row(engine)
    with unit_of_work(engine) as session:
        again = meetings.book(session, service.find_case(session, "0301"), acting("2024-06-25"))
        assert again.id == first.id
    assert len(mails(engine, "contract_meeting_invitation")) == 1
    assert len(history(engine, "contract-meeting-scheduled")) == 1


def test_a_case_not_yet_contracted_gets_no_meeting(engine: Engine) -> None:
    ready_for_contract(engine)
    assert meeting_row(engine) is None
    with unit_of_work(engine) as session, pytest.raises(InvalidInput, match="is selected"):
        meetings.book(session, service.find_case(session, "0301"), acting("2024-06-25"))


def test_the_meeting_is_recorded_held_on_its_day_once(engine: Engine) -> None:
    contracted(engine)
    assert held(engine, "2024-08-05") is True
    row = meeting_row(engine)
    assert (row.status, row.held_on) == ("held", date(2024, 8, 1))
    assert history(engine, "contract-meeting-held") == [
        {"meeting_id": row.id, "held_on": "2024-08-01"}
    ]
    assert held(engine, "2024-08-06") is False  # the same again: nothing changes
    assert len(history(engine, "contract-meeting-held")) == 1
    with pytest.raises(InvalidInput, match="already recorded held on 2024-08-01"):
        held(engine, "2024-08-06", on="2024-08-02")


@pytest.mark.parametrize(
    ("as_of", "on", "error"),
    [
        ("2024-07-31", None, "on 2024-08-01 is after the effective date 2024-07-31"),
        ("2024-08-05", "2024-07-30", "scheduled for 2024-08-01; it cannot have been held on"),
        ("2024-08-05", "2024-08-06", "on 2024-08-06 is after the effective date 2024-08-05"),
    ],
)
def test_the_meeting_cannot_be_held_before_its_day_or_in_the_future(
    engine: Engine, as_of: str, on: str | None, error: str
) -> None:
    contracted(engine)
    with pytest.raises(InvalidInput, match=error):
        held(engine, as_of, on=on)
    row = meeting_row(engine)
    assert (row.status, row.held_on) == ("scheduled", None)
    assert history(engine, "contract-meeting-held") == []


def test_holding_a_meeting_that_was_never_booked_is_refused(engine: Engine) -> None:
    ready_for_contract(engine)
    with pytest.raises(InvalidInput, match="0301 Oslo has no contract meeting: none is booked"):
        held(engine, "2024-08-05")


def terminate(engine: Engine, day: str) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(
            session, case, "terminate", acting(day), reason="Brudd", initiated_by="leadership"
        )


def test_a_termination_before_the_meeting_cancels_it_in_the_calendar(engine: Engine) -> None:
    contracted(engine)
    terminate(engine, "2024-07-01")
    row = meeting_row(engine)
    assert (row.status, row.sequence) == ("cancelled", 1)
    [mail] = mails(engine, "contract_meeting_cancelled")
    assert mail.subject == "Avlyst: avtale- og kontraktsmøte 1. august 2024 – Oslo kommune"
    for body in (mail.text_body, mail.html_body):
        assert "er avsluttet" in body
        assert "Avtale- og kontraktsmøtet torsdag 1. august 2024 kl. 09" in body
    [ics] = mail.attachments
    calendar = ics.content.decode("utf-8")
    assert "METHOD:CANCEL" in calendar and "SEQUENCE:1" in calendar
    assert "STATUS:CANCELLED" in calendar
    [invitation] = mails(engine, "contract_meeting_invitation")
    assert _uid(invitation.attachments[0].content) == _uid(ics.content)  # the same event
    with pytest.raises(InvalidInput, match="was cancelled"):
        held(engine, "2024-08-05")


def test_a_termination_after_the_meetings_day_leaves_it_as_it_was(engine: Engine) -> None:
    contracted(engine)
    terminate(engine, "2024-08-02")
    assert meeting_row(engine).status == "scheduled"
    assert mails(engine, "contract_meeting_cancelled") == []


def _uid(ics: bytes) -> str:
    return next(line for line in ics.decode("utf-8").splitlines() if line.startswith("UID:"))
