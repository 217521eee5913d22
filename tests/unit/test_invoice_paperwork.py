"""An invoice and its credit note from rows held in memory to a valid EHF document: what is
fixed on the row at issue (KID, buyer, reference), what the documents say, and the EHF that
passes UBL 2.1 and EN 16931 validation (no database: the rows are never added to a session)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from kulturskole.invoicing.documents import invoice_html
from kulturskole.invoicing.ehf import NoEndpoint, ehf_xml
from kulturskole.invoicing.kid import kid_for
from kulturskole.invoicing.paperwork import NO_ORGANISATION_NUMBER, invoice_data, stamp
from kulturskole.invoicing.validation import NS, validate
from models import Case, GroupMember, Invoice, InvoicingDetails, Municipality, Person
from tests.builders.cases import GROUP
from tests.builders.programmes import PROGRAMME_FILE, programme_in_memory

PROGRAMME = programme_in_memory()
OSLO_KOMMUNE = "958935420"


def oslo(org_number: str | None = OSLO_KOMMUNE, *, group: bool = True) -> Case:
    case = Case(
        municipality_number="0301",
        municipality=Municipality(
            number="0301",
            name="Oslo",
            county_number="03",
            county_name="Oslo",
            org_number=org_number,
        ),
        contact=Person(name="Kari Søker", email="kari.0301@kommune.example.no"),
    )
    if group:
        case.members = [
            GroupMember(role=role, person=Person(name=name, email=email, phone=phone))
            for name, email, phone, role in GROUP
        ]
    return case


def first_instalment(number: int = 1) -> Invoice:
    return Invoice(
        series="fk-regionale-2024-2025",
        number=number,
        kind="invoice",
        instalment=1,
        amount_ore=666_667,
        issue_date=date(2024, 9, 26),
        due_date=date(2024, 10, 26),
        status="issued",
        trigger_event_id="joint-gathering-1",
    )


def credit_note(credited: Invoice) -> Invoice:
    return Invoice(
        series=credited.series,
        number=credited.number + 1,
        kind="credit",
        instalment=credited.instalment,
        amount_ore=credited.amount_ore,
        issue_date=date(2024, 10, 1),
        due_date=None,
        status="issued",
        trigger_event_id=credited.trigger_event_id,
        reason="Feil beløp",
    )


def stamped(case: Case | None = None, number: int = 1) -> Invoice:
    invoice = first_instalment(number)
    stamp(invoice, PROGRAMME, case or oslo())
    return invoice


def text(xml: bytes, path: str) -> str:
    return etree.fromstring(xml).xpath(f"string({path})", namespaces=NS)


def test_at_issue_the_kid_the_buyer_and_the_coordinator_as_reference_are_fixed() -> None:
    invoice = stamped(number=17)
    assert invoice.kid == kid_for(17, "0301", "24") == "2403010000017" + invoice.kid[-1]
    assert invoice.buyer_name == "Oslo kommune"
    assert invoice.buyer_org_number == OSLO_KOMMUNE
    assert invoice.buyer_reference == "Ola Koordinator"
    assert invoice.test is True  # the programme file's seller is not verified


def test_without_a_coordinator_the_contact_who_applied_is_the_reference() -> None:
    assert stamped(oslo(group=False)).buyer_reference == "Kari Søker"


def test_a_verified_seller_makes_a_real_invoice(tmp_path: Path) -> None:
    text_of_file = PROGRAMME_FILE.read_text(encoding="utf-8")
    assert "  verified: false\n" in text_of_file
    edited = tmp_path / "programme.yaml"
    edited.write_text(text_of_file.replace("  verified: false\n", "  verified: true\n"), "utf-8")
    invoice = first_instalment()
    stamp(invoice, programme_in_memory(edited), oslo())
    assert invoice.test is False


def test_the_documents_say_what_the_programme_file_and_the_stamped_row_say() -> None:
    invoice = stamped()
    data = invoice_data(PROGRAMME, invoice)
    assert (data.kind, data.number, data.series) == ("invoice", 1, "fk-regionale-2024-2025")
    assert (data.issue_date, data.due_date) == (date(2024, 9, 26), date(2024, 10, 26))
    assert data.kid == kid_for(1, "0301", "24") and data.bank_account == "99999999987"
    assert data.seller.name == "Norsk kulturskoleråd"
    assert data.seller.organisation_number == "999999980" and data.seller.city == "Trondheim"
    assert data.seller.contact_name == "Åste Selnæs Domaas"
    assert data.buyer.name == "Oslo kommune" and data.buyer.organisation_number == OSLO_KOMMUNE
    assert data.buyer_reference == "Ola Koordinator"
    (line,) = data.lines
    assert line.description == (
        "Deltakeravgift Fremtidens kulturskole – regionale program 2024–2025, avdrag 1 av 3"
    )
    assert line.amount_ore == data.total_ore == 666_667
    assert (line.period_start, line.period_end) == (date(2024, 8, 1), date(2025, 12, 31))
    # The gathering the instalment follows is what it is about ("Gjelder"), not a place
    assert data.delivery_place is None
    assert data.regarding == "Fellessamling 1, 24.–25. september 2024"
    assert data.delivery_date == date(2024, 9, 25)
    assert data.test is True and data.credited_number is None


def test_the_ehf_of_an_invoice_built_in_memory_passes_validation_and_carries_the_kid() -> None:
    xml = ehf_xml(invoice_data(PROGRAMME, stamped()))
    assert validate(xml) == []
    assert text(xml, "cac:PaymentMeans/cbc:PaymentID") == kid_for(1, "0301", "24")
    assert text(xml, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID") == OSLO_KOMMUNE
    assert text(xml, "cbc:BuyerReference") == "Ola Koordinator"
    assert "Gjelder: Fellessamling 1, 24.–25. september 2024" in text(xml, "cbc:Note")
    assert text(xml, "cac:Delivery/cbc:ActualDeliveryDate") == "2024-09-25"
    assert text(xml, "cac:Delivery/cac:DeliveryLocation") == ""
    assert text(xml, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "6666.67"


def test_a_credit_note_goes_to_the_buyer_the_invoice_named_and_refers_to_it() -> None:
    invoice = stamped()
    renamed = oslo("964338531")  # the municipality's register changed after the invoice
    renamed.municipality.name = "Nye Oslo"
    credit = credit_note(invoice)
    stamp(credit, PROGRAMME, renamed, credited=invoice)
    assert (credit.buyer_name, credit.buyer_org_number, credit.buyer_reference) == (
        "Oslo kommune",
        OSLO_KOMMUNE,
        "Ola Koordinator",
    )
    assert credit.kid is None
    data = invoice_data(PROGRAMME, credit, credited=invoice)
    assert data.kind == "credit" and data.number == 2
    assert (data.credited_number, data.credited_issue_date) == (1, date(2024, 9, 26))
    assert data.credit_reason == "Feil beløp"
    xml = ehf_xml(data)
    assert validate(xml) == []
    assert text(xml, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "1"


def test_a_municipality_without_an_organisation_number_gets_no_ehf() -> None:
    invoice = stamped(oslo(org_number=None))
    assert invoice.buyer_org_number is None
    with pytest.raises(NoEndpoint):
        ehf_xml(invoice_data(PROGRAMME, invoice))
    assert invoice_data(PROGRAMME, invoice).note == NO_ORGANISATION_NUMBER


def test_without_details_the_buyer_is_the_municipality_by_its_own_name() -> None:
    case = oslo()
    case.municipality.name = "Våler (Østfold)"
    invoice = stamped(case)
    assert invoice.buyer_name == "Våler kommune"
    assert invoice.buyer_peppol_id == f"0192:{OSLO_KOMMUNE}"
    assert (invoice.buyer_email, invoice.buyer_address) == (None, None)
    assert invoice_data(PROGRAMME, invoice).note is None


def test_the_invoicing_details_are_stamped_and_reach_the_documents_and_the_ehf() -> None:
    case = oslo()
    case.invoicing_details = InvoicingDetails(
        name="Oslo kommune, Utdanningsetaten",
        org_number="974590778",
        peppol_id="0192:974590778",
        email="faktura@ude.oslo.kommune.example.no",
        address="Postboks 6127 Etterstad\n0602 Oslo",
        reference="PO-2024-117",
    )
    invoice = stamped(case)
    assert invoice.buyer_name == "Oslo kommune, Utdanningsetaten"
    assert invoice.buyer_org_number == "974590778"
    assert invoice.buyer_reference == "PO-2024-117"  # the buyer's own, not the coordinator
    assert invoice.buyer_email == "faktura@ude.oslo.kommune.example.no"
    assert invoice.buyer_peppol_id == "0192:974590778"
    data = invoice_data(PROGRAMME, invoice)
    assert (data.buyer.street, data.buyer.postcode, data.buyer.city) == (
        "Postboks 6127 Etterstad",
        "0602",
        "Oslo",
    )
    xml = ehf_xml(data)
    assert validate(xml) == []
    buyer = "cac:AccountingCustomerParty/cac:Party/"
    assert text(xml, buyer + "cbc:EndpointID") == "974590778"
    assert text(xml, buyer + "cbc:EndpointID/@schemeID") == "0192"
    assert text(xml, buyer + "cac:PostalAddress/cbc:StreetName") == "Postboks 6127 Etterstad"
    assert text(xml, buyer + "cac:PostalAddress/cbc:PostalZone") == "0602"
    assert text(xml, buyer + "cac:PostalAddress/cbc:CityName") == "Oslo"
    assert text(xml, "cbc:BuyerReference") == "PO-2024-117"
    page = invoice_html(data)
    assert "Postboks 6127 Etterstad" in page and "0602 Oslo" in page and "PO-2024-117" in page
    credit = credit_note(invoice)
    stamp(credit, PROGRAMME, oslo(), credited=invoice)
    assert (credit.buyer_address, credit.buyer_email, credit.buyer_peppol_id) == (
        invoice.buyer_address,
        invoice.buyer_email,
        invoice.buyer_peppol_id,
    )


def test_a_buyer_without_an_organisation_number_is_named_with_its_address_and_the_rule() -> None:
    case = oslo(org_number=None)
    case.municipality.name = "Haram"
    case.invoicing_details = InvoicingDetails(address="Rådhusvegen 2\n6270 Brattvåg")
    invoice = stamped(case)
    assert (invoice.buyer_name, invoice.buyer_peppol_id) == ("Haram kommune", None)
    data = invoice_data(PROGRAMME, invoice)
    assert data.note == NO_ORGANISATION_NUMBER
    page = invoice_html(data)
    assert "bokføringsforskriften § 5-1-1" in page and "6270 Brattvåg" in page
    with pytest.raises(NoEndpoint):
        ehf_xml(data)
