"""Invitations to the inspiration gathering and the sharing arena go to the cases that exist
then, once, a number of days before; a tentative event gets none. When a reloaded programme file
makes a tentative event exact, or moves an exact one, the cases it concerns are told, in the
same transaction as the update, once per new time."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from kulturskole.programme_file import parse_programme_file
from kulturskole.services.programmes import load_programme
from models import HistoryEntry, Message
from notifications.events import invitation_date, queue_due_invitations
from tests.builders.cases import apply_case
from tests.builders.invoicing import active, fire
from tests.builders.programmes import PROGRAMME_FILE

pytestmark = pytest.mark.usefixtures("programme_loaded")

INSPIRATION = (
    "    start: 2024-03-15\n    end: 2024-03-15\n    weeks: [11]\n",
    "    start: 2024-05-31\n    end: 2024-05-31\n    weeks: [22]\n",
)
SHARING_ARENA_EXACT = (
    '    tentative: true\n    when: "Januar 2026, uke 2–3 eller 4"\n    months: ["2026-01"]\n'
    "    weeks: [2, 3, 4]\n",
    "    start: 2026-01-14\n    end: 2026-01-14\n    weeks: [3]\n"
    '    time: {start: "10:00", end: "15:00"}\n',
)
MEETING_5_EXACT = (
    '    tentative: true\n    when: "August 2025"\n    months: ["2025-08"]\n    weeks: [34, 35]\n',
    "    start: 2025-08-27\n    end: 2025-08-27\n    weeks: [35]\n",
)
MEETING_5_MOVED = (
    '    tentative: true\n    when: "August 2025"\n    months: ["2025-08"]\n    weeks: [34, 35]\n',
    "    start: 2025-08-20\n    end: 2025-08-20\n    weeks: [34]\n",
)


def variant(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / f"programme-{abs(hash(replacements))}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(engine: Engine, path: Path, day: str = "2025-06-20") -> None:
    with unit_of_work(engine) as session:
        load_programme(
            session, parse_programme_file(path), Acting("tester", date.fromisoformat(day))
        )


def invite(engine: Engine, day: str) -> int:
    with unit_of_work(engine) as session:
        return queue_due_invitations(session, Acting("tester", date.fromisoformat(day)))


def sent(engine: Engine, template: str) -> list[Message]:
    with unit_of_work(engine, readonly=True) as session:
        return list(
            session.scalars(
                select(Message).where(Message.template == template).order_by(Message.id)
            )
        )


def to(message: Message) -> str:
    return message.to[0]["address"]


# --- invitations ------------------------------------------------------------------------------


def test_inspiration_invitation_goes_to_applicants_21_days_before_and_once(
    engine: Engine, tmp_path: Path
) -> None:
    load(engine, variant(tmp_path, INSPIRATION), "2024-04-01")
    for number in ("0301", "5001", "1103", "F50"):
        apply_case(engine, number)
    fire(engine, "5001", "select", "2024-05-02")
    fire(engine, "1103", "reject", "2024-05-02", reason="Ikke knyttet til utviklingsområdet")
    assert invite(engine, "2024-05-09") == 0  # 22 days before
    assert invite(engine, "2024-05-10") == 3  # 0301 applied, 5001 selected, F50 applied
    assert invite(engine, "2024-05-10") == 0 and invite(engine, "2024-05-30") == 0
    assert invite(engine, "2024-05-31") == 0  # the day itself: no new case, nothing to add
    invitations = sent(engine, "event_invitation")
    assert [to(m) for m in invitations] == [
        "kari.0301@kommune.example.no",
        "kari.5001@kommune.example.no",
        "kari.F50@kommune.example.no",
    ]
    oslo = invitations[0]
    assert oslo.subject == (
        "Invitasjon til inspirasjonssamling før oppstart 31. mai 2024 – Oslo kommune"
    )
    assert "Vi inviterer med dette Oslo kommune til inspirasjonssamling før oppstart i " in (
        oslo.text_body
    )
    assert "Tid: fredag 31. mai 2024 kl. 09.00–14.00\nForm: digital samling (nettmøte)\n" in (
        oslo.text_body
    )
    assert "om hvem fra kommunen som deltar" in oslo.text_body
    assert "<th" in oslo.html_body and "fredag 31. mai 2024 kl. 09.00–14.00" in oslo.html_body
    branch = invitations[2]
    assert branch.subject.endswith("– Norsk kulturskoleråd Trøndelag")
    assert "om hvem fra fylkesavdelingen som deltar" in branch.text_body
    with unit_of_work(engine, readonly=True) as session:
        queued = session.scalars(
            select(HistoryEntry).where(HistoryEntry.action == "mail-queued")
        ).all()
        assert sum(e.details["template"] == "event_invitation" for e in queued) == 3


def test_a_case_that_applies_after_the_invitation_date_is_invited_while_the_event_is_ahead(
    engine: Engine, tmp_path: Path
) -> None:
    load(engine, variant(tmp_path, INSPIRATION), "2024-04-01")
    apply_case(engine, "0301")
    assert invite(engine, "2024-05-10") == 1
    apply_case(engine, "5001")
    assert invite(engine, "2024-05-20") == 1  # the run catches up with the newcomer
    assert invite(engine, "2024-06-01") == 0  # the gathering is over


def test_the_tentative_sharing_arena_gets_no_invitation(engine: Engine) -> None:
    active(engine, "0301")
    for day in ("2025-12-20", "2026-01-05", "2026-01-20"):
        assert invite(engine, day) == 0
    assert sent(engine, "event_invitation") == []


def test_the_sharing_arena_once_exact_invites_the_cases_taking_part(
    engine: Engine, tmp_path: Path
) -> None:
    active(engine, "0301", "5001")
    apply_case(engine, "1103")  # never selected: not invited to the end of the programme
    fire(
        engine,
        "5001",
        "terminate",
        "2025-03-01",
        reason="Forpliktelsene er ikke fulgt opp",
        initiated_by="leadership",
    )
    load(engine, variant(tmp_path, SHARING_ARENA_EXACT), "2025-11-01")
    assert invite(engine, "2025-12-23") == 0
    assert invite(engine, "2025-12-24") == 1
    [invitation] = sent(engine, "event_invitation")
    assert to(invitation) == "ola@kommune.example.no"  # the coordinator
    assert invitation.subject == "Invitasjon til delingsarena 14. januar 2026 – Oslo kommune"
    assert "Tid: onsdag 14. januar 2026 kl. 10.00–15.00\n" in invitation.text_body
    assert "På delingsarenaen deler deltakerne erfaringer" in invitation.text_body
    assert "Form: ikke avklart ennå; vi gir beskjed når det er bestemt" in invitation.text_body


def test_the_invitation_date_is_the_programme_files_days_before() -> None:
    definition = parse_programme_file(PROGRAMME_FILE)
    assert definition.invitations.days_before == 21
    events = {e.id: e for e in definition.events}
    assert invitation_date(events["inspiration"], 21) == date(2024, 2, 23)
    assert invitation_date(events["sharing-arena"], 21) is None  # tentative
    assert invitation_date(events["joint-gathering-1"], 21) is None  # not an invited kind


# --- a tentative event made exact, an exact one moved -----------------------------------------


def test_a_tentative_meeting_made_exact_is_told_to_the_active_cases_once(
    engine: Engine, tmp_path: Path
) -> None:
    active(engine, "0301")
    apply_case(engine, "5001")  # applied only: not told
    exact = variant(tmp_path, MEETING_5_EXACT)
    load(engine, exact)
    load(engine, exact)  # the same file again: nothing new
    [notice] = sent(engine, "event_scheduled")
    assert to(notice) == "ola@kommune.example.no"
    assert notice.subject == (
        "Tidspunkt fastsatt for koordinatorsamling 5: 27. august 2025 – Oslo kommune"
    )
    assert (
        "Vi gir beskjed til Oslo kommune om at tidspunktet for koordinatorsamling 5 nå er "
        "fastsatt: onsdag 27. august 2025 (2,5 timer)."
        " I tidsplanen stod det tidligere «August 2025»." in notice.text_body
    )
    assert "Koordinatorsamlingen er for koordinatorene." in notice.text_body
    with unit_of_work(engine, readonly=True) as session:
        [entry] = session.scalars(
            select(HistoryEntry).where(
                HistoryEntry.action == "mail-queued", HistoryEntry.effective_on == date(2025, 6, 20)
            )
        ).all()
        assert entry.details["template"] == "event_scheduled"


def test_an_exact_event_moved_again_is_told_with_the_time_it_had(
    engine: Engine, tmp_path: Path
) -> None:
    active(engine, "0301")
    load(engine, variant(tmp_path, MEETING_5_EXACT))
    load(engine, variant(tmp_path, MEETING_5_MOVED), "2025-07-01")
    first, moved = sent(engine, "event_scheduled")
    assert moved.subject.startswith("Nytt tidspunkt for koordinatorsamling 5: 20. august 2025")
    assert (
        "Vi gir beskjed til Oslo kommune om at tidspunktet for koordinatorsamling 5 er endret. "
        "Ny tid er onsdag 20. august 2025 "
        "(2,5 timer), ikke onsdag 27. august 2025 (2,5 timer) som tidligere meldt."
    ) in moved.text_body
    # back to the first date: told again, for it is news to them
    load(engine, variant(tmp_path, MEETING_5_EXACT), "2025-07-02")
    back = sent(engine, "event_scheduled")[-1]
    assert len(sent(engine, "event_scheduled")) == 3
    assert "Ny tid er onsdag 27. august 2025 (2,5 timer), ikke onsdag 20. august" in back.text_body


def test_a_gathering_moved_is_told_to_the_whole_group(engine: Engine, tmp_path: Path) -> None:
    active(engine, "0301")
    moved = variant(
        tmp_path,
        (
            "    start: 2025-09-11\n    end: 2025-09-12\n    weeks: [37]\n",
            "    start: 2025-09-18\n    end: 2025-09-19\n    weeks: [38]\n",
        ),
    )
    load(engine, moved)
    [notice] = sent(engine, "event_scheduled")
    assert "Ny tid er 18.–19. september 2025, ikke 11.–12. september 2025 som tidligere meldt." in (
        notice.text_body
    )
    assert "Hele kommunegruppen skal delta på fellessamlingene." in notice.text_body
    assert "Form: fysisk samling" in notice.text_body


def test_a_reload_that_is_rolled_back_tells_nobody(engine: Engine, tmp_path: Path) -> None:
    active(engine, "0301")
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        load_programme(session, parse_programme_file(variant(tmp_path, MEETING_5_EXACT)))
        assert session.scalars(select(Message).where(Message.template == "event_scheduled")).all()
        raise RuntimeError("the operator's transaction fails after the update")
    assert sent(engine, "event_scheduled") == []
    with unit_of_work(engine, readonly=True) as session:
        from kulturskole.services.programmes import get_programme

        events = {e.id: e for e in get_programme(session, None).events}
        assert events["coordinator-meeting-5"].tentative
