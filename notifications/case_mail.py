"""Which message each case action sends, to whom, with what context.

Who receives what: the coordinator always (before one is named, the contact who applied);
the chief executive for the contract, invoices and termination; the council's programme contact
in copy of the contract, warnings and termination.
"""

from __future__ import annotations

from typing import Any

from kulturskole.config import get_settings
from kulturskole.history import Acting
from models import Case, Programme
from notifications.outbox import File, Recipient, queue
from notifications.render import render_document
from notifications.termination_letter import termination_context

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
        "municipality": {"number": case.municipality_number, "name": case.municipality.name},
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
) -> None:
    """Queue what a transition tells the municipality (in the transition's transaction)."""
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
        context["events"] = [event_context(e) for e in case.programme.events]
    elif trigger == "terminate":
        recipients += chief_executive(case)
        cc.append(programme_contact(case.programme))
        context["termination"] = termination_context(
            session, case, acting.as_of, reason, initiated_by
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
    """The contract document, for the chief executive's and culture school head's signatures."""
    to = coordinator_or_contact(case)
    name = f"kontrakt-{case.programme_id}-{case.municipality_number}.html"
    document = render_document("contract.html", common_context(case, to))
    context = common_context(case, to) | {"attachment_name": name}
    queue(
        session,
        key=key_for(case, "contract-for-signature"),
        template="contract_for_signature",
        context=context,
        to=[to, *chief_executive(case)],
        cc=[programme_contact(case.programme)],
        case=case,
        acting=acting,
        attachments=[File(name, "text/html; charset=utf-8", document.encode("utf-8"))],
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
