"""The documents of an invoice or credit note, and the mail that carries them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session
from stdnum.no import orgnr

from kulturskole.config import get_settings
from kulturskole.history import Acting
from kulturskole.invoicing.data import InvoiceData, Line, Party
from kulturskole.invoicing.documents import document_filename, invoice_html
from kulturskole.invoicing.ehf import NoEndpoint, ehf_xml
from kulturskole.invoicing.kid import kid_for
from kulturskole.names import invoice_name
from kulturskole.services.invoicing_details import effective_details
from models import Case, Invoice, InvoiceDelivery, Programme
from models.base import utcnow
from notifications.case_mail import chief_executive, common_context, coordinator_or_contact
from notifications.outbox import File, Outgoing, Recipient, queue_many, queue_outgoing
from notifications.render import periode
from notifications.words import event_name

NO_ORGANISATION_NUMBER = (
    "Kjøper har ikke organisasjonsnummer; fakturaen identifiserer kjøper med navn og adresse "
    "(bokføringsforskriften § 5-1-1)."
)
_POSTCODE_LINE = re.compile(r"^([0-9]{4})\s+(\S.*)$")

#: Why an EHF waits when the settings name no access point (KULTURSKOLE_ACCESS_POINT=none).
NO_ACCESS_POINT = "no access point configured"


def seller(programme: Programme) -> Party:
    s, contact = programme.rules.seller, programme.rules.contact
    return Party(
        name=s.name,
        organisation_number=s.organisation_number,
        street=s.street,
        postcode=s.postcode,
        city=s.city,
        vat_registered=s.vat_registered,
        contact_name=contact.name,
        email=s.email or contact.email,
        phone=s.phone or contact.phone,
    )


def buyer_reference(case: Case) -> str:
    """Peppol requires a buyer reference (BT-10). It is the municipality's own reference ("deres
    ref.", bestillerreferanse) from the case's invoicing details when one is given; otherwise, as
    before the details were asked for, today's coordinator (or the contact who applied), whom
    the municipality's accounts department can ask about the invoice."""
    details = effective_details(case)
    if details.reference:
        return details.reference
    return coordinator_or_contact(case).name or f"Kulturskolen, {invoice_name(case.municipality)}"


def stamp(
    invoice: Invoice, programme: Programme, case: Case, credited: Invoice | None = None
) -> None:
    """Fix on the invoice, at issue, its KID and the buyer as they are now: the case's invoicing
    details (kulturskole.services.invoicing_details), each unset field from the municipality —
    legal name "<own name> kommune", organisation number, Peppol id 0192:<org.nr> — and the
    reference (the buyer's own, else the coordinator's name: :func:`buyer_reference`)."""
    if credited is None:
        details = effective_details(case)
        invoice.kid = kid_for(
            invoice.number, case.municipality_number, programme.rules.invoicing.kid_prefix
        )
        invoice.buyer_name = details.name
        invoice.buyer_org_number = details.org_number
        invoice.buyer_address = "\n".join(details.address) or None
        invoice.buyer_email = details.email
        invoice.buyer_peppol_id = details.peppol_id
        invoice.buyer_reference = buyer_reference(case)
    else:  # a credit note goes to the buyer as the invoice named it
        invoice.buyer_name = credited.buyer_name
        invoice.buyer_org_number = credited.buyer_org_number
        invoice.buyer_address = credited.buyer_address
        invoice.buyer_email = credited.buyer_email
        invoice.buyer_peppol_id = credited.buyer_peppol_id
        invoice.buyer_reference = credited.buyer_reference
    invoice.test = not programme.rules.seller.verified


def buyer_party(invoice: Invoice) -> Party:
    """The buyer as stamped on ``invoice``: name, organisation number, Peppol id, e-mail and the
    postal address (its street line(s), then "postcode place")."""
    lines = (invoice.buyer_address or "").split("\n") if invoice.buyer_address else []
    match = _POSTCODE_LINE.match(lines[-1]) if lines else None
    street_lines = lines[:-1] if match else lines
    return Party(
        name=invoice.buyer_name,
        organisation_number=invoice.buyer_org_number,
        street=", ".join(street_lines) or None,
        postcode=match.group(1) if match else None,
        city=match.group(2) if match else None,
        email=invoice.buyer_email,
        endpoint_id=invoice.buyer_peppol_id,
    )


