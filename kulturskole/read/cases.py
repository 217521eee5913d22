"""Cases: summary rows of a programme, and one case in detail with what each trigger needs."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturskole.errors import InvalidInput
from kulturskole.services.cases import find_case, missing
from kulturskole.services.invoicing_details import effective_details
from kulturskole.services.programmes import get_programme
from models import Case, Person
from states.machine import STATES


class CaseSummary(TypedDict):
    municipality: str
    name: str
    state: str
    programme: str
    applied_on: str


class PersonData(TypedDict):
    name: str
    email: str | None
    phone: str | None


class MemberData(TypedDict):
    role: str
    name: str
    email: str | None
    phone: str | None


class ApplicationData(TypedDict):
    motivation: str | None
    development_area: str | None
    county_dialogue: bool


class SignaturesData(TypedDict):
    chief_executive: str | None
    culture_school_head: str | None
    signed_on: str | None
    director: str | None
    director_signed_on: str | None


class CaseDetail(TypedDict):
    municipality: str
    name: str
    programme: str
    state: str
    applied_on: str
    contact: PersonData | None
    application: ApplicationData
    role_mapping_done: bool
    signatures: SignaturesData
    members: list[MemberData]
    missing: dict[str, list[str]]  # trigger allowed now → the conditions in its way
    # who receives the invoices, as the next invoice would be stamped (services.invoicing_details)
    invoicing: dict[str, Any]


def list_cases(
    session: Session, *, programme_id: str | None = None, state: str | None = None
) -> list[CaseSummary]:
    """The programme's cases by kommunenummer, optionally only those in ``state``."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"unknown state {state!r}; use one of {', '.join(STATES)}")
    query = (
        select(Case)
        .where(Case.programme_id == get_programme(session, programme_id).id)
        .options(selectinload(Case.municipality))
        .order_by(Case.municipality_number)
    )
    if state:
        query = query.where(Case.state == state)
    return [
        CaseSummary(
            municipality=case.municipality_number,
            name=case.municipality.name,
            state=case.state,
            programme=case.programme_id,
            applied_on=case.applied_on.isoformat(),
        )
        for case in session.scalars(query)
    ]


def case_detail(
    session: Session, number: str, as_of: date, programme_id: str | None = None
) -> CaseDetail:
    """Municipality ``number``'s case: application, group, signatures and ``missing``."""
    return detail_of(find_case(session, number, programme_id), as_of)


def detail_of(case: Case, as_of: date) -> CaseDetail:
    chief, head = case.chief_executive_signatory, case.culture_school_head_signatory
    return CaseDetail(
        municipality=case.municipality_number,
        name=case.municipality.name,
        programme=case.programme_id,
        state=case.state,
        applied_on=case.applied_on.isoformat(),
        contact=None if case.contact is None else _person(case.contact),
        application=ApplicationData(
            motivation=case.motivation,
            development_area=case.development_area,
            county_dialogue=case.county_dialogue,
        ),
        role_mapping_done=case.role_mapping_done,
        signatures=SignaturesData(
            chief_executive=chief.name if chief else None,
            culture_school_head=head.name if head else None,
            signed_on=case.signed_on.isoformat() if case.signed_on else None,
            director=case.director_signatory.name if case.director_signatory else None,
            director_signed_on=(
                case.director_signed_on.isoformat() if case.director_signed_on else None
            ),
        ),
        members=[MemberData(role=m.role, **_person(m.person)) for m in case.members],
        missing=missing(case, as_of),
        invoicing=effective_details(case).as_json(),
    )


def _person(person: Person) -> PersonData:
    return PersonData(name=person.name, email=person.email, phone=person.phone)
