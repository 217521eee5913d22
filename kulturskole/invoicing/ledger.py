"""After issue: credit notes, payments, and reading invoices."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kulturskole.errors import InvalidInput, NotFound
from kulturskole.history import Acting, record
from kulturskole.invoicing.numbering import take_number
from kulturskole.invoicing.paperwork import invoice_data, stamp, store_documents
from models import Case, GroupMember, Invoice, Payment, Refund


def find_invoice(
    session: Session, number: int, series: str | None = None, *, for_update: bool = False
) -> Invoice:
    query = select(Invoice).where(Invoice.number == number)
    if series:
        query = query.where(Invoice.series == series)
    if for_update:
        query = query.with_for_update()
    found = session.scalars(query).all()
    if not found:
        raise NotFound(
            f"no invoice or credit note number {number}"
            + (f" in series {series}" if series else "")
        )
    if len(found) > 1:
        names = ", ".join(sorted(i.series for i in found))
        raise InvalidInput(f"number {number} exists in several series ({names}): give --series")
    return found[0]


def credit(
    session: Session,
    number: int,
    reason: str,
    acting: Acting,
    *,
    series: str | None = None,
    reissue: bool = False,
) -> Invoice:
    """Issue a credit note for the whole invoice, in the same series; the invoice is credited.

    With ``reissue`` the instalment is open again and the next invoicing run invoices it anew
    (e.g. after wrong buyer details); without, the instalment is settled by the credit note.

    A paid or partly paid invoice can be credited too: what was paid is recorded as a refund
    due (``models.Refund``), and the credit note's mail says how much will be paid back.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reason is required for a credit note")
    original = find_invoice(session, number, series)
    if original.kind != "invoice":
        raise InvalidInput(f"{number} is a credit note; only invoices can be credited")
    if original.status == "credited":
        raise InvalidInput(f"invoice {number} is already credited")
    case = session.scalars(
        select(Case)
        .where(Case.id == original.case_id)
        .options(selectinload(Case.members).selectinload(GroupMember.person))
        .with_for_update(of=Case)
    ).one()
    programme = case.programme
    _, credit_number = take_number(session, programme)
    session.refresh(original, with_for_update=True)  # the invoice as it stands under the lock
    if original.status == "credited":
        raise InvalidInput(f"invoice {number} is {original.status}")
    paid_ore = paid_on_invoice(session, original)
    note = Invoice(
        series=original.series,
        number=credit_number,
        kind="credit",
        case_id=case.id,
        instalment=original.instalment,
        amount_ore=original.amount_ore,
        issue_date=acting.as_of,
        due_date=None,
        kid=None,
        status="issued",
        trigger_event_id=original.trigger_event_id,
        credits_invoice_id=original.id,
        reason=reason,
    )
    original.status, original.reissue = "credited", reissue
    stamp(note, programme, case, credited=original)
    data = invoice_data(programme, note, credited=original)
    refund = (
        {"amount_ore": paid_ore, "invoice_amount_ore": original.amount_ore, "account": None}
        if paid_ore
        else None
    )
    store_documents(session, programme, case, note, data, acting, credited=original, refund=refund)
    record(
        session,
        case,
        acting,
        "invoice-credited",
        reason=reason,
        details={
            "series": note.series,
            "invoice": original.number,
            "credit_note": note.number,
            "amount_ore": note.amount_ore,
            "reissue": reissue,
            "refund_ore": paid_ore,
        },
    )
    if paid_ore:
        session.add(
            Refund(
                invoice_id=original.id,
                credit_note_id=note.id,
                amount_ore=paid_ore,
                status="due",
            )
        )
        record(
            session,
            case,
            acting,
            "refund-due",
            details={
                "series": note.series,
                "invoice": original.number,
                "credit_note": note.number,
                "amount_ore": paid_ore,
            },
        )
    return note


def paid_on_invoice(session: Session, invoice: Invoice) -> int:
    """What has been paid on an invoice, in øre: all of it once it is paid (also when recorded
    by hand with ``invoices paid``), else the sum of its payments from the bank."""
    if invoice.status == "paid":
        return invoice.amount_ore
    total = session.scalar(
        select(func.coalesce(func.sum(Payment.amount_ore), 0)).where(
            Payment.invoice_id == invoice.id
        )
    )
    return int(total or 0)


def record_payment(
    session: Session, number: int, paid_on: date, acting: Acting, *, series: str | None = None
) -> Invoice:
    invoice = find_invoice(session, number, series, for_update=True)
    if invoice.kind != "invoice":
        raise InvalidInput(f"{number} is a credit note; it is not paid")
    if invoice.status not in ("issued", "sent"):
        raise InvalidInput(f"invoice {number} is {invoice.status}; only an open invoice is paid")
    if paid_on < invoice.issue_date:
        raise InvalidInput(
            f"payment date {paid_on} is before the invoice date {invoice.issue_date}"
        )
    invoice.status, invoice.paid_on = "paid", paid_on
    case = session.get(Case, invoice.case_id, with_for_update=True)
    record(
        session,
        case,
        acting,
        "invoice-paid",
        details={
            "series": invoice.series,
            "number": invoice.number,
            "paid_on": paid_on.isoformat(),
        },
    )
    return invoice