def invoice_data(
    programme: Programme, invoice: Invoice, *, credited: Invoice | None = None
) -> InvoiceData:
    """What the stamped invoice says, for its documents (reads, never changes the row)."""
    instalments = programme.rules.invoicing.instalments
    event = next((e for e in programme.events if e.id == invoice.trigger_event_id), None)
    description = f"Deltakeravgift {programme.title}, avdrag {invoice.instalment} av {instalments}"
    return InvoiceData(
        kind=invoice.kind,
        number=invoice.number,
        series=invoice.series,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        seller=seller(programme),
        buyer=buyer_party(invoice),
        buyer_reference=invoice.buyer_reference,
        bank_account=programme.rules.seller.bank_account,
        kid=invoice.kid,
        lines=(
            Line(description, invoice.amount_ore, programme.period_start, programme.period_end),
        ),
        delivery_date=event.end if event else None,
        regarding=_regarding(event),
        credited_number=credited.number if credited else None,
        credited_issue_date=credited.issue_date if credited else None,
        credit_reason=invoice.reason,
        test=invoice.test,
        note=None if invoice.buyer_org_number else NO_ORGANISATION_NUMBER,
    )


def _regarding(event: Any) -> str | None:
    """What the instalment follows, "Fellessamling 1, 24.–25. september 2024" (the gathering's
    short name and its days); the programme file names no place, so none is printed."""
    if event is None:
        return None
    if event.start is None or event.end is None:
        return event_name(event.title)
    return f"{event_name(event.title)}, {periode(event.start, event.end)}"


@dataclass
class Paperwork:
    """An invoice's documents, made and checked but not yet written: the EHF delivery (its
    fields, or None when the buyer gets no EHF), the mail and the warning to report. The PDF is
    the mail's attachment, laid out from the stored HTML document when the mail is delivered
    (notifications.attachments)."""

    invoice: Invoice
    ehf: dict[str, Any] | None
    mail: Outgoing
    warning: str | None


def make_documents(
    programme: Programme,
    case: Case,
    invoice: Invoice,
    data: InvoiceData,
    *,
    credited: Invoice | None = None,
    refund: dict[str, Any] | None = None,
) -> Paperwork:
    """Render the documents onto the (stamped, numbered) invoice — HTML, EHF XML — validate
    its EHF and compose its mail, whose PDF attachment the delivery lays out from the HTML;
    writes nothing (``store_documents`` says what each part is for)."""
    from kulturskole.invoicing.validation import rule_ids, validate

    invoice.document_html = invoice_html(data)
    warning = None
    try:
        invoice.ehf_xml = ehf_xml(data)
    except NoEndpoint:
        invoice.ehf_xml = None
        warning = (
            f"no EHF for {case.municipality_number} {case.municipality.name}: "
            "no organisation number; the invoice goes by e-mail only"
        )

    ehf = None
    if invoice.ehf_xml is not None:
        problems = validate(invoice.ehf_xml)
        if problems:
            ehf = {
                "channel": "ehf",
                "status": "rejected",
                "reason": f"not a valid EHF: {', '.join(sorted(rule_ids(problems)))}",
                "attempts": 0,
            }
            warning = (
                f"EHF of {invoice.series}-{invoice.number} for {case.municipality_number} "
                f"{case.municipality.name} is not valid ({ehf['reason'].split(': ', 1)[1]}); "
                "it is not handed over, the invoice goes by e-mail only"
            )
        else:
            configured = get_settings().access_point != "none"
            ehf = {
                "channel": "ehf",
                "status": "pending",
                "reason": None if configured else NO_ACCESS_POINT,
                "attempts": 0,
            }
    sent_as_ehf = ehf is not None and ehf["status"] == "pending" and ehf["reason"] is None

    name = document_filename(data, "pdf")
    address = invoice.buyer_email
    if address:  # the municipality's invoice receipt, the coordinator in copy
        to = [Recipient(invoice.buyer_name, address)]
        cc = [coordinator_or_contact(case)]
        greeted = Recipient(None, address)
    else:  # no invoice address yet: the coordinator and the chief executive, as before
        greeted = coordinator_or_contact(case)
        to, cc = [greeted, *chief_executive(case)], []
    context: dict[str, Any] = common_context(case, greeted) | {
        "attachment_name": name,
        "ehf": sent_as_ehf,
        "buyer_org_number": orgnr.format(invoice.buyer_org_number)
        if invoice.buyer_org_number
        else None,
    }
    if credited is None:
        template = "invoice"
        context["invoice"] = {
            "number": invoice.number,
            "buyer_name": invoice.buyer_name,
            "instalment": invoice.instalment,
            "instalments": programme.rules.invoicing.instalments,
            "amount_ore": invoice.amount_ore,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "kid": invoice.kid,
            "account": _account(programme),
        }
    else:
        template = "credit_note"
        context["credit_note"] = {
            "number": invoice.number,
            "buyer_name": invoice.buyer_name,
            "credited_number": credited.number,
            "credited_issue_date": credited.issue_date,
            "amount_ore": invoice.amount_ore,
            "issue_date": invoice.issue_date,
            "reason": invoice.reason,
        }
        context["refund"] = refund
    mail = Outgoing(
        key=f"invoice/{invoice.series}/{invoice.number}",
        template=template,
        context=context,
        to=to,
        cc=cc,
        case_id=case.id,
        attachments=[File(name, "application/pdf", None, made_from="invoice-pdf")],
    )
    return Paperwork(invoice, ehf, mail, warning)


