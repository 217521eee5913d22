"""Delivery that tells the truth: each issued invoice's EHF validated and handed to a real
access point (the folder drop, the REST API on a local server), its status per channel stored
and written to history, a run that dies half-way finished by the next one with nothing
delivered twice, and the invoice mail (PDF attached) naming the channel really used."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from pydantic import SecretStr
from pypdf import PdfReader
from sqlalchemy import Engine, select, update

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from kulturskole.history import verify
from kulturskole.invoicing import issuing
from kulturskole.invoicing.delivering import deliver_pending
from kulturskole.invoicing.delivery import MANIFEST, FolderDrop, HttpAccessPoint
from kulturskole.services.invoicing_details import set_invoicing_details
from models import HistoryEntry, Invoice, InvoiceDelivery, Message
from notifications.delivery import deliver_due
from tests.builders.invoicing import active, nr, on
from tests.support.access_point_server import AccessPointServer, access_point_server
from tests.support.smtp_server import Handler, smtp_server

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"  # joint gathering 1 ended 2024-09-25
TOKEN = "tok-delivery-test"


@pytest.fixture
def server():  # noqa: ANN201
    with access_point_server() as running:
        yield running


def http(server: AccessPointServer, path: str = "/peppol", timeout: float = 5.0) -> HttpAccessPoint:
    return HttpAccessPoint(server.url(path), SecretStr(TOKEN), timeout=timeout)


def issue(engine: Engine, *numbers: str) -> None:
    active(engine, *numbers)
    issuing.run(engine, on(AFTER_FIRST))


def deliveries(engine: Engine) -> dict[tuple[int, str], tuple[str, str | None, str | None, int]]:
    """(invoice number, channel) → (status, reason, reference, attempts)."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Invoice.number, InvoiceDelivery).join(
                InvoiceDelivery, InvoiceDelivery.invoice_id == Invoice.id
            )
        ).all()
        return {
            (number, d.channel): (d.status, d.reason, d.reference, d.attempts) for number, d in rows
        }


def ehf_status(engine: Engine) -> dict[int, str]:
    return {n: v[0] for (n, channel), v in deliveries(engine).items() if channel == "ehf"}


def history(engine: Engine, *actions: str) -> list[tuple[str, dict, str | None]]:
    with unit_of_work(engine) as session:
        return [
            (e.action, e.details, e.reason)
            for e in session.scalars(
                select(HistoryEntry)
                .where(HistoryEntry.action.in_(actions))
                .order_by(HistoryEntry.id)
            )
        ]


def chain_intact(engine: Engine) -> bool:
    with unit_of_work(engine) as session:
        return list(verify(session)) == []


# --- at issue ------------------------------------------------------------------------------------


def test_issuing_creates_a_delivery_per_channel_in_the_same_transaction(engine: Engine) -> None:
    issue(engine, "0301", "1580")  # Oslo has an organisation number, Haram has none
    assert deliveries(engine) == {
        (nr(1), "ehf"): ("pending", "no access point configured", None, 0),
        (nr(1), "email"): ("pending", None, deliveries(engine)[(nr(1), "email")][2], 0),
        (nr(2), "email"): ("pending", None, deliveries(engine)[(nr(2), "email")][2], 0),
    }
    with unit_of_work(engine) as session:
        ids = {m.id: m.message_id for m in session.scalars(select(Message))}
    assert deliveries(engine)[(nr(1), "email")][2] in ids.values()  # the mail's Message-ID


def test_no_access_point_leaves_the_ehf_pending_and_says_why(engine: Engine) -> None:
    issue(engine, "0301")
    report = deliver_pending(engine, on(AFTER_FIRST), None)
    assert report.as_json()["waiting"] == 1 and report.access_point == "none"
    assert report.deliveries[0]["reason"] == "no access point configured"
    assert ehf_status(engine) == {nr(1): "pending"}
    assert history(engine, "invoice-delivered", "invoice-handed-over") == []


# --- the folder drop -----------------------------------------------------------------------------


