"""Automatic invoicing: exact instalments, who is invoiced when, numbering, credit, payment."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput
from kulturskole.history import verify
from kulturskole.invoicing import issuing
from kulturskole.invoicing.kid import kid_for
from kulturskole.invoicing.ledger import credit, record_payment
from models import Base, HistoryEntry, Invoice, InvoiceDelivery, Message
from tests.builders.cases import apply_case
from tests.builders.invoicing import active, fire, invoices, nr, on

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"  # joint gathering 1 ended 2024-09-25
AFTER_SECOND = "2025-02-14"  # joint gathering 3 (the second physical one) ended 2025-02-13
AFTER_THIRD = "2025-09-15"  # joint gathering 5 ended Friday 2025-09-12: issued on Monday


# --- who is invoiced when ---------------------------------------------------------------------


def test_each_active_case_gets_an_instalment_after_each_physical_gathering(engine: Engine) -> None:
    active(engine, "0301", "5001")
    assert issuing.run(engine, on("2024-09-25")).issued == []  # the gathering is still going on
    first = issuing.run(engine, on(AFTER_FIRST))
    assert [(i["municipality"], i["instalment"], i["amount"]) for i in first.issued] == [
        ("0301", 1, "6666.67"),
        ("5001", 1, "6666.67"),
    ]
    issuing.run(engine, on(AFTER_SECOND))
    issuing.run(engine, on(AFTER_THIRD))
    rows = invoices(engine)
    assert [i.number for i in rows] == [nr(k) for k in range(1, 7)]
    per_case: dict[int, int] = {}
    for invoice in rows:
        per_case[invoice.case_id] = per_case.get(invoice.case_id, 0) + invoice.amount_ore
    assert set(per_case.values()) == {2_000_000}  # each pays exactly NOK 20 000,00


def test_rerun_issues_no_second_invoice(engine: Engine) -> None:
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    again = issuing.run(engine, on(AFTER_FIRST))
    later = issuing.run(engine, on("2024-12-01"))
    assert again.issued == [] and later.issued == [] and again.already_invoiced == 1
    assert len(invoices(engine)) == 1


def test_a_missed_run_catches_up_on_every_gathering_that_has_ended(engine: Engine) -> None:
    active(engine, "0301")
    report = issuing.run(engine, on(AFTER_THIRD))
    assert [i["instalment"] for i in report.issued] == [1, 2, 3]
    assert [i.trigger_event_id for i in invoices(engine)] == [
        "joint-gathering-1",
        "joint-gathering-3",
        "joint-gathering-5",
    ]


def test_case_terminated_between_gatherings_gets_the_first_and_not_the_second(
    engine: Engine,
) -> None:
    active(engine, "0301")
    fire(engine, "0301", "terminate", "2024-10-15", reason="Brudd", initiated_by="leadership")
    report = issuing.run(engine, on(AFTER_THIRD))
    assert [i["instalment"] for i in report.issued] == [1]
    assert [(s["instalment"], s["reason"][:10]) for s in report.skipped] == [
        (2, "terminated"),
        (3, "terminated"),
    ]


def test_case_terminated_before_the_first_gathering_is_not_invoiced(engine: Engine) -> None:
    active(engine, "0301")
    fire(
        engine, "0301", "terminate", "2024-09-01", reason="Trekker seg", initiated_by="coordinator"
    )
    assert issuing.run(engine, on(AFTER_FIRST)).issued == []
    assert invoices(engine) == []


def test_cases_not_yet_contracted_when_the_gathering_ended_are_not_invoiced(
    engine: Engine,
) -> None:
    apply_case(engine, "0301")  # applied, never contracted
    assert issuing.run(engine, on(AFTER_FIRST)).issued == []


def test_dry_run_shows_what_would_be_issued_and_changes_nothing(engine: Engine) -> None:
    active(engine, "0301", "1580")

    def everything() -> dict[str, int]:
        with unit_of_work(engine) as session:
            return {
                t.name: session.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
            }

    before = everything()
    report = issuing.run(engine, on(AFTER_FIRST), dry_run=True)
    assert [(i["municipality"], i["amount"]) for i in report.issued] == [
        ("0301", "6666.67"),
        ("1580", "6666.67"),
    ]
    assert everything() == before


# --- what an issued invoice carries -----------------------------------------------------------


def test_invoice_has_its_mail_history_and_documents_in_one_go(engine: Engine) -> None:
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    [invoice] = invoices(engine)
    assert (invoice.status, invoice.kid, str(invoice.due_date)) == (
        "issued",
        kid_for(nr(1), "0301", "24"),
        "2024-10-26",
    )
    assert (invoice.buyer_name, invoice.buyer_org_number) == ("Oslo kommune", "958935420")
    assert invoice.ehf_xml.startswith(b"<?xml") and b"958935420" in invoice.ehf_xml
    assert invoice.kid in invoice.document_html
    with unit_of_work(engine) as session:
        message = session.get(Message, invoice.message_id)
        [attachment] = message.attachments
        assert message.template == "invoice" and attachment.filename == f"faktura-{nr(1)}.pdf"
        assert attachment.content_type == "application/pdf"
        # The PDF is laid out from the stored document when the mail is delivered.
        assert (attachment.content, attachment.made_from) == (None, "invoice-pdf")
        deliveries = session.scalars(
            select(InvoiceDelivery)
            .where(InvoiceDelivery.invoice_id == invoice.id)
            .order_by(InvoiceDelivery.channel)
        ).all()
        assert [(d.channel, d.status, d.reason) for d in deliveries] == [
            ("ehf", "pending", "no access point configured"),
            ("email", "pending", None),
        ]
        assert deliveries[1].reference == message.message_id
        entry = session.scalars(
            select(HistoryEntry).where(HistoryEntry.action == "invoice-issued")
        ).one()
        assert entry.details["number"] == nr(1) and entry.details["amount_ore"] == 666_667
        assert list(verify(session)) == []


def test_municipality_without_organisation_number_gets_invoice_but_no_ehf(
    engine: Engine,
) -> None:
    active(engine, "1580", "0301")
    report = issuing.run(engine, on(AFTER_FIRST))
    haram = next(i for i in report.issued if i["municipality"] == "1580")
    assert "no EHF for 1580 Haram" in haram["warning"]
    by_buyer = {i.buyer_name: i for i in invoices(engine)}
    assert by_buyer["Haram kommune"].ehf_xml is None
    assert by_buyer["Oslo kommune"].ehf_xml is not None
    with unit_of_work(engine) as session:
        channels = {
            (buyer, channel)
            for buyer, channel in session.execute(
                select(Invoice.buyer_name, InvoiceDelivery.channel).join(
                    InvoiceDelivery, InvoiceDelivery.invoice_id == Invoice.id
                )
            )
        }
    assert channels == {
        ("Haram kommune", "email"),  # no EHF delivery at all: nothing pretends one goes
        ("Oslo kommune", "email"),
        ("Oslo kommune", "ehf"),
    }


def test_a_failing_batch_leaves_no_hole_in_the_numbers(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    active(engine, "0301", "5001", "4601")
    real = issuing.record_many

    def dies_after_the_invoices_are_written(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the machine loses power")

    monkeypatch.setattr(issuing, "record_many", dies_after_the_invoices_are_written)
    with pytest.raises(RuntimeError):
        issuing.run(engine, on(AFTER_FIRST))
    assert invoices(engine) == []  # the batch rolled back, numbers and all
    monkeypatch.setattr(issuing, "record_many", real)
    issuing.run(engine, on(AFTER_FIRST))
    assert [i.number for i in invoices(engine)] == [nr(1), nr(2), nr(3)]


# --- credit notes and payments ----------------------------------------------------------------


def test_credit_note_takes_the_next_number_and_credits_the_invoice(engine: Engine) -> None:
    active(engine, "0301", "5001")
    issuing.run(engine, on(AFTER_FIRST))
    with unit_of_work(engine) as session:
        note = credit(session, nr(1), "Feil mottaker", on("2024-10-01"))
    assert (note.number, note.kind, note.amount_ore) == (nr(3), "credit", 666_667)
    rows = {i.number: i for i in invoices(engine)}
    assert rows[nr(1)].status == "credited" and rows[nr(3)].credits_invoice_id == rows[nr(1)].id
    assert b"<CreditNote" in rows[nr(3)].ehf_xml
    # Without --reissue the instalment is settled by the credit note:
    assert issuing.run(engine, on("2024-10-02")).issued == []


def test_credit_with_reissue_lets_the_next_run_invoice_again(engine: Engine) -> None:
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    with unit_of_work(engine) as session:
        credit(session, nr(1), "Feil referanse", on("2024-10-01"), reissue=True)
    report = issuing.run(engine, on("2024-10-02"))
    assert [(i["number"], i["instalment"]) for i in report.issued] == [(nr(3), 1)]
    assert [(i.number, i.kind, i.status) for i in invoices(engine)] == [
        (nr(1), "invoice", "credited"),
        (nr(2), "credit", "issued"),
        (nr(3), "invoice", "issued"),
    ]


def test_payment_is_recorded_once_and_a_paid_invoice_is_credited_with_a_refund_due(
    engine: Engine,
) -> None:
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), on("2024-10-20").as_of, on("2024-10-20"))
    [invoice] = invoices(engine)
    assert (invoice.status, str(invoice.paid_on)) == ("paid", "2024-10-20")
    with pytest.raises(InvalidInput, match="only an open invoice"), unit_of_work(engine) as s:
        record_payment(s, nr(1), on("2024-10-21").as_of, on("2024-10-21"))
    with unit_of_work(engine) as session:
        credit(session, nr(1), "for sent", on("2024-10-21"))
    assert [(i.number, i.kind, i.status) for i in invoices(engine)] == [
        (nr(1), "invoice", "credited"),
        (nr(2), "credit", "issued"),
    ]


def test_credit_refuses_without_reason_or_twice(engine: Engine) -> None:
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    with pytest.raises(InvalidInput, match="reason"), unit_of_work(engine) as session:
        credit(session, nr(1), "  ", on("2024-10-01"))
    with unit_of_work(engine) as session:
        credit(session, nr(1), "Feil", on("2024-10-01"))
    with pytest.raises(InvalidInput, match="already credited"), unit_of_work(engine) as session:
        credit(session, nr(1), "Igjen", on("2024-10-02"))
    with pytest.raises(InvalidInput, match="credit note"), unit_of_work(engine) as session:
        credit(session, nr(2), "Kreditnota", on("2024-10-02"))
    assert len(invoices(engine)) == 2


def test_standing_invoice_is_unique_per_case_and_instalment_in_the_database(
    engine: Engine,
) -> None:
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    [invoice] = invoices(engine)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), unit_of_work(engine) as session:
        twin = Invoice(
            **{
                c.name: getattr(invoice, c.name)
                for c in Invoice.__table__.columns
                if c.name not in ("id", "number", "message_id")
            },
            number=99,
        )
        session.add(twin)


def test_issued_invoice_and_credit_note_pass_ubl_and_en16931_validation(engine: Engine) -> None:
    from kulturskole.invoicing.validation import validate

    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    with unit_of_work(engine) as session:
        credit(session, nr(1), "Feil referanse", on("2024-10-01"))
    for invoice in invoices(engine):
        assert validate(invoice.ehf_xml) == [], invoice.number


def test_invoice_becomes_sent_when_its_mail_has_gone_out(
    engine: Engine,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    import asyncio

    from kulturskole.config import get_settings
    from notifications.delivery import deliver_due

    monkeypatch.delenv("KULTURSKOLE_SMTP_HOST", raising=False)
    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    active(engine, "0301")
    issuing.run(engine, on(AFTER_FIRST))
    assert [i.status for i in invoices(engine)] == ["issued"]
    asyncio.run(deliver_due(engine, get_settings(), on(AFTER_FIRST).as_of))
    assert [i.status for i in invoices(engine)] == ["sent"]
    assert any(p.name.endswith("-invoice.eml") for p in (tmp_path / "outbox").iterdir())
