"""Fakturaer: the ledger, its filters, totals and downloads, each invoice's documents, and the
finance role's credit notes and payments, for every role."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from kulturskole.read.history import case_history
from kulturskole.read.invoices import list_invoices
from models import HistoryEntry, Invoice
from tests.builders.invoicing import active, on
from tests.support.web import console, logged_in, post

SERIES = "fk-regionale-2024-2025"
AFTER_FIRST = "2024-09-26"  # joint gathering 1 ended 2024-09-25; due 30 days later


@pytest.fixture
def ledger(engine: Engine, programme_loaded: str) -> dict[str, int]:
    """Oslo, Haram (no organisation number: no EHF) and Trondheim invoiced for instalment 1;
    the invoice number of each, by kommunenummer."""
    active(engine, "0301", "1580", "5001")
    issuing.run(engine, on(AFTER_FIRST))
    return numbers_by_municipality(engine)


def numbers_by_municipality(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine, readonly=True) as session:
        return {r["municipality"]: r["number"] for r in list_invoices(session, status="issued")}


def state(engine: Engine) -> tuple[list[tuple[int, str, str, object]], int]:
    """Every invoice's number, kind, status and payment date, and the number of history entries."""
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(
            select(Invoice.number, Invoice.kind, Invoice.status, Invoice.paid_on).order_by(
                Invoice.number
            )
        ).all()
        entries = session.scalar(select(func.count()).select_from(HistoryEntry))
    return [tuple(r) for r in rows], entries


def shown(page: str) -> list[int]:
    """The invoice numbers the ledger table shows, in order."""
    table = page.split('<table id="invoices">', 1)[1].split("</table>", 1)[0]
    found = re.findall(rf'href="/invoices/{SERIES}/(\d+)"', table)
    return list(dict.fromkeys(int(n) for n in found))


def kr(text: str) -> str:
    """An amount as the page prints it: "6 666,67 kr" with no-break spaces."""
    return text.replace(" ", "\xa0")


def path(number: int, tail: str = "") -> str:
    return f"/invoices/{SERIES}/{number}{tail}"


# --- the ledger -------------------------------------------------------------------------------


def test_the_ledger_shows_every_invoice_its_documents_and_the_totals(
    engine: Engine, ledger: dict[str, int]
) -> None:
    page = logged_in(engine, "viewer").get("/invoices")
    assert page.status_code == 200
    assert shown(page.text) == sorted(ledger.values())
    for number in ledger.values():
        for form in ("html", "pdf", "ehf"):
            assert f'href="{path(number, "/" + form)}"' in page.text
    assert "Viser 1–3 av 3" in page.text
    assert f"Fakturert <strong>{kr('20 000,01 kr')}</strong>" in page.text
    assert f"Utestående <strong>{kr('20 000,01 kr')}</strong>" in page.text
    assert kr("6 666,67 kr") in page.text and "26.10.2024" in page.text
    assert "ingen EHF" in page.text  # Haram


def test_a_viewer_sees_no_actions(engine: Engine, ledger: dict[str, int]) -> None:
    client = logged_in(engine, "viewer")
    for page in (client.get("/invoices"), client.get(path(ledger["0301"]))):
        assert page.status_code == 200
        assert "/credit" not in page.text and "/paid" not in page.text


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_and_admin_see_the_actions_of_open_invoices(
    engine: Engine, ledger: dict[str, int], role: str
) -> None:
    client = logged_in(engine, role)
    number = ledger["0301"]
    for page in (client.get("/invoices"), client.get(path(number))):
        assert f'action="{path(number, "/credit")}"' in page.text
        assert f'action="{path(number, "/paid")}"' in page.text
        assert 'name="reason"' in page.text and 'name="reissue"' in page.text
        assert 'name="on"' in page.text


