"""Business actions on a case. Each runs inside the caller's unit of work and writes history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturskole.contact import clean_email, clean_name, clean_phone
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.history import Acting, record
from kulturskole.reactions import Change, react, require_wired
from kulturskole.services.applicants import county_branch, is_county_branch_number
from kulturskole.services.municipalities import get_municipality
from kulturskole.services.programmes import get_programme
from models import ROLES, Case, GroupMember, Person
from notifications import case_mail
from states.conditions import Context
from states.groups import END_STATES
from states.machine import allowed_triggers, explain, fire


@dataclass(frozen=True)
class Application:
    """What a municipality states when it applies (søknad)."""

    contact_name: str
    contact_email: str
    motivation: str | None = None
    development_area: str | None = None
    county_dialogue: bool = False


def find_case(
    session: Session, number: str, programme_id: str | None = None, *, for_update: bool = False
) -> Case:
    """The case of municipality ``number`` in the programme (the only one when not given)."""
    municipality = get_municipality(session, number)
    programme = get_programme(session, programme_id)
    query = (
        select(Case)
        .where(Case.programme_id == programme.id, Case.municipality_number == municipality.number)
        .options(selectinload(Case.members))
    )
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.scalars(query).one_or_none()
    if case is None:
        raise NotFound(f"{number} {municipality.name} has not applied to {programme.id}")
    return case


def apply(
    session: Session,
    number: str,
    application: Application,
    acting: Acting,
    programme_id: str | None = None,
) -> Case:
    # A county branch ("F50") is registered when it first applies (kulturskole.services.applicants).
    municipality = (
        county_branch(session, number)
        if is_county_branch_number(number)
        else get_municipality(session, number)
    )
    number = municipality.number
    programme = get_programme(session, programme_id)
    existing = session.scalars(
        select(Case).where(Case.programme_id == programme.id, Case.municipality_number == number)
    ).one_or_none()
    if existing is not None:
        raise InvalidInput(
            f"{number} {municipality.name} has already applied to {programme.id} "
            f"(state {existing.state})"
        )
    contact = Person(
        name=clean_name(application.contact_name, "contact name"),
        email=clean_email(application.contact_email),
    )
    case = Case(
        programme=programme,
        municipality=municipality,
        applied_on=acting.as_of,
        contact=contact,
        motivation=_text(application.motivation),
        development_area=_text(application.development_area),
        county_dialogue=application.county_dialogue,
    )
    session.add(case)
    session.flush()
    record(
        session,
        case,
        acting,
        "apply",
        to_state=case.state,
        details={"contact_person_id": contact.id, **_application_details(case)},
    )
    case_mail.application_received(session, case, acting)
    return case


def amend_application(
    session: Session,
    case: Case,
    acting: Acting,
    *,
    motivation: str | None = None,
    development_area: str | None = None,
    county_dialogue: bool | None = None,
) -> list[str]:
    """Change the application's answers while it is being considered; returns what changed."""
    if case.state != "applied":
        raise InvalidInput(
            f"the application can only be amended while applied (it is {case.state})"
        )
    changed = []
    for attr, value in (
        ("motivation", _text(motivation) if motivation is not None else None),
        ("development_area", _text(development_area) if development_area is not None else None),
        ("county_dialogue", county_dialogue),
    ):
        if value is not None and getattr(case, attr) != value:
            setattr(case, attr, value)
            changed.append(attr)
    if changed:
        record(
            session,
            case,
            acting,
            "application-amended",
            details={"changed": changed, **_application_details(case)},
        )
    return changed


def set_member(
    session: Session,
    case: Case,
    acting: Acting,
    *,
    name: str,
    email: str,
    phone: str | None,
    role: str,
) -> tuple[GroupMember, str]:
    """Add a group member, or update the one with this e-mail; returns (member, what happened)."""
    _require_open(case, "change the group of")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is unknown; use one of {', '.join(ROLES)}")
    name, email = clean_name(name), clean_email(email)
    phone = clean_phone(phone) if phone else None
    member = _member_by_email(case, email)
    if member is None:
        member = GroupMember(person=Person(name=name, email=email, phone=phone), role=role)
        case.members.append(member)
        session.flush()
        record(
            session,
            case,
            acting,
            "member-added",
            details={"member_id": member.id, "person_id": member.person_id, "role": role},
        )
        return member, "added"
    changed = [
        attr
        for attr, value in (("name", name), ("phone", phone))
        if value is not None and getattr(member.person, attr) != value
    ]
    for attr in changed:
        setattr(member.person, attr, name if attr == "name" else phone)
    if member.role != role:
        changed.append("role")
        member.role = role
    if not changed:
        return member, "unchanged"
    record(
        session,
        case,
        acting,
        "member-changed",
        details={
            "member_id": member.id,
            "person_id": member.person_id,
            "role": member.role,
            "changed": changed,
        },
    )
    return member, "changed"


