"""A case as it stood on a date, rebuilt from its history alone ("Se saken per dato").

The history entries whose effective date is on or before the day are replayed in sequence
order: the state each transition left, the application's answers (``apply`` and
``application-amended`` store them all), the group (``member-added``/``-changed``/``-removed``
store the member, the person and the role), the role mapping, the signatures, the advisor.

The history refers to people by id and never copies their names (they can be erased), so a
person is shown by their details as stored now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.read.cases import ApplicationData, MemberData, PersonData, SignaturesData
from kulturskole.services.cases import find_case
from models import Advisor, HistoryEntry, Person


class CaseAsOf(TypedDict):
    municipality: str
    name: str
    programme: str
    as_of: str
    existed: bool  # False: the municipality had not applied by that date
    state: str | None
    applied_on: str | None
    contact: PersonData | None
    application: ApplicationData
    role_mapping_done: bool
    signatures: SignaturesData
    members: list[MemberData]
    advisor: str | None  # the advisor's name
    entries: int  # history entries in force on that date
    last_change: str | None  # the effective date of the last of them
    last_seq: int | None  # and its number in the history


@dataclass
class _Replay:
    """The case's fields as the entries so far leave them."""

    state: str | None = None
    applied_on: date | None = None
    contact_id: int | None = None
    application: dict[str, Any] = field(
        default_factory=lambda: {
            "motivation": None,
            "development_area": None,
            "county_dialogue": False,
        }
    )
    members: dict[int, tuple[int, str]] = field(default_factory=dict)  # member → (person, role)
    role_mapping_done: bool = False
    signatories: tuple[int | None, int | None] = (None, None)
    signed_on: str | None = None
    director: tuple[int | None, str | None] = (None, None)  # (person, date signed)
    advisor_id: int | None = None

    def apply(self, entry: HistoryEntry) -> None:
        details = entry.details or {}
        if entry.to_state is not None:
            self.state = entry.to_state
        if entry.action == "apply":
            self.applied_on, self.contact_id = entry.effective_on, details.get("contact_person_id")
        if entry.action in ("apply", "application-amended"):
            self.application = {key: details.get(key) for key in self.application}
        elif entry.action in ("member-added", "member-changed"):
            self.members[details["member_id"]] = (details["person_id"], details["role"])
        elif entry.action == "member-removed":
            self.members.pop(details["member_id"], None)
        elif entry.action == "role-mapping-done":
            self.role_mapping_done = True
        elif entry.action == "signed":
            self.signatories = (
                details.get("chief_executive_person_id"),
                details.get("culture_school_head_person_id"),
            )
            self.signed_on = details.get("signed_on")
        elif entry.action == "countersigned":
            self.director = (details.get("director_person_id"), details.get("signed_on"))
        elif entry.action == "advisor-assigned":
            self.advisor_id = details.get("advisor_id")


def case_as_of(
    session: Session, number: str, day: date, programme_id: str | None = None
) -> CaseAsOf:
    """Municipality ``number``'s case as its history says it stood at the end of ``day``."""
    case = find_case(session, number, programme_id)
    entries = list(
        session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.case_id == case.id, HistoryEntry.effective_on <= day)
            .order_by(HistoryEntry.seq)
        )
    )
    replay = _Replay()
    for entry in entries:
        replay.apply(entry)
    people = _people(session, replay)
    advisor = session.get(Advisor, replay.advisor_id) if replay.advisor_id else None
    chief, head = (people.get(i) if i else None for i in replay.signatories)
    director = people.get(replay.director[0]) if replay.director[0] else None
    return CaseAsOf(
        municipality=case.municipality_number,
        name=case.municipality.name,
        programme=case.programme_id,
        as_of=day.isoformat(),
        existed=replay.state is not None,
        state=replay.state,
        applied_on=replay.applied_on.isoformat() if replay.applied_on else None,
        contact=_person(people[replay.contact_id]) if replay.contact_id in people else None,
        application=ApplicationData(**replay.application),
        role_mapping_done=replay.role_mapping_done,
        signatures=SignaturesData(
            chief_executive=chief.name if chief else None,
            culture_school_head=head.name if head else None,
            signed_on=replay.signed_on,
            director=director.name if director else None,
            director_signed_on=replay.director[1],
        ),
        members=[
            MemberData(role=role, **_person(people[person_id]))
            for _member, (person_id, role) in sorted(replay.members.items())
            if person_id in people
        ],
        advisor=advisor.name if advisor else None,
        entries=len(entries),
        last_change=entries[-1].effective_on.isoformat() if entries else None,
        last_seq=entries[-1].seq if entries else None,
    )


def _people(session: Session, replay: _Replay) -> dict[int, Person]:
    ids = {person for person, _role in replay.members.values()}
    ids |= {
        i for i in (replay.contact_id, *replay.signatories, replay.director[0]) if i is not None
    }
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


def _person(person: Person) -> PersonData:
    return PersonData(name=person.name, email=person.email, phone=person.phone)
