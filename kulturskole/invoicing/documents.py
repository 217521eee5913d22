"""An invoice or credit note as a document a person reads: print-friendly HTML and an A4 PDF.

Both carry what bokføringsforskriften § 5-1-1 asks of a sales document: the number from the
series' unbroken sequence, the issue date, the seller's name, address and organisation number
("MVA" after it only when VAT registered, otherwise "Ikke merverdiavgiftspliktig"), the buyer's
name, address and organisation number, the kind and extent of the service (the lines and their
periods), what the instalment follows and when ("Gjelder: Fellessamling 1, 24.–25. september
2024"; a place of delivery only where a real one is known), price and total in NOK — the VAT
rate and amount only when the seller is VAT registered, otherwise a line saying no VAT is
charged —, the due date and the payment details (account "xxxx.xx.xxxxx", KID, the buyer's
reference). A credit note ("Kreditnota") has its own number from the same sequence and names the
invoice it corrects.
``InvoiceData.test`` puts "TESTFAKTURA – skal ikke betales" on top of both.

The HTML is ``notifications/templates/invoice_document.html`` through the project's jinja
environment (autoescaped; amounts with the ``kr`` filter, dates with ``dato``). The PDF is that
same page laid out by WeasyPrint with the template's print CSS (``kulturskole.invoicing.pdf``):
one layout, not two. Its creation date is the issue date, so the same data gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from babel import Locale
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import kontonr, orgnr

from kulturskole.invoicing.data import InvoiceData, Party
from notifications.render import LOCALE, environment

if TYPE_CHECKING:
    from models import Invoice

__all__ = ["TEMPLATE", "document_filename", "document_title", "invoice_html"]

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


# --- title -------------------------------------------------------------------------------------


def document_title(data: InvoiceData | Invoice) -> str:
    """The title with the number: "Faktura 17", "Kreditnota 18" (of the data or the stored
    invoice: both have ``kind`` and ``number``)."""
    return f"{_TITLES[data.kind]} {data.number}"


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