def test_filters_by_search_status_kind_open_and_overdue(
    engine: Engine, ledger: dict[str, int]
) -> None:
    finance = logged_in(engine, "finance")
    assert post(finance, path(ledger["5001"], "/paid"), {"on": "2024-10-01"}).status_code == 303
    note = post(finance, path(ledger["1580"], "/credit"), {"reason": "Feil kjøper"})
    assert note.status_code == 303
    client = logged_in(engine, "viewer")
    credit_note = max(ledger.values()) + 1

    def numbers(query: str) -> list[int]:
        page = client.get(f"/invoices?{query}")
        assert page.status_code == 200, page.text
        return shown(page.text)

    assert numbers("q=OSLO") == numbers("q=0301") == [ledger["0301"]]
    assert numbers("q=tråante") == [ledger["5001"]]  # Trondheim - Tråante, in any case
    assert numbers("q=ingensteds") == []
    assert numbers("status=paid") == [ledger["5001"]]
    assert numbers("status=credited") == [ledger["1580"]]
    assert numbers("kind=credit") == [credit_note]
    assert numbers("kind=invoice") == sorted(ledger.values())
    assert numbers("open=1") == [ledger["0301"]]
    assert numbers("overdue=1") == [ledger["0301"]]  # the console's today: 2025-03-01
    assert numbers("overdue=1&as_of=2024-10-26") == []  # due that day: not yet overdue
    assert numbers("overdue=1&as_of=2024-10-27") == [ledger["0301"]]
    page = client.get("/invoices?kind=credit")
    assert f"Kreditert <strong>{kr('-6 666,67 kr')}</strong>" in page.text
    assert f"Netto <strong>{kr('-6 666,67 kr')}</strong>" in page.text


def test_the_overview_links_lead_to_open_and_overdue_invoices(
    engine: Engine, ledger: dict[str, int]
) -> None:
    client = logged_in(engine, "viewer")
    overview = client.get("/")
    assert 'href="/invoices?open=1"' in overview.text
    assert 'href="/invoices?overdue=1"' in overview.text
    assert shown(client.get("/invoices?open=1").text) == sorted(ledger.values())
    assert shown(client.get("/invoices?overdue=1").text) == sorted(ledger.values())


