"""The delivery step: every pending EHF handed to the configured access point.

Each invoice or credit note whose buyer has an endpoint got an ``ehf`` delivery at issue
(``models.InvoiceDelivery``). :func:`deliver_pending` takes the ones not yet handed over, checks
each document again (XSD, EN 16931, the local Peppol rules: ``kulturskole.invoicing.validation``)
and hands the valid ones, as a :class:`UblDocument`, to the access point. What it answers sets
the status, with its history entry, in one transaction per document:

- ``delivered`` → delivered (``invoice-delivered``);
- ``pending`` → handed over, awaiting the access point's confirmation: the status stays
  ``pending`` with the access point's message id as ``reference`` (``invoice-handed-over``);
  the folder drop always answers so, since a folder cannot tell whether the buyer got it;
- ``rejected``, an invalid document, or one the access point refuses outright → rejected with
  the reason (``invoice-delivery-rejected``); the PDF mail goes out all the same.

An access point that cannot be reached (:class:`DeliveryUnavailable`: down, timeout, refused
credentials) leaves the delivery pending with the error as its reason and one more attempt
counted; nothing is recorded as sent, the rest of the batch is not tried (one timeout speaks for
all), and the next run tries again. A run that dies between the hand-over and its commit hands
the same document over again next time: both adapters recognise it (the folder by its content,
the REST API by the idempotency key), so nothing is delivered twice.

Then every EHF handed over and not yet confirmed (``pending`` with a ``reference``, this run's
hand-overs included) is asked after (:meth:`AccessPoint.status`), each in its own transaction:

- ``delivered`` → delivered (``invoice-delivered``, ``"confirmed": true`` in its details);
- ``rejected`` → rejected with the reason (``invoice-delivery-rejected``); the PDF mail has
  gone all the same;
- None (nothing known yet) → stays pending, counted as awaiting confirmation;
- :class:`DeliveryUnavailable` → stays pending, counted, and the run goes on with the next one;
  after three in a row the rest are not asked this run (counted the same), so that an access
  point that is down does not cost a timeout per document.

A confirmation is recorded only while the delivery is still pending with that reference, under
a row lock: running twice (or two runs at once) records nothing twice.

With no access point configured the deliveries stay pending, reason "no access point
configured". The e-mail deliveries follow their outbox message (``notifications.delivery``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree
from sqlalchemy import Engine, or_, select

from kulturskole.config import Settings, get_settings
from kulturskole.db import unit_of_work
from kulturskole.history import Acting, record
from kulturskole.invoicing.delivery import (
    AccessPoint,
    DeliveryUnavailable,
    Receipt,
    UblDocument,
    configured_access_point,
)
from kulturskole.invoicing.paperwork import NO_ACCESS_POINT
from kulturskole.invoicing.validation import NS, rule_ids, validate
from kulturskole.reports import ARTIFACT_ROWS, Report, json_field
from models import Case, Invoice, InvoiceDelivery

__all__ = ["CONFIGURED", "DeliveryRunReport", "confirm_handed_over", "deliver_pending"]


class _Configured:
    def __repr__(self) -> str:
        return "CONFIGURED"


#: ``deliver_pending``'s default: the access point the settings name (or none).
CONFIGURED: Any = _Configured()


@dataclass
class DeliveryRunReport(Report):
    """What one delivery run did with each pending EHF."""

    JSON_KEYS = (
        "access_point",
        "delivered",
        "handed_over",
        "rejected",
        "waiting",
        "deliveries",
        "confirmed_delivered",
        "confirmed_rejected",
        "awaiting_confirmation",
        "confirmation_unavailable",
        "confirmations",
    )
    SUMMARY_KEYS = (
        "access_point",
        "delivered",
        "handed_over",
        "rejected",
        "waiting",
        "confirmed_delivered",
        "confirmed_rejected",
        "awaiting_confirmation",
        "confirmation_unavailable",
    )
    EMPTY_ROW = {"invoice": "-", "result": "nothing to deliver"}

    access_point: str
    delivered: list[dict[str, Any]] = json_field(count=True)
    handed_over: list[dict[str, Any]] = json_field(count=True)
    rejected: list[dict[str, Any]] = json_field(count=True)
    waiting: list[dict[str, Any]] = json_field(count=True)
    # What the access point said about the EHF handed over earlier (or in this run).
    confirmed_delivered: list[dict[str, Any]] = json_field(count=True)
    confirmed_rejected: list[dict[str, Any]] = json_field(count=True)
    awaiting_confirmation: list[dict[str, Any]] = json_field(count=True)
    confirmation_unavailable: list[dict[str, Any]] = json_field(count=True)

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        return self.delivered + self.handed_over + self.rejected + self.waiting

    @property
    def confirmations(self) -> list[dict[str, Any]]:
        return (
            self.confirmed_delivered
            + self.confirmed_rejected
            + self.awaiting_confirmation
            + self.confirmation_unavailable
        )

    def headline(self) -> str:
        return (
            f"EHF ({self.access_point}): {len(self.delivered)} delivered, "
            f"{len(self.handed_over)} handed over, {len(self.rejected)} rejected, "
            f"{len(self.waiting)} waiting; confirmed {len(self.confirmed_delivered)} delivered, "
            f"{len(self.confirmed_rejected)} rejected, {len(self.awaiting_confirmation)} "
            f"awaiting confirmation, {len(self.confirmation_unavailable)} not answered"
        )

    def warnings(self) -> list[str]:
        return (
            [f"{d['invoice']} rejected: {d['reason']}" for d in self.rejected]
            + (
                [f"{len(self.waiting)} EHF waiting: {self.waiting[0]['reason']}"]
                if self.waiting
                else []
            )
            + [
                f"{d['invoice']} rejected by the receiver: {d['reason']}"
                for d in self.confirmed_rejected
            ]
            + (
                [
                    f"{len(self.confirmation_unavailable)} EHF not confirmed: "
                    f"{self.confirmation_unavailable[0]['reason']}"
                ]
                if self.confirmation_unavailable
                else []
            )
        )

    def artifact_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "invoice": d["invoice"],
                "result": d["result"],
                "reference": d.get("reference") or "",
                "reason": d.get("reason") or "",
            }
            for d in (self.deliveries + self.confirmations)[:ARTIFACT_ROWS]
        ]

    def artifact_description(self, flow: str, as_of: date) -> str:
        return f"{flow} as of {as_of}: {self.headline()}"


@dataclass(frozen=True)
class _Pending:
    delivery_id: int
    invoice_id: int
    name: str
    series: str
    number: int
    kind: str
    xml: bytes
    reason: str | None


def deliver_pending(
    engine: Engine,
    acting: Acting,
    access_point: AccessPoint | None = CONFIGURED,
    *,
    programme_id: str | None = None,
    settings: Settings | None = None,
) -> DeliveryRunReport:
    """Hand every EHF not yet handed over to ``access_point`` (default: the configured one;
    None: none, so they wait); returns what happened to each."""
    if access_point is CONFIGURED:
        access_point = configured_access_point(settings or get_settings())
    report = DeliveryRunReport(access_point=_describe(access_point))
    if not _anything_pending(engine, programme_id):
        return report  # most dates: one cheap query, no document or folder read
    pending = _pending(engine, programme_id)
    if access_point is None:
        _wait(engine, [p for p in pending if p.reason != NO_ACCESS_POINT], NO_ACCESS_POINT)
        report.waiting = [_row(p, "waiting", reason=NO_ACCESS_POINT) for p in pending]
        return report
    for index, item in enumerate(pending):
        problems = validate(item.xml)
        if problems:
            reason = f"not a valid EHF: {', '.join(sorted(rule_ids(problems)))}"
            _settle(engine, acting, item, "rejected", None, reason, attempted=False)
            report.rejected.append(_row(item, "rejected", reason=reason))
            continue
        try:
            document = _document(item)
            receipt = access_point.send(document)
        except DeliveryUnavailable as exc:
            reason = str(exc)
            _wait(engine, [item], reason, attempted=True)
            # One access point that cannot be reached speaks for the rest: no N timeouts.
            rest = pending[index:]
            _wait(engine, rest[1:], reason)
            report.waiting += [_row(p, "waiting", reason=reason) for p in rest]
            break
        except ValueError as exc:  # not addressable, or another document under this number
            reason = str(exc)
            _settle(engine, acting, item, "rejected", None, reason, attempted=True)
            report.rejected.append(_row(item, "rejected", reason=reason))
            continue
        status = receipt.status
        _settle(engine, acting, item, status, receipt.message_id, receipt.reason, attempted=True)
        row = _row(item, status, reference=receipt.message_id, reason=receipt.reason)
        {"delivered": report.delivered, "pending": report.handed_over}.get(
            status, report.rejected
        ).append(row | {"result": "handed over" if status == "pending" else status})
    confirm_handed_over(engine, acting, access_point, report, programme_id=programme_id)
    return report


#: After this many status requests in a row that get no answer, the rest wait for the next run.
UNANSWERED_IN_A_ROW = 3


@dataclass(frozen=True)
class _HandedOver:
    delivery_id: int
    invoice_id: int
    name: str
    reference: str


def confirm_handed_over(
    engine: Engine,
    acting: Acting,
    access_point: AccessPoint,
    report: DeliveryRunReport,
    *,
    programme_id: str | None = None,
) -> DeliveryRunReport:
    """Ask ``access_point`` what became of every EHF handed over and not yet confirmed, and
    record each answer (with its history entry) in its own transaction; counts go to
    ``report``."""
    unanswered, last_reason = 0, ""
    for item in _handed_over(engine, programme_id):
        row = {"invoice": item.name, "reference": item.reference}
        if unanswered >= UNANSWERED_IN_A_ROW:
            report.confirmation_unavailable.append(
                row | {"result": "not asked", "reason": last_reason}
            )
            continue
        try:
            receipt = access_point.status(item.reference)
        except DeliveryUnavailable as exc:
            unanswered += 1
            last_reason = str(exc)
            report.confirmation_unavailable.append(
                row | {"result": "not answered", "reason": last_reason}
            )
            continue
        unanswered = 0
        if receipt is None or receipt.status == "pending":
            report.awaiting_confirmation.append(row | {"result": "awaiting confirmation"})
            continue
        recorded = _confirm(engine, acting, item, receipt)
        if not recorded:  # another run recorded it first
            continue
        if receipt.status == "delivered":
            report.confirmed_delivered.append(row | {"result": "confirmed delivered"})
        else:
            report.confirmed_rejected.append(
                row | {"result": "confirmed rejected", "reason": receipt.reason}
            )
    return report


def _pending_ehf(programme_id: str | None, *conditions: Any) -> Any:
    """Pending EHF deliveries with their invoices, oldest first, of one programme or all."""
    query = (
        select(InvoiceDelivery, Invoice)
        .join(Invoice, Invoice.id == InvoiceDelivery.invoice_id)
        .where(InvoiceDelivery.channel == "ehf", InvoiceDelivery.status == "pending", *conditions)
        .order_by(InvoiceDelivery.id)
    )
    if programme_id is not None:
        query = query.join(Case, Case.id == Invoice.case_id).where(
            Case.programme_id == programme_id
        )
    return query


def _anything_pending(engine: Engine, programme_id: str | None) -> bool:
    """Whether any EHF waits to be handed over or for its confirmation: what the two steps
    below select, asked as one EXISTS that reads no document."""
    query = (
        select(InvoiceDelivery.id)
        .join(Invoice, Invoice.id == InvoiceDelivery.invoice_id)
        .where(
            InvoiceDelivery.channel == "ehf",
            InvoiceDelivery.status == "pending",
            or_(InvoiceDelivery.reference.is_not(None), Invoice.ehf_xml.is_not(None)),
        )
    )
    if programme_id is not None:
        query = query.join(Case, Case.id == Invoice.case_id).where(
            Case.programme_id == programme_id
        )
    with unit_of_work(engine) as session:
        return session.scalar(select(query.exists())) or False


def _handed_over(engine: Engine, programme_id: str | None) -> list[_HandedOver]:
    """The EHF deliveries handed over and not yet confirmed, oldest first."""
    query = _pending_ehf(programme_id, InvoiceDelivery.reference.is_not(None))
    with unit_of_work(engine) as session:
        return [
            _HandedOver(
                delivery_id=delivery.id,
                invoice_id=invoice.id,
                name=f"{invoice.series}-{invoice.number}",
                reference=delivery.reference,
            )
            for delivery, invoice in session.execute(query)
        ]


def _confirm(engine: Engine, acting: Acting, item: _HandedOver, receipt: Receipt) -> bool:
    """Record the access point's confirmation of one EHF, with its history entry, in one
    transaction; False when it is no longer pending with that reference (recorded before)."""
    with unit_of_work(engine) as session:
        invoice = session.get(Invoice, item.invoice_id)
        case = session.get(Case, invoice.case_id, with_for_update=True)
        delivery = session.get(InvoiceDelivery, item.delivery_id, with_for_update=True)
        if delivery.status != "pending" or delivery.reference != item.reference:
            return False
        status, reason = receipt.status, receipt.reason
        delivery.status = status
        delivery.reason = (
            (reason or "rejected without a reason")[:2000] if status == "rejected" else None
        )
        details: dict[str, Any] = {
            "series": invoice.series,
            "number": invoice.number,
            "channel": "ehf",
            "attempts": delivery.attempts,
            "reference": item.reference,
            "confirmed": True,
            "confirmed_at": receipt.at.isoformat(timespec="seconds"),
        }
        record(session, case, acting, _ACTIONS[status], reason=delivery.reason, details=details)
        return True


def _describe(access_point: AccessPoint | None) -> str:
    return "none" if access_point is None else repr(access_point)


def _pending(engine: Engine, programme_id: str | None) -> list[_Pending]:
    """The EHF deliveries not yet handed over, oldest first."""
    query = _pending_ehf(
        programme_id, InvoiceDelivery.reference.is_(None), Invoice.ehf_xml.is_not(None)
    )
    with unit_of_work(engine) as session:
        return [
            _Pending(
                delivery_id=delivery.id,
                invoice_id=invoice.id,
                name=f"{invoice.series}-{invoice.number}",
                series=invoice.series,
                number=invoice.number,
                kind=invoice.kind,
                xml=invoice.ehf_xml,
                reason=delivery.reason,
            )
            for delivery, invoice in session.execute(query)
        ]


def _document(item: _Pending) -> UblDocument:
    """The document addressed as it addresses itself: the parties' endpoint ids."""
    root = etree.fromstring(item.xml, etree.XMLParser(resolve_entities=False, no_network=True))

    def endpoint(party: str) -> str:
        found = root.find(f"cac:{party}/cac:Party/cbc:EndpointID", NS)
        if found is None or not (found.text or "").strip():
            raise ValueError(f"{item.name}: the EHF names no {party} endpoint")
        return f"{found.get('schemeID', '')}:{found.text.strip()}"

    return UblDocument(
        number=item.number,
        series=item.series,
        kind=item.kind,  # type: ignore[arg-type]
        sender_id=endpoint("AccountingSupplierParty"),
        receiver_id=endpoint("AccountingCustomerParty"),
        xml=item.xml,
    )


