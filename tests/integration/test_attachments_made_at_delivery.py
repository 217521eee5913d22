"""An invoice's PDF is laid out from its stored document when its mail is delivered.

Issuing stores the HTML document on the invoice and queues the mail with the PDF's attachment
row empty (``made_from`` "invoice-pdf"); the delivery makes it just before the mail goes out
(notifications.attachments). These tests hold it to what issuing the PDF at once gave: the same
bytes, in the mail and in the download, whatever changed after the issue, made once.
"""

from __future__ import annotations

import asyncio
import copy
import email
import email.policy
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.invoicing.paperwork import invoice_data
from kulturskole.invoicing.pdf import invoice_pdf
from kulturskole.read.invoices import invoice_document
from models import Attachment, Invoice, Message, Programme
from notifications.attachments import make_missing
from notifications.delivery import deliver_due
from notifications.outbox import File
from tests.builders.invoicing import active, nr, on
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"  # joint gathering 1 ended 2024-09-25


def issue(engine: Engine, *numbers: str) -> None:
    from kulturskole.invoicing import issuing

    active(engine, *numbers)
    issuing.run(engine, on(AFTER_FIRST))


def attachment_rows(engine: Engine) -> dict[int, tuple[bytes | None, str | None]]:
    """Invoice number → its mail's attachment (content, made_from)."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Invoice.number, Attachment.content, Attachment.made_from).join(
                Attachment, Attachment.message_id == Invoice.message_id
            )
        ).all()
        return {number: (content, made_from) for number, content, made_from in rows}


def pdf_at_issue(engine: Engine, number: int) -> bytes:
    """What issuing laid out before the PDF moved to the delivery: the data as issued."""
    with unit_of_work(engine) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one()
        programme = session.scalars(select(Programme)).one()  # the one programme loaded
        return invoice_pdf(invoice_data(programme, invoice))


def eml_attachment(folder: Path, number: int) -> bytes:
    for path in sorted(folder.glob("*-invoice.eml")):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if mail["Subject"].startswith(f"Faktura {number} "):
            [attachment] = list(mail.iter_attachments())
            return attachment.get_content()
    raise AssertionError(f"no mail of invoice {number} in {folder}")


def test_issuing_queues_the_pdf_empty_and_the_delivery_makes_it(engine: Engine) -> None:
    issue(engine, "0301", "1580")
    before = attachment_rows(engine)
    assert before == {nr(1): (None, "invoice-pdf"), nr(2): (None, "invoice-pdf")}
    expected = {number: pdf_at_issue(engine, number) for number in before}

    report = asyncio.run(deliver_due(engine, get_settings(), on(AFTER_FIRST).as_of))

    assert not report.failed and not report.retrying and len(report.sent) >= 2
    after = attachment_rows(engine)
    folder = get_settings().outbox_dir
    for number, pdf in expected.items():
        assert pdf.startswith(b"%PDF-")
        assert after[number] == (pdf, "invoice-pdf")  # stored, the same bytes as at issue
        assert eml_attachment(folder, number) == pdf  # and that is what the mail carries
        with unit_of_work(engine) as session:
            assert invoice_document(session, number, "pdf") == pdf  # and the download


def test_the_pdf_says_what_the_invoice_said_at_issue(engine: Engine) -> None:
    """A programme file reloaded with another bank account after the issue changes neither the
    PDF the mail carries nor the download: both are the stored document."""
    issue(engine, "0301")
    with unit_of_work(engine) as session:
        html = session.scalars(select(Invoice.document_html)).one()
    assert "9999.99.99987" in html
    with unit_of_work(engine) as session:
        programme = session.scalars(select(Programme)).one()
        changed = copy.deepcopy(programme.definition)
        changed["seller"]["bank_account"] = "12345678903"
        session.execute(
            update(Programme).where(Programme.id == programme.id).values(definition=changed)
        )
    asyncio.run(deliver_due(engine, get_settings(), on(AFTER_FIRST).as_of))
    [(content, _)] = attachment_rows(engine).values()
    with unit_of_work(engine) as session:
        invoice = session.scalars(select(Invoice)).one()
        assert content == invoice_document(session, invoice.number, "pdf")
        # Laying out today's data would print the new account: the stored PDF does not.
        today = invoice_pdf(invoice_data(session.scalars(select(Programme)).one(), invoice))
    assert today != content
    assert "9999.99.99987" in pdf_text(content) and "1234.56.78903" in pdf_text(today)


def test_an_attachment_is_made_once(engine: Engine) -> None:
    issue(engine, "0301")
    with unit_of_work(engine) as session:
        [message_id] = session.scalars(select(Invoice.message_id)).all()
    assert make_missing(engine, [message_id]) == 1
    [(made, _)] = attachment_rows(engine).values()
    # A second delivery (a re-run after a crash between making and sending) makes nothing.
    assert make_missing(engine, [message_id]) == 0
    assert make_missing(engine, []) == 0
    asyncio.run(deliver_due(engine, get_settings(), on(AFTER_FIRST).as_of))
    assert list(attachment_rows(engine).values()) == [(made, "invoice-pdf")]


def test_an_attachment_of_an_unknown_kind_is_refused_and_nothing_is_made(engine: Engine) -> None:
    issue(engine, "0301", "1580")
    with unit_of_work(engine) as session:
        ids = session.scalars(select(Invoice.message_id).order_by(Invoice.number)).all()
        session.execute(
            update(Attachment).where(Attachment.message_id == ids[1]).values(made_from="poster")
        )
    with pytest.raises(ValueError, match=r"made from \['poster'\].*known: \('invoice-pdf',\)"):
        make_missing(engine, ids)
    assert [content for content, _ in attachment_rows(engine).values()] == [None, None]


def test_a_message_whose_invoice_is_gone_is_refused(engine: Engine) -> None:
    issue(engine, "0301")
    with unit_of_work(engine) as session:
        [message_id] = session.scalars(select(Message.id).where(Message.template == "invoice"))
        session.execute(update(Invoice).values(message_id=None))
    with pytest.raises(
        ValueError,
        match=rf"messages \[{message_id}\] carry an attachment made from .invoice-pdf., but",
    ):
        make_missing(engine, [message_id])


@pytest.mark.parametrize(
    ("content", "made_from"), [(None, None), (b"%PDF-", "invoice-pdf")], ids=["neither", "both"]
)
def test_a_file_has_its_content_or_says_what_makes_it(
    content: bytes | None, made_from: str | None
) -> None:
    with pytest.raises(ValueError, match="give its content or its made_from"):
        File("faktura-1.pdf", "application/pdf", content, made_from=made_from)


def test_many_pdfs_are_laid_out_in_worker_processes_with_the_same_bytes(engine: Engine) -> None:
    """From ``parallel_from`` attachments on, worker processes lay them out: the bytes are the
    ones this process makes (the download), each stored on its own message's row."""
    issue(engine, "0301", "1580", "4601")
    with unit_of_work(engine) as session:
        ids = session.scalars(select(Invoice.message_id).order_by(Invoice.number)).all()
    assert make_missing(engine, ids, parallel_from=2) == 3
    rows = attachment_rows(engine)
    with unit_of_work(engine) as session:
        for number, (content, _) in rows.items():
            assert content == invoice_document(session, number, "pdf")
            assert f"Fakturanummer {number}" in pdf_text(content)
    assert len({content for content, _ in rows.values()}) == 3
