"""Attachments the delivery makes: a message's file queued without content is made, and
stored, just before the message is composed for sending.

Queueing a message is part of the business transaction that causes it (notifications.outbox);
an invoice's PDF is a layout of the invoice's HTML document, fixed and stored when the invoice
is issued, and laying it out costs a hundred times what the rest of issuing it does. So the
issuing transaction queues the mail with the attachment's row and ``made_from`` =
"invoice-pdf", and :func:`make_missing` lays the PDF out from the stored document when the
mail goes out. The same document gives the same bytes (kulturskole.invoicing.pdf), so two
deliveries racing for one message store the same file, and a delivery that dies after making
it leaves it made.

Kinds (``Attachment.made_from``):

- ``invoice-pdf``: the PDF of the invoice (or credit note) whose ``message_id`` is the
  message's, from its ``document_html``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, bindparam, select, update

from kulturskole.db import unit_of_work
from models import Attachment, Case, Invoice, Programme

__all__ = ["KINDS", "make_missing"]

KINDS = ("invoice-pdf",)


def make_missing(engine: Engine, message_ids: Sequence[int]) -> int:
    """Make and store every attachment of ``message_ids`` queued without content; returns how
    many were made. Reads in one transaction, lays out outside any, writes in one short one
    (a row made meanwhile by another delivery is left as it is)."""
    if not message_ids:
        return 0
    with unit_of_work(engine) as session:
        missing = session.execute(
            select(Attachment.id, Attachment.message_id, Attachment.made_from).where(
                Attachment.message_id.in_(list(message_ids)), Attachment.content.is_(None)
            )
        ).all()
        if not missing:
            return 0
        unknown = sorted({kind for _, _, kind in missing if kind not in KINDS}, key=str)
        if unknown:
            raise ValueError(f"attachments made from {unknown} cannot be made; known: {KINDS}")
        jobs = _invoice_pdf_jobs(session, [m for _, m, _ in missing])
    from kulturskole.invoicing.pdf import layout  # WeasyPrint loads slowly

    made = [{"row": row, "content": layout(*jobs[message_id])} for row, message_id, _ in missing]
    with unit_of_work(engine) as session:
        table = Attachment.__table__
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("row"), table.c.content.is_(None))
            .values(content=bindparam("content")),
            made,
        )
    return len(made)


def _invoice_pdf_jobs(session, message_ids: list[int]) -> dict[int, tuple]:  # noqa: ANN001
    """Per message, the arguments of ``layout`` for the PDF of the invoice it carries."""
    rows = session.execute(
        select(Invoice, Case.programme_id)
        .join(Case, Case.id == Invoice.case_id)
        .where(Invoice.message_id.in_(message_ids))
    ).all()
    from kulturskole.invoicing.pdf import layout_arguments

    sellers = {
        p.id: p.rules.seller.name
        for p in session.scalars(
            select(Programme).where(Programme.id.in_({pid for _, pid in rows}))
        )
    }
    jobs = {inv.message_id: layout_arguments(inv, sellers[pid]) for inv, pid in rows}
    lost = sorted(set(message_ids) - set(jobs))
    if lost:
        raise ValueError(f"messages {lost} carry an invoice PDF but no invoice names them")
    return jobs