def store_documents(
    session: Session,
    programme: Programme,
    case: Case,
    invoice: Invoice,
    data: InvoiceData,
    acting: Acting,
    *,
    credited: Invoice | None = None,
    refund: dict[str, Any] | None = None,
) -> str | None:
    """Render the documents onto the invoice row, create its deliveries and queue its mail, in
    the caller's transaction; returns a warning when the buyer gets no EHF. ``refund``: what a
    credit note's mail says will be paid back (see the ``credit_note`` template's context).

    Deliveries: ``ehf`` when the buyer has an endpoint (an organisation number) — ``pending``
    for the delivery step to hand it to the access point, or ``rejected`` at once when the
    document fails validation (XSD, EN 16931, the local Peppol rules) — and ``email`` for the
    PDF mail, whose status follows the outbox message. The mail names the channel really used:
    EHF only when one is on its way (valid, and an access point configured).
    ``store_many`` does the same for a batch of invoices with statements per batch.
    """
    paper = make_documents(programme, case, invoice, data, credited=credited, refund=refund)
    session.add(invoice)
    session.flush()
    if paper.ehf is not None:
        session.add(InvoiceDelivery(invoice_id=invoice.id, **paper.ehf))
    mail = paper.mail
    message = queue_outgoing(session, mail, acting, case=case)
    invoice.message_id = message.id if message is not None else None
    session.add(
        InvoiceDelivery(
            invoice_id=invoice.id,
            channel="email",
            status="pending",
            reference=message.message_id if message is not None else None,
            attempts=0,
        )
    )
    return paper.warning


def store_many(
    session: Session,
    papers: Sequence[Paperwork],
    acting: Acting,
    *,
    cases: Mapping[int, Case],
) -> list[int]:
    """What ``store_documents`` writes for each of ``papers`` (made by ``make_documents`` for
    new invoices, which the session does not hold): their mails by ``queue_many``, the invoice
    rows, then their deliveries, each by one executemany INSERT. ``cases`` holds the papers'
    cases (their history heads move on them). Returns the invoices' ids, in order."""
    if not papers:
        return []
    queued = queue_many(session, [p.mail for p in papers], acting, cases=cases)
    table = Invoice.__table__
    now = utcnow()
    rows = []
    for paper, message in zip(papers, queued, strict=True):
        invoice = paper.invoice
        invoice.message_id = message.id if message is not None else None
        if invoice.reissue is None:
            invoice.reissue = False
        if invoice.created_at is None:
            invoice.created_at = now
        rows.append({c.key: getattr(invoice, c.key) for c in table.c if c.key != "id"})
    # RETURNING the number with the id: multi-row batches on every dialect (see queue_many).
    returned = {
        (series, number): invoice_id
        for series, number, invoice_id in session.execute(
            insert(table).returning(table.c.series, table.c.number, table.c.id), rows
        )
    }
    ids = [returned[row["series"], row["number"]] for row in rows]
    deliveries = []
    for invoice_id, paper, message in zip(ids, papers, queued, strict=True):
        base = {"invoice_id": invoice_id, "created_at": now, "updated_at": now}
        if paper.ehf is not None:
            deliveries.append(base | {"reference": None} | paper.ehf)
        deliveries.append(
            base
            | {
                "channel": "email",
                "status": "pending",
                "reason": None,
                "reference": message.message_id if message is not None else None,
                "attempts": 0,
            }
        )
    session.execute(insert(InvoiceDelivery.__table__), deliveries)
    return ids


def _account(programme: Programme) -> str:
    from stdnum.no import kontonr

    return kontonr.format(programme.rules.seller.bank_account)