def test_the_folder_drop_gets_every_validated_ehf_once(engine: Engine, tmp_path: Path) -> None:
    issue(engine, "0301", "5001", "1580")
    drop = FolderDrop(tmp_path / "ehf-outbox")
    report = deliver_pending(engine, on(AFTER_FIRST), drop)
    assert [d["result"] for d in report.deliveries] == ["handed over", "handed over"]
    manifest = [json.loads(line) for line in (drop.path / MANIFEST).read_text().splitlines()]
    assert [(e["number"], e["receiver_id"]) for e in manifest] == [
        (nr(1), "0192:958935420"),  # Oslo
        (nr(3), "0192:942110464"),  # Trondheim
    ]
    state = deliveries(engine)
    # Handed over, not yet confirmed: a folder cannot tell whether the buyer got it.
    assert state[(nr(1), "ehf")][:2] == ("pending", None)
    assert state[(nr(1), "ehf")][2] == (
        f"fk-regionale-2024-2025-{nr(1)}-{manifest[0]['sha256'][:16]}"
    )
    assert state[(nr(1), "ehf")][3] == 1
    assert (nr(2), "ehf") not in state  # Haram: no endpoint, no EHF, nothing pretends otherwise
    handed = history(engine, "invoice-handed-over")
    assert [(a, d["number"], d["channel"]) for a, d, _ in handed] == [
        ("invoice-handed-over", nr(1), "ehf"),
        ("invoice-handed-over", nr(3), "ehf"),
    ]
    again = deliver_pending(engine, on(AFTER_FIRST), drop)
    assert again.deliveries == []
    assert len((drop.path / MANIFEST).read_text().splitlines()) == 2
    assert chain_intact(engine)


