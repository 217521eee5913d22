"""The calendar invitation for a visit, queued in the outbox with the change that causes it."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from sqlalchemy.orm import Session

from kulturskole.config import get_settings
from kulturskole.history import Acting
from kulturskole.visits.ics import Invitation, invitation_ics
from models import Advisor, Case, Visit
from models.base import utcnow
from notifications.case_mail import common_context, coordinator_or_contact
from notifications.outbox import File, Outgoing, Recipient, queue_outgoing
from notifications.render import kommune

METHOD = {"visit_invitation": "REQUEST", "visit_changed": "REQUEST", "visit_cancelled": "CANCEL"}


def uid_of(visit: Visit, domain: str | None = None) -> str:
    """The visit's calendar UID (``domain``: the sender's mail domain, when the caller has it)."""
    return f"visit-{visit.id}@{domain or mail_domain()}"


def mail_domain() -> str:
    return parseaddr(get_settings().mail_from)[1].rpartition("@")[2] or "kulturskole.local"


def location_of(visit: Visit, case: Case) -> str:
    if visit.mode == "digital":
        return "Nettmøte (lenke sendes av veilederen)"
    return kommune(case.municipality.name)


def queue_invitation(
    session: Session,
    case: Case,
    visit: Visit,
    advisor: Advisor,
    acting: Acting,
    template: str,
    **extra: Any,
) -> None:
    """Mail the coordinator and the advisor, with the visit as an .ics (same UID throughout,
    SEQUENCE rising with each change; METHOD:CANCEL when cancelled)."""
    message = invitation_message(case, visit, advisor, template, **extra)
    queue_outgoing(session, message, acting, case=case)


def invitation_message(
    case: Case,
    visit: Visit,
    advisor: Advisor,
    template: str,
    *,
    domain: str | None = None,
    **extra: Any,
) -> Outgoing:
    """The invitation mail for ``visit`` as the outbox takes it (one of a batch for
    ``notifications.outbox.queue_many``, or one for ``queue``). ``visit`` needs ``id``,
    ``sequence``, ``start``, ``end`` and ``mode``."""
    coordinator = coordinator_or_contact(case)
    title = case.programme.title
    location = location_of(visit, case)
    ics = invitation_ics(
        Invitation(
            uid=uid_of(visit, domain),
            sequence=visit.sequence,
            method=METHOD[template],
            start=visit.start,
            end=visit.end,
            summary=f"Veiledningsbesøk: {title} – {kommune(case.municipality.name)}",
            description=(
                f"Veiledningsbesøk i {title} for {kommune(case.municipality.name)} med veileder "
                f"{advisor.name} ({advisor.email}"
                + (f", tlf. {advisor.phone}" if advisor.phone else "")
                + ")."
            ),
            location=location,
            organizer_name=advisor.name,
            organizer_email=advisor.email,
            attendees=((coordinator.name, coordinator.address),),
            stamp=utcnow(),
        )
    )
    context = common_context(case, coordinator) | {
        "visit": {
            "start": visit.start,
            "end": visit.end,
            "mode": visit.mode,
            "location": location,
            "advisor": {"name": advisor.name, "email": advisor.email, "phone": advisor.phone},
        },
        **extra,
    }
    method = METHOD[template].lower()
    return Outgoing(
        key=f"visit/{visit.id}/{visit.sequence}/{method}",
        template=template,
        context=context,
        to=[coordinator, Recipient(advisor.name, advisor.email)],
        case_id=case.id,
        attachments=[
            File("invitasjon.ics", f"text/calendar; charset=utf-8; method={METHOD[template]}", ics)
        ],
    )