def _row(item: _Pending, result: str, **extra: str | None) -> dict[str, Any]:
    return {"invoice": item.name, "result": result, **extra}


def _wait(engine: Engine, items: list[_Pending], reason: str, attempted: bool = False) -> None:
    """Still pending: why, and (when it was tried) one more attempt. Not a change of status,
    so no history entry."""
    if not items:
        return
    with unit_of_work(engine) as session:
        for item in items:
            delivery = session.get(InvoiceDelivery, item.delivery_id, with_for_update=True)
            if delivery.status != "pending" or delivery.reference is not None:
                continue  # another run got there first
            delivery.reason = reason[:2000]
            if attempted:
                delivery.attempts += 1


_ACTIONS = {
    "delivered": "invoice-delivered",
    "pending": "invoice-handed-over",
    "rejected": "invoice-delivery-rejected",
}


def _settle(
    engine: Engine,
    acting: Acting,
    item: _Pending,
    status: str,
    reference: str | None,
    reason: str | None,
    *,
    attempted: bool,
) -> None:
    """Record what became of one EHF, with its history entry, in one transaction."""
    with unit_of_work(engine) as session:
        invoice = session.get(Invoice, item.invoice_id)
        case = session.get(Case, invoice.case_id, with_for_update=True)
        delivery = session.get(InvoiceDelivery, item.delivery_id, with_for_update=True)
        if delivery.status != "pending" or delivery.reference is not None:
            return  # another run recorded it first: nothing twice
        delivery.status = status
        delivery.reference = reference
        delivery.reason = reason[:2000] if reason else None
        if attempted:
            delivery.attempts += 1
        details: dict[str, Any] = {
            "series": invoice.series,
            "number": invoice.number,
            "channel": "ehf",
            "attempts": delivery.attempts,
        }
        if reference:
            details["reference"] = reference
        record(session, case, acting, _ACTIONS[status], reason=delivery.reason, details=details)