def test_the_configured_folder_drop_is_used_by_default(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT", "folder")
    monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT_FOLDER", str(tmp_path / "drop"))
    issue(engine, "0301")
    assert deliveries(engine)[(nr(1), "ehf")][:2] == ("pending", None)  # on its way, no excuse
    report = deliver_pending(engine, on(AFTER_FIRST))
    assert report.access_point.startswith("FolderDrop(")
    assert (tmp_path / "drop" / f"fk-regionale-2024-2025-{nr(1)}.xml").exists()


# --- the REST API --------------------------------------------------------------------------------


def test_delivered_by_the_access_point(engine: Engine, server: AccessPointServer) -> None:
    issue(engine, "0301")
    report = deliver_pending(engine, on(AFTER_FIRST), http(server))
    assert report.as_json()["delivered"] == 1
    assert deliveries(engine)[(nr(1), "ehf")] == ("delivered", None, "ap-0001", 1)
    [(action, details, _)] = history(engine, "invoice-delivered")
    assert details == {
        "series": "fk-regionale-2024-2025",
        "number": nr(1),
        "channel": "ehf",
        "attempts": 1,
        "reference": "ap-0001",
    }
    [got] = server.received
    assert got.headers["Peppol-Receiver-Id"] == "0192:958935420"
    assert chain_intact(engine)


def test_a_rejection_is_stored_with_its_reason_and_the_mail_still_goes(
    engine: Engine, server: AccessPointServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    issue(engine, "0301")
    report = deliver_pending(engine, on(AFTER_FIRST), http(server, "/unprocessable"))
    reason = "422: [BR-CO-15] Invoice total amount with VAT mismatch"
    assert report.rejected[0]["reason"] == reason
    assert deliveries(engine)[(nr(1), "ehf")] == ("rejected", reason, "msg-0003", 1)
    [(action, details, why)] = history(engine, "invoice-delivery-rejected")
    assert why == reason and details["channel"] == "ehf"
    # Rejected is final for this run and the next: it is not sent again.
    assert deliver_pending(engine, on(AFTER_FIRST), http(server)).deliveries == []
    assert len(server.received) == 1
    # The PDF mail goes out all the same, and its delivery says so.
    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    asyncio.run(deliver_due(engine, get_settings(), on(AFTER_FIRST).as_of))
    assert deliveries(engine)[(nr(1), "email")][0] == "delivered"


def test_a_timeout_leaves_everything_pending_and_the_next_run_delivers(
    engine: Engine, server: AccessPointServer
) -> None:
    issue(engine, "0301", "5001")
    report = deliver_pending(engine, on(AFTER_FIRST), http(server, "/slow", timeout=0.3))
    assert [d["result"] for d in report.deliveries] == ["waiting", "waiting"]
    assert "did not answer within 0.3 s" in report.deliveries[0]["reason"]
    state = deliveries(engine)
    # One timeout speaks for the batch: the first counts an attempt, the second was not tried.
    assert [state[(nr(k), "ehf")][0::3] for k in (1, 2)] == [("pending", 1), ("pending", 0)]
    assert all("did not answer" in state[(nr(k), "ehf")][1] for k in (1, 2))
    assert len(server.received) == 1
    assert history(engine, "invoice-delivered", "invoice-handed-over") == []  # nothing sent

    deliver_pending(engine, on(AFTER_FIRST), http(server))
    assert ehf_status(engine) == {nr(1): "delivered", nr(2): "delivered"}
    assert deliveries(engine)[(nr(1), "ehf")][3] == 2


def test_a_run_that_dies_half_way_is_finished_by_the_next_with_nothing_twice(
    engine: Engine, server: AccessPointServer
) -> None:
    issue(engine, "0301", "5001", "4601")
    server.up_for = 1  # takes one document, then goes down
    first = deliver_pending(engine, on(AFTER_FIRST), http(server))
    counts = ("delivered", "handed_over", "rejected", "waiting")
    assert {key: first.as_json()[key] for key in counts} == {
        "delivered": 1,
        "handed_over": 0,
        "rejected": 0,
        "waiting": 2,
    }
    assert ehf_status(engine) == {nr(1): "delivered", nr(2): "pending", nr(3): "pending"}

    server.up_for = None  # back up
    second = deliver_pending(engine, on(AFTER_FIRST), http(server))
    assert [d["invoice"] for d in second.delivered] == [
        f"fk-regionale-2024-2025-{nr(2)}",
        f"fk-regionale-2024-2025-{nr(3)}",
    ]
    assert ehf_status(engine) == {nr(1): "delivered", nr(2): "delivered", nr(3): "delivered"}
    assert deliver_pending(engine, on(AFTER_FIRST), http(server)).deliveries == []
    assert len(server.delivered) == 3  # three documents delivered, each once
    delivered = history(engine, "invoice-delivered")
    assert sorted(d["number"] for _, d, _ in delivered) == [nr(1), nr(2), nr(3)]
    assert chain_intact(engine)


def test_a_hand_over_lost_before_its_commit_is_recognised_on_the_next_run(
    engine: Engine, server: AccessPointServer
) -> None:
    """The process dies after the access point took the document and before our commit: the
    delivery is still pending, the next run sends it again with the same idempotency key, and
    the access point answers for the document it already has."""
    issue(engine, "0301")
    deliver_pending(engine, on(AFTER_FIRST), http(server))
    with unit_of_work(engine) as session:  # as if the commit had never happened
        session.execute(
            update(InvoiceDelivery)
            .where(InvoiceDelivery.channel == "ehf")
            .values(status="pending", reference=None, attempts=0)
        )
    deliver_pending(engine, on(AFTER_FIRST), http(server))
    assert deliveries(engine)[(nr(1), "ehf")][:3] == ("delivered", None, "ap-0001")
    assert len(server.delivered) == 1 and len(server.received) == 2


# --- validation ----------------------------------------------------------------------------------


def test_an_invalid_document_is_not_handed_over(engine: Engine, server: AccessPointServer) -> None:
    issue(engine, "0301", "5001")
    with unit_of_work(engine) as session:  # the stored EHF of the first invoice is broken
        invoice = session.scalars(select(Invoice).where(Invoice.number == nr(1))).one()
        invoice.ehf_xml = invoice.ehf_xml.replace(
            b'<cbc:PayableAmount currencyID="NOK">6666.67</cbc:PayableAmount>',
            b'<cbc:PayableAmount currencyID="NOK">6000.00</cbc:PayableAmount>',
        )
    report = deliver_pending(engine, on(AFTER_FIRST), http(server))
    [rejected] = report.rejected
    assert rejected["invoice"] == f"fk-regionale-2024-2025-{nr(1)}"
    assert rejected["reason"].startswith("not a valid EHF: ")
    assert "BR-CO-16" in rejected["reason"]  # amount due = total with VAT - paid
    status, reason, reference, attempts = deliveries(engine)[(nr(1), "ehf")]
    assert (status, reference, attempts) == ("rejected", None, 0)
    assert [r.headers["X-Document-Name"] for r in server.received] == [
        f"fk-regionale-2024-2025-{nr(2)}"
    ]  # only the valid one reached the access point
    [(action, details, why)] = history(engine, "invoice-delivery-rejected")
    assert why == reason and details["number"] == nr(1)


# --- the mail ------------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split()
    )


def smtp_settings(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("KULTURSKOLE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KULTURSKOLE_SMTP_PORT", str(port))
    monkeypatch.setenv("KULTURSKOLE_SMTP_SECURITY", "none")
    monkeypatch.setenv("KULTURSKOLE_SMTP_TIMEOUT", "5")


def test_the_invoice_mail_carries_the_pdf_and_names_ehf_when_one_goes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT", "folder")
    monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT_FOLDER", str(tmp_path / "drop"))
    issue(engine, "0301", "1580")
    handler = Handler()
    with smtp_server(handler) as port:
        smtp_settings(monkeypatch, port)
        asyncio.run(deliver_due(engine, get_settings(), on(AFTER_FIRST).as_of))
    mails = {
        r.message["Subject"].split(" – ")[0]: r.message
        for r in handler.received
        if r.message["Subject"].startswith("Faktura ")
    }
    oslo, haram = mails[f"Faktura {nr(1)}"], mails[f"Faktura {nr(2)}"]
    for mail, number, buyer in ((oslo, nr(1), "Oslo kommune"), (haram, nr(2), "Haram kommune")):
        [attachment] = list(mail.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"faktura-{number}.pdf"
        seen = pdf_text(attachment.get_content())
        assert f"Fakturanummer {number}" in seen and buyer in seen
        assert "6 666,67 kr" in seen and "Forfallsdato 26. oktober 2024" in seen
    oslo_text = oslo.get_body(("plain",)).get_content()
    assert "sendes som elektronisk faktura (EHF) til organisasjonsnummer 958 935 420" in oslo_text
    assert "kopi til orientering" in oslo_text
    haram_text = haram.get_body(("plain",)).get_content()
    assert "EHF" not in haram_text and "sendes bare på e-post" in haram_text
    assert deliveries(engine)[(nr(1), "email")][0] == "delivered"
    [(_, details, _), _] = history(engine, "invoice-delivered")
    assert details["channel"] == "email"


def test_the_invoice_mail_goes_to_the_invoice_address_with_the_coordinator_in_copy(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    active(engine, "0301")
    with unit_of_work(engine) as session:  # finance changes the invoice address before issue
        set_invoicing_details(session, "0301", on("2024-09-02"), email="regnskap@oslo.example.no")
    issuing.run(engine, on(AFTER_FIRST))
    handler = Handler()
    with smtp_server(handler) as port:
        smtp_settings(monkeypatch, port)
        asyncio.run(deliver_due(engine, get_settings(), on(AFTER_FIRST).as_of))
    [received] = [r for r in handler.received if r.message["Subject"].startswith("Faktura ")]
    mail = received.message
    assert mail["Subject"].startswith(f"Faktura {nr(1)} ")
    with unit_of_work(engine) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == nr(1))).one()
        assert invoice.buyer_email == "regnskap@oslo.example.no"  # stamped at issue
    to = [(a.display_name, a.addr_spec) for a in mail["To"].addresses]
    cc = [(a.display_name, a.addr_spec) for a in mail["Cc"].addresses]
    assert to == [("Oslo kommune", "regnskap@oslo.example.no")]
    assert cc == [("Ola Koordinator", "ola@kommune.example.no")]
    # The SMTP envelope reaches exactly those two: not the applicant, nor the old address.
    assert sorted(received.rcpt_tos) == ["ola@kommune.example.no", "regnskap@oslo.example.no"]
    assert mail["Bcc"] is None
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"faktura-{nr(1)}.pdf"
    assert f"Fakturanummer {nr(1)}" in pdf_text(attachment.get_content())
    assert deliveries(engine)[(nr(1), "email")][0] == "delivered"


def test_without_an_access_point_the_mail_says_e_mail_only(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    issue(engine, "0301")
    with unit_of_work(engine) as session:
        mail = session.scalars(select(Message).where(Message.template == "invoice")).one()
        assert "EHF" not in mail.text_body and "EHF" not in mail.html_body
        assert "sendes bare på e-post" in mail.text_body


def test_a_mail_refused_for_good_rejects_the_email_delivery(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue(engine, "0301")
    handler = Handler(refuse_rcpt="550 5.1.1 Mailbox unavailable")
    with smtp_server(handler) as port:
        smtp_settings(monkeypatch, port)
        asyncio.run(deliver_due(engine, get_settings(), on(AFTER_FIRST).as_of))
    status, reason, _, attempts = deliveries(engine)[(nr(1), "email")]
    assert status == "rejected" and "550 5.1.1 Mailbox unavailable" in reason
    [(action, details, _)] = history(engine, "invoice-delivery-rejected")
    assert details["channel"] == "email" and details["number"] == nr(1)
    assert chain_intact(engine)


def test_a_credit_note_is_delivered_as_a_credit_note(
    engine: Engine, server: AccessPointServer
) -> None:
    from kulturskole.invoicing.delivery import CREDIT_NOTE_DOCUMENT_TYPE
    from kulturskole.invoicing.ledger import credit

    issue(engine, "0301")
    deliver_pending(engine, on(AFTER_FIRST), http(server))
    with unit_of_work(engine) as session:
        note = credit(session, nr(1), "Feil mottaker", on("2024-10-01"))
        mail = session.get(Message, note.message_id)
        assert [a.content_type for a in mail.attachments] == ["application/pdf"]
        assert "sendes bare på e-post" in mail.text_body  # no access point configured here
    report = deliver_pending(engine, on("2024-10-01"), http(server))
    assert [d["invoice"] for d in report.delivered] == [f"fk-regionale-2024-2025-{nr(2)}"]
    assert server.received[-1].headers["Peppol-Document-Type-Id"] == CREDIT_NOTE_DOCUMENT_TYPE
    assert ehf_status(engine) == {nr(1): "delivered", nr(2): "delivered"}
