"""The EHF document of an invoice or credit note: Peppol BIS Billing 3.0 (UBL 2.1).

EHF Billing 3.0 *is* Peppol BIS Billing 3.0; Norway adds only the national rules NO-R-001
(a Norwegian seller's VAT number is ``NO`` + organisation number + ``MVA``) and NO-R-002 (a
*warning*: sellers that are AS, ASA or NUF must state «Foretaksregisteret», in UBL a second
``PartyTaxScheme`` with ``CompanyID`` "Foretaksregisteret" and ``TaxScheme/ID`` "TAX" — not
``CompanyLegalForm``). Both parties are addressed by organisation number (EAS ``0192``).

VAT: the council is not VAT registered, so every line is category **O** ("not subject to VAT"):
no seller VAT identifier, no rate, tax amount 0.00 and an exemption reason. A VAT-registered
seller with a positive rate gets category **S**, the line amounts then being net amounts (as
EN 16931 defines them). Any other combination raises :class:`UnsupportedVat`.

Amounts are integer øre, written with two decimals by integer arithmetic. The output is
deterministic: the same :class:`InvoiceData` gives the same bytes.
"""

from __future__ import annotations

from datetime import date

from lxml import etree
from stdnum.no import orgnr as _orgnr

from kulturskole.invoicing.data import InvoiceData, Line, Party

__all__ = [
    "CUSTOMIZATION_ID",
    "NoEndpoint",
    "PROFILE_ID",
    "UnsupportedVat",
    "ehf_xml",
    "format_amount",
]

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NORWEGIAN_ORGNR_SCHEME = "0192"  # EAS / ICD: Enhetsregisteret's organisation number
CREDIT_TRANSFER = "30"  # UNCL4461
UNIT_CODE = "C62"  # UN/ECE rec 20: "one" (a unit)
TAX_EXEMPTION_CODE_O = "VATEX-EU-O"
TAX_EXEMPTION_REASON_O = (
    "Ikke merverdiavgiftspliktig: selger er ikke registrert i Merverdiavgiftsregisteret"
)

_NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_NS_CREDIT = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
_NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


class NoEndpoint(ValueError):
    """A party has no (valid) Norwegian organisation number, so it has no Peppol address and
    the document cannot be sent as EHF: send it by other means (PDF by e-mail or post)."""


class UnsupportedVat(ValueError):
    """The VAT situation is not one this module writes (only category O, or S when the seller
    is VAT registered and the rate positive)."""


def format_amount(ore: int) -> str:
    """Øre as a decimal amount with two decimals, by integer arithmetic: 666667 → "6666.67"."""
    if isinstance(ore, bool) or not isinstance(ore, int):
        raise TypeError(f"amounts are integer øre, not {type(ore).__name__}: {ore!r}")
    kroner, rest = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{kroner}.{rest:02d}"