def test_the_ledger_is_paged_and_the_totals_count_every_page(
    engine: Engine, ledger: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("kulturskole.web.pages.invoices.PER_PAGE", 2)
    client = logged_in(engine, "viewer")
    first, second = client.get("/invoices"), client.get("/invoices?page=2")
    assert shown(first.text) + shown(second.text) == sorted(ledger.values())
    assert "Viser 1–2 av 3" in first.text and "Viser 3–3 av 3" in second.text
    assert "Side 1 av 2" in first.text and 'rel="next"' in first.text


def test_an_unknown_filter_value_is_refused_in_norwegian(
    engine: Engine, ledger: dict[str, int]
) -> None:
    page = logged_in(engine, "viewer").get("/invoices?status=lost")
    assert page.status_code == 400 and "ukjent fakturastatus «lost»" in page.text


def test_the_ledger_downloads_as_csv_and_excel_with_the_filters(
    engine: Engine, ledger: dict[str, int]
) -> None:
    client = logged_in(engine, "viewer")
    response = client.get("/invoices?format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="fakturaer.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Serie", "Nummer", "Type", "Kommunenummer"]
    assert [int(r[1]) for r in rows[1:]] == sorted(ledger.values())
    oslo = next(r for r in rows[1:] if r[3] == "0301")
    assert oslo[7] == "6666.67" and oslo[10] == "2024-10-26" and oslo[11] == "Utstedt"
    book = load_workbook(io.BytesIO(client.get("/invoices?format=xlsx&q=0301").content))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "Nummer" and len(values) == 2
    assert values[1][1] == ledger["0301"] and float(values[1][7]) == 6666.67


# --- one invoice and its documents -------------------------------------------------------------


def test_an_invoice_page_shows_the_invoice_and_frames_its_document(
    engine: Engine, ledger: dict[str, int]
) -> None:
    page = logged_in(engine, "viewer").get(path(ledger["0301"]))
    assert page.status_code == 200
    assert "Faktura " + str(ledger["0301"]) in page.text and "Oslo kommune" in page.text
    assert "00000018" in page.text or "KID" in page.text
    assert f'<iframe class="invoice-document" sandbox src="{path(ledger["0301"], "/html")}"' in (
        page.text
    )


def test_the_ledger_and_the_invoice_page_show_each_delivery_in_norwegian(
    engine: Engine,
    ledger: dict[str, int],
    tmp_path,  # noqa: ANN001
) -> None:
    from kulturskole.invoicing.delivering import deliver_pending
    from kulturskole.invoicing.delivery import FolderDrop

    deliver_pending(engine, on(AFTER_FIRST), FolderDrop(tmp_path))  # Oslo and Trondheim
    client = logged_in(engine, "viewer")
    page = client.get("/invoices").text
    table = page.split('<table id="invoices">', 1)[1]
    assert "<th>Levering</th>" in table
    assert table.count("EHF: venter (overlevert)") == 2  # handed over, not yet confirmed
    assert table.count("E-post: venter") == 3  # the mails are not sent yet
    oslo = client.get(path(ledger["0301"])).text
    facts = oslo.split('id="invoice-delivery"', 1)[1].split("</dd>", 1)[0]
    assert "EHF: venter (overlevert)" in facts and "ref. fk-regionale-2024-2025-" in facts
    haram = client.get(path(ledger["1580"])).text
    facts = haram.split('id="invoice-delivery"', 1)[1].split("</dd>", 1)[0]
    assert "E-post: venter" in facts and "EHF" not in facts
    with unit_of_work(engine) as session:
        from models import InvoiceDelivery

        session.query(InvoiceDelivery).filter_by(channel="email").update(
            {"status": "rejected", "reason": "550 Mailbox unavailable"}
        )
    page = client.get(path(ledger["1580"])).text
    assert "E-post: avvist" in page and "550 Mailbox unavailable" in page
    download = client.get("/invoices?format=csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert "Levering" in download.text and "E-post: avvist" in download.text


def test_the_documents_html_pdf_and_ehf(engine: Engine, ledger: dict[str, int]) -> None:
    client = logged_in(engine, "viewer")
    number = ledger["0301"]
    html = client.get(path(number, "/html"))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    policy = html.headers["content-security-policy"]
    assert "sandbox" in policy and "style-src 'unsafe-inline'" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "<html" in html.text.lower() and "Oslo kommune" in html.text
    pdf = client.get(path(number, "/pdf"))
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    ehf = client.get(path(number, "/ehf"))
    assert ehf.headers["content-type"].startswith("application/xml")
    assert ehf.headers["content-disposition"] == (
        f'attachment; filename="faktura-{SERIES}-{number}.xml"'
    )
    assert ehf.content.startswith(b"<?xml") and b"958935420" in ehf.content


def test_an_invoice_without_ehf_says_so_in_norwegian(
    engine: Engine, ledger: dict[str, int]
) -> None:
    response = logged_in(engine, "viewer").get(path(ledger["1580"], "/ehf"))
    assert response.status_code == 404
    assert f"Faktura {ledger['1580']} har ingen EHF" in response.text
    assert "organisasjonsnummer" in response.text


def test_an_unknown_invoice_or_document_is_not_found(
    engine: Engine, ledger: dict[str, int]
) -> None:
    client = logged_in(engine, "viewer")
    missing = client.get(path(999))
    assert missing.status_code == 404 and "Det finnes ingen faktura nr. 999" in missing.text
    assert client.get(path(ledger["0301"], "/docx")).status_code == 404
    assert client.get(f"/invoices/other-series/{ledger['0301']}/pdf").status_code == 404


def test_the_pages_and_documents_need_a_login(engine: Engine, ledger: dict[str, int]) -> None:
    client = console(engine)
    for url in ("/invoices", path(ledger["0301"]), path(ledger["0301"], "/pdf")):
        response = client.get(url)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


# --- credit notes and payments --------------------------------------------------------------


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_credits_an_invoice_with_reissue_as_the_logged_in_person(
    engine: Engine, ledger: dict[str, int], role: str
) -> None:
    client = logged_in(engine, role)
    number = ledger["0301"]
    response = post(
        client,
        path(number, "/credit"),
        {"reason": "Feil referanse", "reissue": "1", "back": path(number)},
        page=path(number),
    )
    assert response.status_code == 303 and response.headers["location"] == path(number)
    page = client.get(path(number))
    note = max(ledger.values()) + 1
    assert f"Kreditnota {note} krediterer faktura {number}" in page.text
    assert "faktureres på nytt" in page.text
    invoices, _ = state(engine)
    assert (number, "invoice", "credited", None) in invoices
    assert (note, "credit", "issued", None) in invoices
    with unit_of_work(engine, readonly=True) as session:
        last = case_history(session, "0301")[-1]
    assert last["action"] == "invoice-credited" and last["actor"] == f"{role}@kulturskoleradet.no"
    assert last["reason"] == "Feil referanse" and last["details"]["reissue"] is True
    assert last["effective_on"] == "2025-03-01"  # the console's date
    credit_page = client.get(path(note))
    assert "Feil referanse" in credit_page.text and f'href="{path(number)}"' in credit_page.text


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_records_a_payment_as_the_logged_in_person(
    engine: Engine, ledger: dict[str, int], role: str
) -> None:
    client = logged_in(engine, role)
    number = ledger["0301"]
    response = post(client, path(number, "/paid"), {"on": "2024-10-20", "back": "/invoices"})
    assert response.status_code == 303 and response.headers["location"] == "/invoices"
    assert f"Faktura {number} er registrert som betalt 20. oktober 2024" in (
        client.get("/invoices").text
    )
    invoices, _ = state(engine)
    assert next(r for r in invoices if r[0] == number)[2:] == ("paid", date(2024, 10, 20))
    with unit_of_work(engine, readonly=True) as session:
        last = case_history(session, "0301")[-1]
    assert last["action"] == "invoice-paid" and last["actor"] == f"{role}@kulturskoleradet.no"
    assert last["effective_on"] == "2024-10-20"


@pytest.mark.parametrize(
    ("tail", "data"),
    [("/credit", {"reason": "Feil", "reissue": "1"}), ("/paid", {"on": "2024-10-20"})],
)
def test_a_viewers_post_is_refused_and_changes_nothing(
    engine: Engine, ledger: dict[str, int], tail: str, data: dict[str, str]
) -> None:
    before = state(engine)
    client = logged_in(engine, "viewer")
    response = post(client, path(ledger["0301"], tail), data, page="/invoices")
    assert response.status_code == 403 and "Rollen din gir ikke tilgang" in response.text
    assert state(engine) == before


@pytest.mark.parametrize(
    ("tail", "data"),
    [("/credit", {"reason": "Feil", "reissue": "1"}), ("/paid", {"on": "2024-10-20"})],
)
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(
    engine: Engine, ledger: dict[str, int], tail: str, data: dict[str, str]
) -> None:
    before = state(engine)
    client = logged_in(engine, "finance")
    response = client.post(path(ledger["0301"], tail), data=data)
    assert response.status_code == 403 and "Skjemaet var utløpt" in response.text
    wrong = client.post(path(ledger["0301"], tail), data={**data, "csrf": "forged"})
    assert wrong.status_code == 403
    assert state(engine) == before


def test_the_services_refusals_come_back_as_norwegian_notices_and_change_nothing(
    engine: Engine, ledger: dict[str, int]
) -> None:
    client = logged_in(engine, "finance")
    oslo, trondheim = ledger["0301"], ledger["5001"]
    post(client, path(trondheim, "/paid"), {"on": "2024-10-01"})
    post(client, path(ledger["1580"], "/credit"), {"reason": "Feil kjøper"})
    note = max(ledger.values()) + 1
    before = state(engine)
    attempts = [
        (path(oslo, "/credit"), {"reason": "  "}, "Skriv hvorfor fakturaen krediteres."),
        (path(ledger["1580"], "/credit"), {"reason": "x"}, "er allerede kreditert"),
        (path(note, "/credit"), {"reason": "x"}, f"Nr. {note} er en kreditnota"),
        (
            path(oslo, "/paid"),
            {"on": "2024-09-01"},
            "Betalingsdatoen (1. september 2024) er før fakturadatoen (26. september 2024)",
        ),
        (path(trondheim, "/paid"), {"on": "2024-10-02"}, f"Faktura {trondheim} er betalt"),
        (path(note, "/paid"), {"on": "2024-10-02"}, "er en kreditnota: den betales ikke"),
        (path(oslo, "/paid"), {"on": "i går"}, "«i går» er ikke en dato"),
        (path(999, "/paid"), {"on": "2024-10-02"}, "Det finnes ingen faktura nr. 999"),
    ]
    for url, data, text in attempts:
        response = post(client, url, {**data, "back": "/invoices"}, page="/invoices")
        assert response.status_code == 303 and response.headers["location"] == "/invoices"
        page = client.get("/invoices")
        assert 'class="notice error"' in page.text and text in page.text, (url, data)
    assert state(engine) == before
