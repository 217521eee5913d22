"""The payment file parsers (camt.054 and OCR giro) against fixtures written from the specs."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from pathlib import Path

import pytest

from kulturskole.errors import InvalidFile
from kulturskole.payments import PaymentLine, parse_amount_ore, parse_camt054, parse_ocr

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "payments"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def camt(name: str = "camt054.xml") -> list[PaymentLine]:
    return parse_camt054(read(name), name)


def ocr(name: str = "ocr.txt") -> list[PaymentLine]:
    return parse_ocr(read(name), name)


# camt.054


def test_camt054_booked_credits_one_line_per_transaction() -> None:
    lines = camt()
    assert [(line.kid, line.amount_ore) for line in lines] == [
        ("0012300015", 1_250_000),
        ("0045600028", 1_000_000),
        ("0078900031", 2_099_999),
        ("0078900049", 51),
        ("", 70_000),
    ]
    assert {line.currency for line in lines} == {"NOK"}


def test_camt054_batch_entry_gives_three_lines_with_their_own_amounts() -> None:
    batch = [line for line in camt() if line.reference.startswith("camt:2025091500002:")]
    assert len(batch) == 3
    assert sum(line.amount_ore for line in batch) == 3_100_050
    assert {line.booked_on for line in batch} == {date(2025, 9, 15)}
    assert {line.value_on for line in batch} == {date(2025, 9, 16)}
    assert [line.payer_name for line in batch] == ["Haram kommune", "Trondheim kommune", None]


def test_camt054_debit_and_pending_entries_are_no_payments() -> None:
    amounts = {line.amount_ore for line in camt()}
    assert 25_000 not in amounts  # the debited fee
    assert 99_900 not in amounts  # the pending credit


def test_camt054_payer_dates_and_source_of_a_single_entry() -> None:
    first = camt()[0]
    assert first.payer_name == "Våler kommune"
    assert first.payer_account == "16021234561"
    assert first.booked_on == date(2025, 9, 15)
    assert first.value_on == date(2025, 9, 15)
    assert first.source == "camt054.xml:27"
    assert first.reference == "camt:2025091500001:2025091500001-1"


def test_camt054_digits_only_ustrd_is_a_kid_free_text_is_not() -> None:
    lines = camt()
    assert lines[3].kid == "0078900049"  # "00789 00049" in Ustrd
    assert lines[4].kid == ""  # "Kulturskoledagene faktura 17": unmatched for the importer
    assert lines[4].booked_on == date(2025, 9, 16)  # from BookgDt/DtTm
    assert lines[4].value_on is None


def test_camt054_references_are_unique_and_stable() -> None:
    references = [line.reference for line in camt()]
    assert len(set(references)) == len(references)
    assert references == [line.reference for line in camt()]


def test_camt054_version_02_is_read_too() -> None:
    (line,) = camt("camt054_v02.xml")
    assert line.kid == "0000000018"
    assert line.amount_ore == 150_000
    assert line.payer_name == "Åfjord kommune"
    assert line.booked_on == date(2025, 9, 12)


def test_camt054_another_currency_is_refused_naming_the_line() -> None:
    with pytest.raises(InvalidFile, match=r"^camt054_currency\.xml:64: amount in 'SEK'"):
        camt("camt054_currency.xml")


def test_camt054_bad_xml_is_refused_naming_the_line() -> None:
    with pytest.raises(InvalidFile, match=r"^camt054_bad\.xml:10: not well-formed XML"):
        camt("camt054_bad.xml")


def test_camt054_batch_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(InvalidFile, match=r"^camt054_batch_sum\.xml:46: .*add up to 3100051"):
        camt("camt054_batch_sum.xml")


def test_camt054_other_message_is_refused() -> None:
    data = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>'
    with pytest.raises(InvalidFile, match=r"^x\.xml:1: namespace .*camt\.053"):
        parse_camt054(data, "x.xml")


def test_camt054_entities_are_not_expanded() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04">&e;</Document>'
    )
    with pytest.raises(InvalidFile, match=r"^x\.xml:1: no BkToCstmrDbtCdtNtfctn"):
        parse_camt054(data, "x.xml")


# OCR giro


def test_ocr_two_assignments_every_transaction_in_ore() -> None:
    lines = ocr()
    assert [(line.kid, line.amount_ore) for line in lines] == [
        ("0012300015", 1_250_000),
        ("0045600028", 1_000_000),
        ("0078900031", 2_099_999),
        ("0078900049", 51),
        ("0000000018", 70_000),
    ]
    assert [line.booked_on for line in lines] == [date(2025, 9, 15)] * 2 + [date(2025, 9, 16)] * 3


def test_ocr_references_name_transmission_assignment_and_transaction() -> None:
    lines = ocr()
    assert [line.reference for line in lines] == [
        "ocr:1700001:2509150:0000001",
        "ocr:1700001:2509150:0000002",
        "ocr:1700001:2509160:0000001",
        "ocr:1700001:2509160:0000002",
        "ocr:1700001:2509160:0000003",
    ]
    assert [line.source for line in lines] == [f"ocr.txt:{n}" for n in (3, 5, 9, 11, 13)]


def test_ocr_payer_account_when_given() -> None:
    lines = ocr()
    assert lines[0].payer_account == "16021234561"
    assert lines[1].payer_account is None  # all zeros: not given
    assert {line.value_on for line in lines} == {None}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ocr_assignment_sum.txt", r"^ocr_assignment_sum\.txt:7: assignment states a sum of"),
        ("ocr_transmission_sum.txt", r"^ocr_transmission_sum\.txt:16: transmission states a sum"),
        ("ocr_short.txt", r"^ocr_short\.txt:9: record of 60 characters, not 80"),
        ("ocr_missing_31.txt", r"^ocr_missing_31\.txt:5: record type 30 without a record 31$"),
    ],
)
def test_ocr_broken_files_are_refused_naming_file_and_line(name: str, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        ocr(name)


def test_ocr_wrong_counts_and_order_are_refused() -> None:
    records = read("ocr.txt").decode("iso-8859-1").splitlines()
    wrong_count = records[:6] + [records[6][:8] + "00000003" + records[6][16:]] + records[7:]
    with pytest.raises(InvalidFile, match=r"^f:7: assignment states 3 transactions, holds 2"):
        parse_ocr("\n".join(wrong_count).encode("iso-8859-1"), "f")
    with pytest.raises(InvalidFile, match=r"^f:1: record type 20 before the start"):
        parse_ocr("\n".join(records[1:]).encode("iso-8859-1"), "f")
    with pytest.raises(InvalidFile, match=r"^f:15: the transmission has no end record"):
        parse_ocr("\n".join(records[:-1]).encode("iso-8859-1"), "f")
    with pytest.raises(InvalidFile, match=r"^f: the file holds no OCR records"):
        parse_ocr(b"\n", "f")


# shared


def test_amounts_are_exact_decimals() -> None:
    assert parse_amount_ore("0.1", "w") == 10
    assert parse_amount_ore("20999.99", "w") == 2_099_999
    assert parse_amount_ore(" 700 ", "w") == 70_000
    for bad in ("1.005", "-5", "abc", "", "NaN"):
        with pytest.raises(InvalidFile, match=r"^w: amount"):
            parse_amount_ore(bad, "w")


def test_payment_line_is_frozen() -> None:
    line = ocr()[0]
    with pytest.raises(FrozenInstanceError):
        line.kid = "1"  # type: ignore[misc]


def test_the_demo_banks_notification_reads_back_as_one_batch_entry() -> None:
    from kulturskole.payments.camt054 import Credit, write_camt054

    credits = [Credit("0301000018", 666667, "Oslo kommune"), Credit("00000000000017", 1)]
    data = write_camt054("DEMO20241021", date(2024, 10, 21), credits, account="99999999987")
    lines = parse_camt054(data, "demo.xml")
    assert [(line.kid, line.amount_ore) for line in lines] == [
        ("0301000018", 666667),
        ("00000000000017", 1),
    ]
    assert {line.booked_on for line in lines} == {date(2024, 10, 21)}
    assert lines[0].payer_name == "Oslo kommune"
    assert len({line.reference for line in lines}) == 2
    assert b"<NbOfTxs>2</NbOfTxs>" in data and b'<TtlAmt Ccy="NOK">6666.68</TtlAmt>' in data
