"""An invoice or credit note as a document a person reads: print-friendly HTML and an A4 PDF.

Both carry what bokføringsforskriften § 5-1-1 asks of a sales document: the number from the
series' unbroken sequence, the issue date, the seller's name, address and organisation number
("MVA" after it only when VAT registered, otherwise "Ikke merverdiavgiftspliktig"), the buyer's
name, address and organisation number, the kind and extent of the service (the lines and their
periods), time and place of delivery (the joint gathering), price, VAT and total in NOK, the
due date and the payment details (account "xxxx.xx.xxxxx", KID, the buyer's reference). A credit
note ("Kreditnota") has its own number from the same sequence and names the invoice it corrects.
``InvoiceData.test`` puts "TESTFAKTURA – skal ikke betales" on top of both.

The HTML is ``notifications/templates/invoice_document.html`` through the project's jinja
environment (autoescaped; amounts with the ``kr`` filter, dates with ``dato``). The PDF is drawn
with fpdf2 in Open Sans (Apache 2.0, shipped by the PyPI package ``ttf-opensans``), so æøå, "–"
and Babel's no-break spaces print as they are; without that package it falls back to fpdf2's
latin-1 core font Helvetica, transliterating what latin-1 lacks ("–" → "-"). Its creation date is
the issue date (00:00 Europe/Oslo), so the same data gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

from babel import Locale
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import kontonr, orgnr

from kulturskole.config import get_settings
from kulturskole.invoicing.data import InvoiceData, Party
from notifications.render import LOCALE, dato, environment, kr, periode

__all__ = ["TEMPLATE", "document_filename", "invoice_html", "invoice_pdf"]

#: The HTML template, under ``notifications/templates``.
TEMPLATE = "invoice_document.html"

_TITLES = {"invoice": "Faktura", "credit": "Kreditnota"}
_FILE_PREFIXES = {"invoice": "faktura", "credit": "kreditnota"}
_TEST_BANNER = "TESTFAKTURA – skal ikke betales"
_TEST_NOTE = "Dette er et testdokument: selgeropplysningene er ikke bekreftet ennå."


# --- what both documents show ------------------------------------------------------------------


@dataclass(frozen=True)
class _PartyView:
    name: str
    organisation_number: str | None  # "958 935 420"
    vat_registered: bool
    address: tuple[str, ...]
    contact_name: str | None
    email: str | None
    phone: str | None
    website: str | None


@dataclass(frozen=True)
class _View:
    invoice: InvoiceData
    credit: bool
    title: str
    seller: _PartyView
    buyer: _PartyView
    account: str | None  # "1234.56.78903"; None on credit notes
    vat_ore: int
    payable_ore: int
    footer: tuple[str, ...]


def _organisation_number(value: str | None, whose: str) -> str | None:
    if value is None:
        return None
    try:
        return orgnr.format(orgnr.validate(value))
    except StdnumError as exc:
        raise ValueError(
            f"the {whose}'s organisation number {value!r} is not valid: {exc}"
        ) from None


def _address(party: Party) -> tuple[str, ...]:
    lines = [party.street] if party.street else []
    place = " ".join(part for part in (party.postcode, party.city) if part)
    if place:
        lines.append(place)
    if party.country and party.country.upper() != "NO":
        lines.append(Locale.parse(LOCALE).territories.get(party.country.upper(), party.country))
    return tuple(lines)


def _party(party: Party, whose: str) -> _PartyView:
    return _PartyView(
        name=party.name,
        organisation_number=_organisation_number(party.organisation_number, whose),
        vat_registered=party.vat_registered,
        address=_address(party),
        contact_name=party.contact_name,
        email=party.email,
        phone=party.phone,
        website=party.website,
    )


def _view(data: InvoiceData) -> _View:
    """Check that ``data`` makes a lawful document and prepare what both formats print."""
    if data.kind not in _TITLES:
        raise ValueError(f"unknown document kind {data.kind!r}; expected 'invoice' or 'credit'")
    credit = data.kind == "credit"
    if data.currency != "NOK":
        raise ValueError(f"documents are in NOK, not {data.currency!r}")
    if not data.lines:
        raise ValueError(f"{_TITLES[data.kind].lower()} {data.number} has no lines")
    if data.seller.organisation_number is None:
        raise ValueError("the seller's organisation number is required (bokføringsforskriften)")
    if data.vat_rate_percent < 0:
        raise ValueError(f"a negative VAT rate: {data.vat_rate_percent}")
    if data.vat_rate_percent and not data.seller.vat_registered:
        raise ValueError("a seller that is not VAT registered cannot charge VAT")
    if credit:
        if data.credited_number is None or data.credited_issue_date is None:
            raise ValueError(
                f"credit note {data.number} must name the invoice it corrects "
                "(credited_number and credited_issue_date)"
            )
        account = None
    else:
        if data.due_date is None:
            raise ValueError(f"invoice {data.number} has no due date")
        try:
            account = kontonr.format(kontonr.validate(data.bank_account))
        except StdnumError as exc:
            raise ValueError(f"bank account {data.bank_account!r} is not valid: {exc}") from None
    # Line amounts are before VAT; the VAT is rounded half up to whole øre.
    vat_ore = int(
        (Decimal(data.total_ore) * data.vat_rate_percent / 100).to_integral_value(ROUND_HALF_UP)
    )
    seller = _party(data.seller, "seller")
    seller_id = f"Org.nr. {seller.organisation_number}" + (" MVA" if seller.vat_registered else "")
    footer = tuple(
        part
        for part in (
            seller.name,
            seller_id,
            seller.contact_name,
            seller.email,
            seller.phone,
            seller.website,
        )
        if part
    )
    return _View(
        invoice=data,
        credit=credit,
        title=_TITLES[data.kind],
        seller=seller,
        buyer=_party(data.buyer, "buyer"),
        account=account,
        vat_ore=vat_ore,
        payable_ore=data.total_ore + vat_ore,
        footer=footer,
    )


# --- HTML ----------------------------------------------------------------------------------------


def invoice_html(data: InvoiceData) -> str:
    """The invoice or credit note as a standalone HTML page in Norwegian bokmål.

    Raises ``ValueError`` when ``data`` lacks what the document must say (a due date on an
    invoice, the corrected invoice on a credit note, a valid account or organisation number).
    """
    view = _view(data)
    return environment.get_template(TEMPLATE).render(
        invoice=data,
        title=view.title,
        seller=view.seller,
        buyer=view.buyer,
        account=view.account,
        vat_ore=view.vat_ore,
        payable_ore=view.payable_ore,
        footer=view.footer,
    )


# --- PDF -----------------------------------------------------------------------------------------

_FAMILY = "OpenSans"
_FALLBACK_FAMILY = "helvetica"
# What latin-1 lacks but Babel or people write; the rest of what is not latin-1 becomes "?".
_TRANSLITERATE = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": ",",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2026": "...",
        "\u2007": "\u00a0",
        "\u202f": "\u00a0",
        "\u2009": " ",
        "\u20ac": "EUR",
    }
)
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _unicode_fonts() -> tuple[Path, Path] | None:
    """Open Sans regular and bold from the ``ttf-opensans`` package, or None without it."""
    try:
        folder = resources.files("ttf_opensans") / "ttf"
    except ModuleNotFoundError:
        return None
    regular, bold = folder / "OpenSans-Regular.ttf", folder / "OpenSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return None
    return Path(str(regular)), Path(str(bold))


class _Document(FPDF):
    def __init__(self, view: _View) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.view = view
        fonts = _unicode_fonts()
        if fonts:
            self.add_font(_FAMILY, "", fonts[0])
            self.add_font(_FAMILY, "B", fonts[1])
            self.family_name = _FAMILY
            self.unicode = True
        else:
            self.family_name = _FALLBACK_FAMILY
            self.unicode = False
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=22)

    def text_of(self, value: object) -> str:
        text = _UNSAFE.sub("", str(value))
        if self.unicode:
            return text
        return text.translate(_TRANSLITERATE).encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-15)
        self.font(8)
        self.set_text_color(90, 90, 90)
        text = " · " if self.unicode else " - "
        self.multi_cell(
            0, 4, self.text_of(text.join(self.view.footer)), align=Align.C, new_x=XPos.LMARGIN
        )
        self.cell(0, 4, f"Side {self.page_no()} av {{nb}}", align=Align.C)
        self.set_text_color(0, 0, 0)

    # -- building blocks --

    def line_of_text(self, text: str, size: float = 10, bold: bool = False, h: float = 5) -> None:
        self.font(size, bold)
        self.multi_cell(
            0, h, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=Align.L
        )

    def facts(
        self,
        rows: list[tuple[str, str]],
        x: float,
        label_w: float,
        value_w: float,
        bold_values: bool = False,
    ) -> None:
        for label, value in rows:
            self.set_x(x)
            self.font(10)
            self.set_text_color(70, 70, 70)
            self.cell(label_w, 5.5, self.text_of(label))
            self.set_text_color(0, 0, 0)
            self.font(10, bold_values)
            self.multi_cell(
                value_w,
                5.5,
                self.text_of(value),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
                align=Align.L,
            )

    def heading(self, text: str) -> None:
        self.font(9, bold=True)
        self.set_text_color(70, 70, 70)
        self.cell(0, 5, self.text_of(text.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)


def _draw(pdf: _Document) -> None:
    view, data = pdf.view, pdf.view.invoice
    pdf.add_page()
    width = pdf.epw

    if data.test:
        pdf.set_draw_color(176, 0, 32)
        pdf.set_fill_color(255, 243, 243)
        pdf.set_text_color(176, 0, 32)
        pdf.set_line_width(0.6)
        top = pdf.get_y()
        pdf.font(15, bold=True)
        pdf.cell(
            0,
            9,
            pdf.text_of(_TEST_BANNER),
            align=Align.C,
            fill=True,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.font(9)
        pdf.cell(
            0,
            6,
            pdf.text_of(_TEST_NOTE),
            align=Align.C,
            fill=True,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.rect(pdf.l_margin, top, width, pdf.get_y() - top)
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_fill_color(255, 255, 255)
        pdf.set_line_width(0.2)
        pdf.ln(6)

    # Title and facts on the left, the seller on the right.
    top = pdf.get_y()
    pdf.font(24, bold=True)
    pdf.cell(90, 12, pdf.text_of(view.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    facts = [
        ("Kreditnotanummer" if view.credit else "Fakturanummer", str(data.number)),
        ("Kreditnotadato" if view.credit else "Fakturadato", dato(data.issue_date)),
    ]
    if not view.credit:
        facts.append(("Forfallsdato", dato(data.due_date)))
    facts.append(("Deres referanse", data.buyer_reference))
    pdf.facts(facts, pdf.l_margin, 36, 62)
    left_bottom = pdf.get_y()

    seller = view.seller
    seller_lines = [
        *seller.address,
        f"Org.nr. {seller.organisation_number}" + (" MVA" if seller.vat_registered else ""),
    ]
    if not seller.vat_registered:
        seller_lines.append("Ikke merverdiavgiftspliktig")
    pdf.set_xy(pdf.l_margin + 100, top + 1)
    pdf.font(11, bold=True)
    column = width - 100
    pdf.multi_cell(
        column, 5.5, pdf.text_of(seller.name), align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.font(10)
    for line in seller_lines:
        pdf.multi_cell(
            column, 5, pdf.text_of(line), align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT
        )
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 6)

    if view.credit:
        pdf.line_of_text(
            f"Krediterer faktura nr. {data.credited_number} av {dato(data.credited_issue_date)}",
            size=11,
            bold=True,
            h=6,
        )
        if data.credit_reason:
            pdf.line_of_text(f"Årsak: {data.credit_reason}")
        pdf.ln(5)

    # The buyer on the left, the delivery on the right.
    top = pdf.get_y()
    buyer = view.buyer
    pdf.heading("Kjøper")
    pdf.font(10, bold=True)
    pdf.multi_cell(
        80, 5, pdf.text_of(buyer.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=Align.L
    )
    pdf.font(10)
    buyer_lines = [f"Att.: {buyer.contact_name}"] if buyer.contact_name else []
    buyer_lines += buyer.address
    if buyer.organisation_number:
        buyer_lines.append(f"Org.nr. {buyer.organisation_number}")
    for line in buyer_lines:
        pdf.multi_cell(80, 5, pdf.text_of(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=Align.L)
    left_bottom = pdf.get_y()
    delivery = []
    if data.delivery_place:
        delivery.append(("Leveringssted", data.delivery_place))
    if data.delivery_date:
        delivery.append(("Leveringsdato", dato(data.delivery_date)))
    if delivery:
        x = pdf.l_margin + 90
        pdf.set_xy(x, top)
        pdf.font(9, bold=True)
        pdf.set_text_color(70, 70, 70)
        pdf.cell(0, 5, pdf.text_of("LEVERING"), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.facts(delivery, x, 30, width - 90 - 30)
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 8)

    # The lines and the totals.
    amount_w, period_w = 32, 52
    description_w = width - amount_w - period_w
    pdf.font(10)
    with pdf.table(
        col_widths=(description_w, period_w, amount_w),
        text_align=(Align.L, Align.L, Align.R),
        borders_layout="HORIZONTAL_LINES",
        line_height=5.5,
        padding=(1.5, 0, 1.5, 0),
        headings_style=FontFace(emphasis="BOLD"),
    ) as table:
        heading = table.row()
        for text in ("Beskrivelse", "Periode", "Beløp"):
            heading.cell(pdf.text_of(text))
        for line in data.lines:
            if line.period_start and line.period_end:
                period = periode(line.period_start, line.period_end)
            elif line.period_start:
                period = f"fra {dato(line.period_start)}"
            else:
                period = ""
            row = table.row()
            row.cell(pdf.text_of(line.description))
            row.cell(pdf.text_of(period))
            row.cell(pdf.text_of(kr(line.amount_ore)))
    pdf.ln(2)
    totals = [
        ("Sum uten merverdiavgift", kr(data.total_ore), False),
        (f"Merverdiavgift {data.vat_rate_percent} %", kr(view.vat_ore), False),
        (
            f"{'Sum kreditert' if view.credit else 'Å betale'} ({data.currency})",
            kr(view.payable_ore),
            True,
        ),
    ]
    for label, value, bold in totals:
        pdf.font(11 if bold else 10, bold)
        pdf.cell(width - amount_w, 6.5, pdf.text_of(label), align=Align.R)
        pdf.cell(
            amount_w, 6.5, pdf.text_of(value), align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(8)

    if not view.credit:
        rows = [("Kontonummer", view.account)]
        if data.kid:
            rows.append(("KID-nummer", data.kid))
        rows += [("Beløp", kr(view.payable_ore)), ("Forfallsdato", dato(data.due_date))]
        hint = (
            "Oppgi KID-nummeret når dere betaler."
            if data.kid
            else f"Oppgi fakturanummer {data.number} når dere betaler."
        )
        height = 5 + 2 + 5.5 * len(rows) + 6 + 6
        if pdf.will_page_break(height):
            pdf.add_page()
        top = pdf.get_y()
        pdf.set_xy(pdf.l_margin + 4, top + 3)
        pdf.heading("Betaling")
        pdf.facts(rows, pdf.l_margin + 4, 36, width - 44, bold_values=True)
        pdf.set_x(pdf.l_margin + 4)
        pdf.font(9)
        pdf.cell(width - 8, 6, pdf.text_of(hint), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_line_width(0.3)
        pdf.rect(pdf.l_margin, top, width, pdf.get_y() - top + 2)
        pdf.set_line_width(0.2)
        pdf.ln(8)

    if data.note:
        pdf.line_of_text(data.note)


def invoice_pdf(data: InvoiceData) -> bytes:
    """The invoice or credit note as an A4 PDF with the same content as ``invoice_html``.

    Deterministic: the PDF's creation date is the issue date (00:00 Europe/Oslo), so the same
    data gives the same bytes. Raises ``ValueError`` like ``invoice_html``.
    """
    view = _view(data)
    pdf = _Document(view)
    pdf.set_creation_date(datetime.combine(data.issue_date, time(0), tzinfo=get_settings().tz))
    title = f"{view.title} {data.number}"
    pdf.set_title(f"TEST – {title}" if data.test else title)
    pdf.set_author(view.seller.name)
    pdf.set_subject(f"{title} til {view.buyer.name}")
    pdf.set_creator("kulturskole")
    pdf.set_lang("nb-NO")
    _draw(pdf)
    return bytes(pdf.output())


# --- file names ----------------------------------------------------------------------------------

_SUFFIX = re.compile(r"[a-z0-9]+")


def document_filename(data: InvoiceData, suffix: str) -> str:
    """The document's file name: ``faktura-17.html``, ``kreditnota-18.pdf``.

    ``suffix`` is the extension, with or without its dot ("pdf" or ".pdf").
    """
    if data.kind not in _FILE_PREFIXES:
        raise ValueError(f"unknown document kind {data.kind!r}; expected 'invoice' or 'credit'")
    extension = suffix.removeprefix(".").lower()
    if not _SUFFIX.fullmatch(extension):
        raise ValueError(f"not a file extension: {suffix!r}")
    return f"{_FILE_PREFIXES[data.kind]}-{data.number}.{extension}"