def ehf_xml(data: InvoiceData, *, foretaksregisteret: bool = False) -> bytes:
    """The EHF (Peppol BIS Billing 3.0) UBL document of ``data``, as UTF-8 bytes.

    ``kind == "invoice"`` gives an ``Invoice`` (type 380), ``"credit"`` a ``CreditNote`` (type
    381) that refers to the invoice it credits. ``foretaksregisteret``: the seller is registered
    in Foretaksregisteret (AS, ASA, NUF …), so the document states it (NO-R-002); a member
    organisation registered only in Enhetsregisteret leaves it False and must not claim it.

    Raises :class:`NoEndpoint` when the buyer (or seller) has no valid organisation number and
    :class:`UnsupportedVat` for a VAT situation other than category O or S.
    """
    credit = data.kind == "credit"
    if data.kind not in ("invoice", "credit"):
        raise ValueError(f"unknown document kind {data.kind!r}")
    buyer_orgnr = _endpoint(data.buyer, "buyer")
    seller_orgnr = _endpoint(data.seller, "seller")
    if not data.lines:
        raise ValueError(f"document {data.number} has no lines")
    if credit and (data.credited_number is None or data.credited_issue_date is None):
        raise ValueError(
            f"credit note {data.number} must name the invoice it credits "
            "(credited_number and credited_issue_date)"
        )
    if not credit and data.due_date is None:
        raise ValueError(f"invoice {data.number} has no due date")
    if not data.buyer_reference.strip():
        raise ValueError(f"document {data.number} has no buyer reference (PEPPOL-EN16931-R003)")
    category, percent = _vat_category(data)

    root_ns = _NS_CREDIT if credit else _NS_INVOICE
    root = etree.Element(
        f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: root_ns, "cac": _NS_CAC, "cbc": _NS_CBC},
    )
    currency = data.currency

    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", str(data.number))
    _cbc(root, "IssueDate", _date(data.issue_date))
    if credit:
        _cbc(root, "CreditNoteTypeCode", "381")
    else:
        _cbc(root, "DueDate", _date(data.due_date))
        _cbc(root, "InvoiceTypeCode", "380")
    note = _document_note(data)
    if note:
        _cbc(root, "Note", note)  # at most one note (PEPPOL-EN16931-R002)
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", data.buyer_reference.strip())
    if credit:
        invoice_ref = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(invoice_ref, "ID", str(data.credited_number))
        _cbc(invoice_ref, "IssueDate", _date(data.credited_issue_date))

    seller_party = _cac(_cac(root, "AccountingSupplierParty"), "Party")
    _party(
        seller_party,
        data.seller,
        seller_orgnr,
        vat_registered=data.seller.vat_registered,
        foretaksregisteret=foretaksregisteret,
    )
    buyer_party = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    _party(buyer_party, data.buyer, buyer_orgnr, vat_registered=False, foretaksregisteret=False)

    if data.delivery_date is not None or _text(data.delivery_place):
        delivery = _cac(root, "Delivery")
        if data.delivery_date is not None:
            _cbc(delivery, "ActualDeliveryDate", _date(data.delivery_date))
        if _text(data.delivery_place):
            address = _cac(_cac(delivery, "DeliveryLocation"), "Address")
            _cbc(_cac(address, "AddressLine"), "Line", _text(data.delivery_place))
            _country(address, data.buyer.country)

    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", CREDIT_TRANSFER, name="Kontooverføring")
    if data.kid:
        _cbc(means, "PaymentID", data.kid)
    _cbc(_cac(means, "PayeeFinancialAccount"), "ID", data.bank_account)
    _cbc(_cac(root, "PaymentTerms"), "Note", _payment_terms(data))

    net = sum(line.amount_ore for line in data.lines)
    tax = _tax_ore(net, percent)
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", tax, currency)
    subtotal = _cac(tax_total, "TaxSubtotal")
    _amount(subtotal, "TaxableAmount", net, currency)
    _amount(subtotal, "TaxAmount", tax, currency)
    _tax_category(subtotal, "TaxCategory", category, percent, exemption=True)

    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", net, currency)
    _amount(totals, "TaxExclusiveAmount", net, currency)
    _amount(totals, "TaxInclusiveAmount", net + tax, currency)
    _amount(totals, "PayableAmount", net + tax, currency)

    for index, line in enumerate(data.lines, start=1):
        _line(root, index, line, credit, currency, category, percent)

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- parts ------------------------------------------------------------------------------------


def _endpoint(party: Party, role: str) -> str:
    number = (party.organisation_number or "").replace(" ", "")
    if not number:
        raise NoEndpoint(
            f"the {role} {party.name!r} has no organisation number, so it has no EHF (Peppol) "
            "address: send this document as PDF instead"
        )
    if not _orgnr.is_valid(number):
        raise NoEndpoint(
            f"the {role} {party.name!r} has an invalid organisation number {number!r} "
            "(9 digits with a MOD11 check digit): no EHF address"
        )
    return number


def _endpoint_id(party: Party, number: str) -> tuple[str, str]:
    """The electronic address (BT-49/BT-34): the party's Peppol id "NNNN:identifier" when it
    has one, otherwise scheme 0192 and its organisation number."""
    if not _text(party.endpoint_id):
        return NORWEGIAN_ORGNR_SCHEME, number
    scheme, _, identifier = _text(party.endpoint_id).partition(":")
    if not (len(scheme) == 4 and scheme.isdigit() and identifier):
        raise ValueError(f"the Peppol id {party.endpoint_id!r} of {party.name!r} is not NNNN:id")
    return scheme, identifier


def _vat_category(data: InvoiceData) -> tuple[str, int | None]:
    rate = data.vat_rate_percent
    if not data.seller.vat_registered and rate == 0:
        return "O", None
    if data.seller.vat_registered and rate > 0:
        return "S", rate
    if data.seller.vat_registered:
        raise UnsupportedVat(
            "a VAT-registered seller at 0 % needs an exemption category (E or Z) and reason, "
            "which this module does not write"
        )
    raise UnsupportedVat(
        f"a seller that is not VAT registered cannot charge {rate} % VAT (category O has no rate)"
    )


def _tax_ore(net: int, percent: int | None) -> int:
    """VAT in øre, rounded half away from zero (EN 16931: amount × rate / 100, two decimals)."""
    if not percent:
        return 0
    tax, rest = divmod(abs(net) * percent, 100)
    if rest * 2 >= 100:
        tax += 1
    return -tax if net < 0 else tax


