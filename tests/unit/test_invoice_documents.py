"""The invoice and credit-note documents: HTML and PDF carry what bokføringsforskriften § 5-1-1
asks for, escape what users wrote, mark test invoices, and come out the same for the same data."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import time
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from stdnum import luhn
from stdnum.no import kontonr, orgnr

from kulturskole.config import get_settings
from kulturskole.invoicing.data import InvoiceData, Line, Party
from kulturskole.invoicing.documents import document_filename, invoice_html
from kulturskole.invoicing.pdf import invoice_pdf

NBSP = "\u00a0"
AMOUNT = f"6{NBSP}666,67{NBSP}kr"  # as Babel writes 666 667 øre in nb_NO
DESCRIPTION = "Deltakeravgift Fremtidens kulturskole – regionale program 2024–2025, avdrag 1 av 3"
SELLER_ORGNR = "999999980"  # a test number: passes MOD11, obviously not real
BUYER_ORGNR = "958935420"  # Oslo kommune
ACCOUNT = "12345678903"
KID = "000170000001" + luhn.calc_check_digit("000170000001")

SELLER = Party(
    name="Norsk kulturskoleråd",
    organisation_number=SELLER_ORGNR,
    street="Dronningens gate 8",
    postcode="7011",
    city="Trondheim",
    contact_name="Åste Selnæs Domaas",
    email="aste.domaas@kulturskoleradet.no",
    phone="91 74 65 89",
)
BUYER = Party(
    name="Oslo kommune",
    organisation_number=BUYER_ORGNR,
    street="Rådhusplassen 1",
    postcode="0037",
    city="Oslo",
    contact_name="Kari Nordmann",
)
INVOICE = InvoiceData(
    kind="invoice",
    number=17,
    series="fk-regionale-2024-2025",
    issue_date=date(2024, 9, 24),
    due_date=date(2024, 10, 24),
    seller=SELLER,
    buyer=BUYER,
    buyer_reference="4500123456 Kari Nordmann",
    bank_account=ACCOUNT,
    kid=KID,
    lines=(Line(DESCRIPTION, 666667, date(2024, 8, 1), date(2025, 7, 31)),),
    delivery_date=date(2024, 9, 23),
    regarding="Fellessamling 1, 22.–23. september 2024",
)
CREDIT = dataclasses.replace(
    INVOICE,
    kind="credit",
    number=18,
    issue_date=date(2024, 10, 1),
    due_date=None,
    kid=None,
    credited_number=17,
    credited_issue_date=date(2024, 9, 24),
    credit_reason="Kommunen trakk seg før første samling",
)


def text_of(page: str) -> str:
    """What a reader sees: tags out, entities resolved, runs of ordinary whitespace made one
    space (no-break spaces are kept: they are part of the amounts)."""
    page = re.sub(r"<(style|title)\b.*?</\1>", " ", page, flags=re.S)
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"[ \t\r\n]+", " ", page).strip()


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def same_spacing(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- the test data is what it claims to be ---------------------------------------------------


def test_the_test_data_passes_the_check_digits() -> None:
    assert orgnr.is_valid(SELLER_ORGNR) and orgnr.is_valid(BUYER_ORGNR)
    assert kontonr.is_valid(ACCOUNT)
    assert luhn.is_valid(KID)


# --- HTML ----------------------------------------------------------------------------------------


def test_the_invoice_html_carries_everything_the_bookkeeping_rules_require() -> None:
    page = invoice_html(INVOICE)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="nb">' in page
    assert "<title>Faktura 17 – Norsk kulturskoleråd</title>" in page
    seen = text_of(page)
    for expected in [
        "Faktura",
        "Fakturanummer 17",  # from the sequence
        "Fakturadato 24. september 2024",
        "Forfallsdato 24. oktober 2024",
        # the seller: name, address, organisation number, not VAT registered
        "Norsk kulturskoleråd",
        "Dronningens gate 8",
        "7011 Trondheim",
        "Org.nr. 999 999 980",
        "Ikke merverdiavgiftspliktig",
        # the buyer: name, address, organisation number, reference
        "Oslo kommune",
        "Att.: Kari Nordmann",
        "Rådhusplassen 1",
        "0037 Oslo",
        "Org.nr. 958 935 420",
        "Deres referanse 4500123456 Kari Nordmann",
        # kind and extent of the service; what the instalment follows, when it was delivered
        DESCRIPTION,
        "1. august 2024 – 31. juli 2025",
        "Gjelder Fellessamling 1, 22.–23. september 2024",
        # price and total in NOK; no VAT, and the document says why
        f"{DESCRIPTION} 1. august 2024 – 31. juli 2025 {AMOUNT}",
        f"Å betale {AMOUNT}",
        "Merverdiavgift: ingen (selger er ikke registrert i Merverdiavgiftsregisteret)",
        # payment
        "Kontonummer 1234.56.78903",
        f"KID-nummer {KID}",
        f"Beløp {AMOUNT}",
        "Oppgi KID-nummeret når dere betaler.",
        # who to ask
        "aste.domaas@kulturskoleradet.no",
    ]:
        assert expected in seen, expected
    assert "999 999 980 MVA" not in seen
    # The unit once, no VAT rate where no VAT is charged, no event title as a place
    assert "(NOK)" not in seen and "kr kr" not in seen
    assert "Merverdiavgift 0 %" not in seen and "Sum uten merverdiavgift" not in seen
    assert "Leveringssted" not in seen
    assert "TESTFAKTURA" not in page
    assert "Kreditnota" not in seen and "Krediterer" not in seen


def test_a_vat_registered_seller_has_mva_after_its_organisation_number() -> None:
    seller = dataclasses.replace(SELLER, vat_registered=True)
    seen = text_of(invoice_html(dataclasses.replace(INVOICE, seller=seller)))
    assert "Org.nr. 999 999 980 MVA" in seen
    assert "Ikke merverdiavgiftspliktig" not in seen
    charged = text_of(
        invoice_html(dataclasses.replace(INVOICE, seller=seller, vat_rate_percent=25))
    )
    assert "Sum uten merverdiavgift" in charged and "Merverdiavgift 25 %" in charged
    assert "Merverdiavgift: ingen" not in charged


def test_a_real_place_of_delivery_is_printed_as_leveringssted() -> None:
    place = "Quality Hotel Gardermoen Airport, Hotellvegen 200, 2060 Gardermoen"
    seen = text_of(invoice_html(dataclasses.replace(INVOICE, delivery_place=place)))
    assert f"Leveringssted {place}" in seen
    assert "Leveringsdato 23. september 2024" in seen
    without = text_of(invoice_html(dataclasses.replace(INVOICE, regarding=None)))
    assert "Leveringssted" not in without and "Leveringsdato 23. september 2024" in without


def test_an_invoice_without_kid_asks_for_the_invoice_number() -> None:
    seen = text_of(invoice_html(dataclasses.replace(INVOICE, kid=None)))
    assert "KID" not in seen
    assert "Oppgi fakturanummer 17 når dere betaler." in seen


def test_the_credit_note_refers_to_the_invoice_it_corrects() -> None:
    page = invoice_html(CREDIT)
    assert "<title>Kreditnota 18 – Norsk kulturskoleråd</title>" in page
    seen = text_of(page)
    for expected in [
        "Kreditnota",
        "Kreditnotanummer 18",
        "Kreditnotadato 1. oktober 2024",
        "Krediterer faktura nr. 17 av 24. september 2024",
        "Årsak: Kommunen trakk seg før første samling",
        "Oslo kommune",
        "Org.nr. 958 935 420",
        "Org.nr. 999 999 980",
        DESCRIPTION,
        f"Sum kreditert {AMOUNT}",
        "Merverdiavgift: ingen",
    ]:
        assert expected in seen, expected
    assert "Fakturanummer" not in seen and "Forfallsdato" not in seen
    assert "KID" not in seen and "Å betale" not in seen


def test_what_users_wrote_is_escaped() -> None:
    buyer = dataclasses.replace(BUYER, name="Oslo <b>kommune</b>", street="Gate & <i>vei</i>")
    credit = dataclasses.replace(
        CREDIT, buyer=buyer, credit_reason='Feil <script>alert("x")</script> beløp'
    )
    page = invoice_html(credit)
    assert "<b>" not in page and "<i>" not in page and "<script>" not in page
    assert "Oslo &lt;b&gt;kommune&lt;/b&gt;" in page
    assert "Gate &amp; &lt;i&gt;vei&lt;/i&gt;" in page
    assert "Feil &lt;script&gt;" in page
    assert 'Årsak: Feil <script>alert("x")</script> beløp' in text_of(page)


def test_the_test_banner_appears_only_on_test_invoices() -> None:
    assert "TESTFAKTURA" not in invoice_html(INVOICE)
    assert "TESTFAKTURA" not in invoice_html(CREDIT)
    for data in (INVOICE, CREDIT):
        page = invoice_html(dataclasses.replace(data, test=True))
        assert "TESTFAKTURA – skal ikke betales" in text_of(page)
        assert "<title>TEST – " in page


def test_a_document_missing_what_the_rules_require_is_refused() -> None:
    with pytest.raises(ValueError, match="due date"):
        invoice_html(dataclasses.replace(INVOICE, due_date=None))
    with pytest.raises(ValueError, match="must name the invoice"):
        invoice_html(dataclasses.replace(CREDIT, credited_number=None))
    with pytest.raises(ValueError, match="bank account"):
        invoice_html(dataclasses.replace(INVOICE, bank_account="12345678900"))
    with pytest.raises(ValueError, match="buyer's organisation number"):
        invoice_pdf(
            dataclasses.replace(
                INVOICE, buyer=dataclasses.replace(BUYER, organisation_number="958935421")
            )
        )
    with pytest.raises(ValueError, match="seller's organisation number"):
        invoice_html(
            dataclasses.replace(
                INVOICE, seller=dataclasses.replace(SELLER, organisation_number=None)
            )
        )
    with pytest.raises(ValueError, match="no lines"):
        invoice_pdf(dataclasses.replace(INVOICE, lines=()))
    with pytest.raises(ValueError, match="not VAT registered"):
        invoice_html(dataclasses.replace(INVOICE, vat_rate_percent=25))


def test_a_buyer_without_organisation_number_is_named_by_address() -> None:
    buyer = dataclasses.replace(BUYER, organisation_number=None, country="SE")
    seen = text_of(invoice_html(dataclasses.replace(INVOICE, buyer=buyer)))
    assert "Oslo kommune" in seen and "Rådhusplassen 1" in seen and "Sverige" in seen
    assert "958 935 420" not in seen


# --- PDF -----------------------------------------------------------------------------------------


def test_the_invoice_pdf_has_the_same_content() -> None:
    pdf = invoice_pdf(INVOICE)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    seen = same_spacing(pdf_text(pdf))
    for expected in [
        "Faktura",
        "Fakturanummer 17",
        "Fakturadato 24. september 2024",
        "Forfallsdato 24. oktober 2024",
        "Norsk kulturskoleråd",
        "Org.nr. 999 999 980",
        "Ikke merverdiavgiftspliktig",
        "Oslo kommune",
        "Org.nr. 958 935 420",
        "Deres referanse 4500123456 Kari Nordmann",
        "Fremtidens kulturskole – regionale",  # the en dash survives: a Unicode font
        "1. august 2024 – 31. juli 2025",
        "Gjelder Fellessamling 1, 22.–23. september 2024",
        "6 666,67 kr",
        "Merverdiavgift: ingen",
        "Å betale 6 666,67 kr",
        "Kontonummer 1234.56.78903",
        f"KID-nummer {KID}",
    ]:
        assert expected in seen, expected
    assert "TESTFAKTURA" not in seen
    assert reader.metadata.title == "Faktura 17"
    assert reader.metadata.author == "Norsk kulturskoleråd"
    assert reader.metadata.creation_date == datetime(2024, 9, 24, tzinfo=get_settings().tz)


def test_the_credit_note_pdf_refers_to_the_invoice() -> None:
    seen = same_spacing(pdf_text(invoice_pdf(CREDIT)))
    assert "Kreditnota" in seen and "Kreditnotanummer 18" in seen
    assert "Krediterer faktura nr. 17 av 24. september 2024" in seen
    assert "Årsak: Kommunen trakk seg før første samling" in seen
    assert "Sum kreditert 6 666,67 kr" in seen
    assert "Forfallsdato" not in seen and "KID" not in seen


def test_the_test_banner_is_on_the_test_pdf_only() -> None:
    seen = same_spacing(pdf_text(invoice_pdf(dataclasses.replace(INVOICE, test=True))))
    assert "TESTFAKTURA – skal ikke betales" in seen
    assert (
        PdfReader(io.BytesIO(invoice_pdf(dataclasses.replace(INVOICE, test=True)))).metadata[
            "/Title"
        ]
        == "TEST – Faktura 17"
    )


def test_the_same_data_gives_the_same_pdf() -> None:
    first = invoice_pdf(INVOICE)
    # a second later: the embedded font subsets are dated by the document, not by the clock
    # (fontTools wrote the time of subsetting into them, and two PDFs a second apart differed)
    time.sleep(1.1)
    assert invoice_pdf(INVOICE) == first
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert (
        metadata.creation_date
        == metadata.modification_date
        == datetime(2024, 9, 24, tzinfo=get_settings().tz)
    )
    assert invoice_pdf(dataclasses.replace(INVOICE, number=19)) != first
    assert invoice_pdf(CREDIT) == invoice_pdf(CREDIT)


def test_the_pdf_embeds_open_sans() -> None:
    """The shipped font, embedded: the PDF does not depend on the fonts of the machine."""
    page = PdfReader(io.BytesIO(invoice_pdf(INVOICE))).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert fonts and all("OpenSans" in str(font["/BaseFont"]).replace("-", "") for font in fonts)
    assert all(
        "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        or "/FontFile3" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        for font in fonts
        if "/DescendantFonts" in font
    )


def test_the_pdf_is_the_html_document_laid_out_for_a4() -> None:
    """One layout: the PDF is the HTML page printed (its footer, its print CSS's page numbers),
    not a second drawing of the same facts."""
    seen = same_spacing(pdf_text(invoice_pdf(INVOICE)))
    footer = same_spacing(text_of(invoice_html(INVOICE)).split("Oppgi KID-nummeret")[-1]).strip()
    assert "Åste Selnæs Domaas" in footer and footer in seen
    assert "Side 1 av 1" in seen
    page = invoice_html(INVOICE)
    assert "@page { size: A4" in page and "counter(pages)" in page


# --- file names ----------------------------------------------------------------------------------


def test_document_filenames() -> None:
    assert document_filename(INVOICE, "html") == "faktura-17.html"
    assert document_filename(INVOICE, ".pdf") == "faktura-17.pdf"
    assert document_filename(CREDIT, "pdf") == "kreditnota-18.pdf"
    with pytest.raises(ValueError):
        document_filename(INVOICE, "../pdf")
    with pytest.raises(ValueError):
        document_filename(INVOICE, "")


def test_two_pdfs_made_a_second_apart_are_the_same_bytes() -> None:
    """The embedded font subsets once carried the clock (their head table's modified time)."""
    import time

    first = invoice_pdf(INVOICE)
    time.sleep(1.05)
    assert invoice_pdf(INVOICE) == first
