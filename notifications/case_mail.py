"""Which message each case action sends, to whom, with what context.

Who receives what: the coordinator always (before one is named, the contact who applied);
the chief executive for the contract, invoices and termination; the council's programme contact
in copy of the contract, warnings and termination.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from kulturskole.config import get_settings
from kulturskole.history import Acting
from kulturskole.names import own_name, parallel_names, written_name
from models import Advisor, Case, Message, Programme
from notifications.documents import (
    contract_name,
    contract_pdf,
    founding_document_name,
    founding_document_pdf,
)
from notifications.outbox import File, Recipient, queue
from notifications.termination_letter import termination_context

#: The group members' roles as a letter names them (in the order a letter lists them).
MEMBER_ROLES = {
    "coordinator": "koordinator",
    "culture-school-head": "kulturskoleleder",
    "school-owner": "skoleeier",
    "chief-executive": "kommunedirektør",
    "elected": "folkevalgt",
    "other": "medlem",
}

# trigger → message template
TRANSITION_MAIL = {
    "select": "selected",
    "reject": "not_selected",
    "withdraw": "withdrawn",
    "activate": "welcome",
    "complete": "completion",
    "terminate": "termination",
}


def coordinator_or_contact(case: Case) -> Recipient:
    for member in case.members:
        if member.role == "coordinator" and member.person.email:
            return Recipient(member.person.name, member.person.email)
    return Recipient(case.contact.name, case.contact.email)


def chief_executive(case: Case) -> list[Recipient]:
    return [
        Recipient(m.person.name, m.person.email)
        for m in case.members
        if m.role == "chief-executive" and m.person.email
    ]


def programme_contact(programme: Programme) -> Recipient:
    settings = get_settings()
    contact = programme.rules.contact
    return Recipient(
        settings.programme_contact_name or contact.name,
        settings.programme_contact_email or contact.email,
    )


def common_context(case: Case, recipient: Recipient) -> dict[str, Any]:
    settings = get_settings()
    rules = case.programme.rules
    return {
        "programme": {
            "id": case.programme.id,
            "title": case.programme.title,
            "subtitles": list(rules.subtitles),
            "period_start": case.programme.period_start,
            "period_end": case.programme.period_end,
            "contract": rules.contract.model_dump(mode="json"),
            "contact": rules.contact.model_dump(mode="json"),
            "fee_ore": case.programme.fee_ore,
        },
        "municipality": {
            "number": case.municipality_number,
            # SSB's list form; the templates print it through the `kommune` filter (own name)
            "name": case.municipality.name,
            "own_name": own_name(case.municipality.name),
            "parallel_names": parallel_names(case.municipality.name),
            "written_name": written_name(case.municipality.name),
        },
        "recipient": {"name": recipient.name},
        "council": {"name": settings.council_name, "website": settings.council_website},
        "case": {"state": case.state},
    }


def key_for(case: Case, *parts: object) -> str:
    return "/".join(["case", case.programme_id, case.municipality_number, *map(str, parts)])


def application_received(session, case: Case, acting: Acting) -> None:  # noqa: ANN001
    to = coordinator_or_contact(case)
    context = common_context(case, to) | {
        "applied_on": case.applied_on,
        "contact": {"name": case.contact.name},
    }
    queue(
        session,
        key=key_for(case, "apply"),
        template="application_received",
        context=context,
        to=[to],
        case=case,
        acting=acting,
    )


def after_transition(
    session,  # noqa: ANN001
    case: Case,
    trigger: str,
    acting: Acting,
    *,
    reason: str | None = None,
    initiated_by: str | None = None,
    instalments: dict[str, Any] | None = None,
) -> None:
    """Queue what a transition tells the municipality (in the transition's transaction).

    ``instalments``: for ``terminate``, what becomes of the fee's instalments
    (``kulturskole.invoicing.issuing.instalments_on_termination``; the composition gives it)."""
    template = TRANSITION_MAIL.get(trigger)
    if template is None:
        return
    to = coordinator_or_contact(case)
    context = common_context(case, to)
    cc: list[Recipient] = []
    recipients = [to]
    if trigger in ("reject", "withdraw"):
        context["reason"] = reason
    elif trigger == "select":
        context["min_group_size"] = case.programme.rules.participation.min_group_size
    elif trigger == "activate":
        context |= welcome_context(case, acting.as_of)
    elif trigger == "complete":
        arena = next((e for e in case.programme.events if e.kind == "sharing-arena"), None)
        context["sharing_arena"] = event_context(arena) if arena is not None else None
    elif trigger == "terminate":
        recipients += chief_executive(case)
        cc.append(programme_contact(case.programme))
        if instalments is None:
            raise ValueError("a termination letter needs what becomes of the instalments")
        context["termination"] = termination_context(
            session, case, acting.as_of, reason, initiated_by, instalments
        )
    queue(
        session,
        key=key_for(case, trigger),
        template=template,
        context=context,
        to=recipients,
        cc=cc,
        case=case,
        acting=acting,
    )
    if trigger == "select":
        contract_for_signature(session, case, acting)


def contract_for_signature(session, case: Case, acting: Acting) -> None:  # noqa: ANN001
    """The contract document (PDF), for the chief executive's and culture school head's
    signatures, with the programme's founding document (grunnlagsdokumentet) it refers to."""
    to = coordinator_or_contact(case)
    key = key_for(case, "contract-for-signature")
    if session.scalar(select(Message.id).where(Message.idempotency_key == key)) is not None:
        return  # queued before: no PDFs made for nothing
    name = contract_name(case.programme, case.municipality_number)
    files = [File(name, "application/pdf", contract_pdf(common_context(case, to), acting.as_of))]
    context = common_context(case, to) | {"attachment_name": name}
    founding = founding_document_pdf(case.programme)
    if founding is not None:
        context["founding_document_name"] = founding_document_name(case.programme)
        files.append(File(context["founding_document_name"], "application/pdf", founding))
    queue(
        session,
        key=key,
        template="contract_for_signature",
        context=context,
        to=[to, *chief_executive(case)],
        cc=[programme_contact(case.programme)],
        case=case,
        acting=acting,
        attachments=files,
    )


def event_context(event: Any) -> dict[str, Any]:
    details = event.details or {}
    return {
        "id": event.id,
        "title": event.title,
        "kind": event.kind,
        "mode": event.mode,
        "start": event.start,
        "end": event.end,
        "tentative": event.tentative,
        "when": event.when,
        "time": details.get("time"),
        "duration_minutes": details.get("duration_minutes"),
        "note": details.get("note"),
    }


def members_context(case: Case) -> list[dict[str, Any]]:
    """The municipal group as a letter lists it: name and role, coordinator first."""
    order = list(MEMBER_ROLES)
    members = sorted(
        case.members,
        key=lambda m: (order.index(m.role) if m.role in order else len(order), m.person.name),
    )
    return [
        {"name": m.person.name, "role": MEMBER_ROLES.get(m.role, "medlem"), "email": m.person.email}
        for m in members
    ]


def advisor_context(case: Case) -> dict[str, Any] | None:
    """The advisor assigned to the case (``Case.advisor_id``), or None before one is."""
    if case.advisor_id is None:
        return None
    session = object_session(case)
    advisor = session.get(Advisor, case.advisor_id) if session is not None else None
    if advisor is None:
        return None
    return {"name": advisor.name, "email": advisor.email, "phone": advisor.phone}


def welcome_context(case: Case, as_of: date) -> dict[str, Any]:
    """What the welcome letter needs: the events still ahead on the day it is sent (a tentative
    one counts as ahead), the group, the advisor, what the fee covers and the plans' due dates."""
    rules = case.programme.rules
    obligations = rules.obligations
    return {
        "events": [
            event_context(e)
            for e in case.programme.events
            if e.tentative or e.end is None or e.end >= as_of
        ],
        "members": members_context(case),
        "advisor": advisor_context(case),
        "instalments": rules.invoicing.instalments,
        "meeting_plan_due": obligations.meeting_plan_due,
        "development_plan_due": obligations.development_plan_due,
    }