def _party(
    party_el: etree._Element,
    party: Party,
    number: str,
    *,
    vat_registered: bool,
    foretaksregisteret: bool,
) -> None:
    scheme, endpoint = _endpoint_id(party, number)
    _cbc(party_el, "EndpointID", endpoint, schemeID=scheme)
    _cbc(_cac(party_el, "PartyIdentification"), "ID", number, schemeID=NORWEGIAN_ORGNR_SCHEME)
    _cbc(_cac(party_el, "PartyName"), "Name", party.name)

    address = _cac(party_el, "PostalAddress")
    for tag, value in (
        ("StreetName", party.street),
        ("CityName", party.city),
        ("PostalZone", party.postcode),
    ):
        if _text(value):
            _cbc(address, tag, _text(value))
    _country(address, party.country)

    if vat_registered:  # NO-R-001: "NO" + organisation number + "MVA"
        vat = _cac(party_el, "PartyTaxScheme")
        _cbc(vat, "CompanyID", f"{party.country}{number}MVA")
        _cbc(_cac(vat, "TaxScheme"), "ID", "VAT")
    if foretaksregisteret:  # NO-R-002, as EHF Billing 3.0 (Norway) shows it
        register = _cac(party_el, "PartyTaxScheme")
        _cbc(register, "CompanyID", "Foretaksregisteret")
        _cbc(_cac(register, "TaxScheme"), "ID", "TAX")

    legal = _cac(party_el, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    _cbc(legal, "CompanyID", number, schemeID=NORWEGIAN_ORGNR_SCHEME)

    contact = [
        ("Name", _text(party.contact_name)),
        ("Telephone", _text(party.phone)),
        ("ElectronicMail", _text(party.email)),
    ]
    if any(value for _, value in contact):
        contact_el = _cac(party_el, "Contact")
        for tag, value in contact:
            if value:
                _cbc(contact_el, tag, value)


def _line(
    root: etree._Element,
    index: int,
    line: Line,
    credit: bool,
    currency: str,
    category: str,
    percent: int | None,
) -> None:
    line_el = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(line_el, "ID", str(index))
    _cbc(line_el, "CreditedQuantity" if credit else "InvoicedQuantity", "1", unitCode=UNIT_CODE)
    _amount(line_el, "LineExtensionAmount", line.amount_ore, currency)
    if line.period_start is not None or line.period_end is not None:
        period = _cac(line_el, "InvoicePeriod")
        if line.period_start is not None:
            _cbc(period, "StartDate", _date(line.period_start))
        if line.period_end is not None:
            _cbc(period, "EndDate", _date(line.period_end))
    item = _cac(line_el, "Item")
    _cbc(item, "Name", line.description)
    _tax_category(item, "ClassifiedTaxCategory", category, percent, exemption=False)
    _amount(_cac(line_el, "Price"), "PriceAmount", line.amount_ore, currency)


def _tax_category(
    parent: etree._Element, tag: str, category: str, percent: int | None, *, exemption: bool
) -> None:
    el = _cac(parent, tag)
    _cbc(el, "ID", category)
    if percent is not None:
        _cbc(el, "Percent", str(percent))
    if exemption and category == "O":  # BR-O-10: an exemption reason in the VAT breakdown
        _cbc(el, "TaxExemptionReasonCode", TAX_EXEMPTION_CODE_O)
        _cbc(el, "TaxExemptionReason", TAX_EXEMPTION_REASON_O)
    _cbc(_cac(el, "TaxScheme"), "ID", "VAT")


def _document_note(data: InvoiceData) -> str:
    parts = []
    if data.test:
        parts.append("TESTFAKTURA – skal ikke betales")
    if data.kind == "credit" and _text(data.credit_reason):
        parts.append(_text(data.credit_reason))
    if _text(data.regarding):
        parts.append(f"Gjelder: {_text(data.regarding)}")
    if _text(data.note):
        parts.append(_text(data.note))
    return "\n".join(parts)


def _payment_terms(data: InvoiceData) -> str:
    account = data.bank_account
    if len(account) == 11 and account.isdigit():
        account = f"{account[:4]}.{account[4:6]}.{account[6:]}"
    if data.kind == "credit":
        text = (
            f"Kreditnota til faktura nr. {data.credited_number} "
            f"datert {data.credited_issue_date:%d.%m.%Y}."
        )
        if data.kid:
            text += f" KID {data.kid}."
        return text
    text = f"Betales innen {data.due_date:%d.%m.%Y} til konto {account}"
    return text + (f" med KID {data.kid}." if data.kid else ".")


# --- element helpers --------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


def _date(value: date | None) -> str:
    assert value is not None
    return value.isoformat()


def _cac(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{_NS_CAC}}}{tag}")


def _cbc(parent: etree._Element, tag: str, text: str, **attributes: str) -> etree._Element:
    if not text:  # PEPPOL-EN16931-R008: no empty elements
        raise ValueError(f"empty value for cbc:{tag}")
    el = etree.SubElement(parent, f"{{{_NS_CBC}}}{tag}", attributes)
    el.text = text
    return el


def _amount(parent: etree._Element, tag: str, ore: int, currency: str) -> etree._Element:
    return _cbc(parent, tag, format_amount(ore), currencyID=currency)


def _country(address: etree._Element, country: str) -> None:
    _cbc(_cac(address, "Country"), "IdentificationCode", (country or "NO").strip().upper())