def remove_member(session: Session, case: Case, acting: Acting, email: str) -> None:
    _require_open(case, "change the group of")
    email = clean_email(email)
    member = _member_by_email(case, email)
    if member is None:
        raise NotFound(f"no group member with e-mail {email} in this case")
    details = {"member_id": member.id, "person_id": member.person_id, "role": member.role}
    case.members.remove(member)
    record(session, case, acting, "member-removed", details=details)


def record_role_mapping(session: Session, case: Case, acting: Acting) -> bool:
    """The municipality has mapped roles and responsibilities (kartlegging)."""
    _require_open(case, "record the role mapping of")
    if case.role_mapping_done:
        return False
    case.role_mapping_done = True
    record(session, case, acting, "role-mapping-done")
    return True


def sign(
    session: Session,
    case: Case,
    acting: Acting,
    *,
    chief_executive: str,
    culture_school_head: str,
    signed_on: date,
) -> None:
    """Record the municipality's signatures on the contract."""
    _signable(case, acting, signed_on)
    case.chief_executive_signatory = Person(name=clean_name(chief_executive, "chief executive"))
    case.culture_school_head_signatory = Person(
        name=clean_name(culture_school_head, "culture school head")
    )
    case.signed_on = signed_on
    session.flush()
    record(
        session,
        case,
        acting,
        "signed",
        details={
            "chief_executive_person_id": case.chief_executive_signatory_id,
            "culture_school_head_person_id": case.culture_school_head_signatory_id,
            "signed_on": signed_on.isoformat(),
        },
    )


def _signable(case: Case, acting: Acting, signed_on: date) -> None:
    """A signature is recorded before the contract is in force, and not dated ahead."""
    if case.state not in ("applied", "selected"):
        raise InvalidInput(
            f"the contract can only be signed before it is in force (it is {case.state})"
        )
    if signed_on > acting.as_of:
        raise InvalidInput(
            f"the date signed {signed_on} is after the effective date {acting.as_of}"
        )


def countersign(
    session: Session,
    case: Case,
    acting: Acting,
    *,
    signed_on: date,
    director: str | None = None,
) -> None:
    """Record the council director's signature on the contract (the name defaults to the
    programme file's ``contract.director``); with the municipality's two it is complete."""
    _signable(case, acting, signed_on)
    name = director if director is not None else case.programme.rules.contract.director
    case.director_signatory = Person(name=clean_name(name, "director"))
    case.director_signed_on = signed_on
    session.flush()
    record(
        session,
        case,
        acting,
        "countersigned",
        details={
            "director_person_id": case.director_signatory_id,
            "signed_on": signed_on.isoformat(),
        },
    )


def transition(
    session: Session,
    case: Case,
    trigger: str,
    acting: Acting,
    *,
    reason: str | None = None,
    initiated_by: str | None = None,
) -> tuple[str, str]:
    """Fire ``trigger`` on the case as of the acting date; refused triggers change nothing.
    After the history entry, the reactions wired in kulturskole/bootstrap.py run (mail,
    breaches, visits) in the same transaction."""
    require_wired()  # before anything changes: a transition without its reactions is a bug
    ctx = Context(as_of=acting.as_of, reason=_text(reason), initiated_by=initiated_by)
    before, after = fire(case, trigger, ctx)
    details: dict[str, Any] = {}
    if initiated_by is not None:
        details["initiated_by"] = initiated_by
    record(
        session,
        case,
        acting,
        trigger,
        from_state=before,
        to_state=after,
        reason=ctx.reason,
        details=details,
    )
    change = Change(
        trigger=trigger,
        before=before,
        after=after,
        reason=ctx.reason,
        initiated_by=initiated_by,
    )
    react(session, case, change, acting)
    return before, after


def missing(case: Case, as_of: date) -> dict[str, list[str]]:
    """For each trigger allowed now, the conditions that stand in its way (empty: it would fire)."""
    ctx = Context(as_of=as_of)
    return {t: explain(case, t, ctx) for t in allowed_triggers(case.state)}


def _member_by_email(case: Case, email: str) -> GroupMember | None:
    wanted = email.casefold()
    return next((m for m in case.members if (m.person.email or "").casefold() == wanted), None)


def _require_open(case: Case, doing: str) -> None:
    if case.state in END_STATES:
        raise InvalidInput(f"cannot {doing} a case that is {case.state}")


def _application_details(case: Case) -> dict[str, Any]:
    return {
        "motivation": case.motivation,
        "development_area": case.development_area,
        "county_dialogue": case.county_dialogue,
    }


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
