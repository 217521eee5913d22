"""Importing bank payment files: matched by KID, recorded with history, the rest reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kulturskole.db import unit_of_work
from kulturskole.history import verify
from kulturskole.invoicing import issuing
from kulturskole.invoicing.ledger import credit, record_payment
from kulturskole.payments import parse_ocr
from kulturskole.payments.importing import import_payments
from models import HistoryEntry, Invoice, Payment
from tests.builders.invoicing import active, invoices, nr, on
from tests.builders.payments import camt_file, ocr_file
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"  # the first instalment is invoiced: 6666.67 per case
FULL = 666_667


@pytest.fixture
def kids(engine: Engine) -> list[str]:
    active(engine, "0301", "5001")
    issuing.run(engine, on(AFTER_FIRST))
    found = [i.kid for i in invoices(engine)]
    assert len(found) == 2 and all(found)
    return found


def import_file(cli: CliRunner, tmp_path: Path, name: str, data: bytes) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    result = run(cli, "payments", "import", str(path), "--json", "--as-of", "2024-10-20")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def payments(engine: Engine) -> list[Payment]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Payment).order_by(Payment.id)))


def actions(engine: Engine) -> list[str]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(HistoryEntry.action).order_by(HistoryEntry.id)))


def history_count(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(HistoryEntry))


def test_a_camt054_file_marks_every_invoice_paid_with_its_history(
    engine: Engine, kids: list[str], cli: CliRunner, tmp_path: Path
) -> None:
    data = camt_file([(kids[0], FULL, "2024-10-01"), (kids[1], FULL, "2024-10-02")])
    report = import_file(cli, tmp_path, "bank.xml", data)
    assert report["counts"]["paid"] == 2 and report["unmatched"] == []
    assert [(i.status, str(i.paid_on)) for i in invoices(engine)] == [
        ("paid", "2024-10-01"),
        ("paid", "2024-10-02"),
    ]
    rows = payments(engine)
    assert [(p.kid, p.amount_ore, p.source) for p in rows] == [
        (kids[0], FULL, f"{tmp_path / 'bank.xml'}:15"),
        (kids[1], FULL, f"{tmp_path / 'bank.xml'}:30"),
    ]
    assert rows[0].reference == "camt:NTF1-1:NTF1-1-1" and rows[0].imported_at.tzinfo
    assert actions(engine)[-4:] == [
        "payment-received",
        "invoice-paid",
        "payment-received",
        "invoice-paid",
    ]
    with unit_of_work(engine) as session:
        entry = session.scalars(
            select(HistoryEntry).where(HistoryEntry.action == "payment-received")
        ).first()
        assert entry.details["number"] == nr(1) and entry.details["amount_ore"] == FULL
        assert entry.details["balance_ore"] == 0
        assert entry.details["reference"] == "camt:NTF1-1:NTF1-1-1"
        assert str(entry.effective_on) == "2024-10-20"
        assert list(verify(session)) == []


def test_a_partial_payment_leaves_a_balance_and_a_second_completes_it(
    engine: Engine, kids: list[str], cli: CliRunner, tmp_path: Path
) -> None:
    first = import_file(cli, tmp_path, "a.txt", ocr_file([(kids[0], 400_000, "2024-10-01")], 1))
    assert first["counts"]["partial"] == 1
    assert (first["recorded"][0]["invoice"], first["recorded"][0]["balance"]) == (nr(1), "2666.67")
    assert invoices(engine)[0].status in ("issued", "sent")
    second = import_file(cli, tmp_path, "b.txt", ocr_file([(kids[0], 266_667, "2024-10-05")], 2))
    assert second["counts"]["paid"] == 1 and second["recorded"][0]["balance"] == "0.00"
    invoice = invoices(engine)[0]
    assert (invoice.status, str(invoice.paid_on)) == ("paid", "2024-10-05")
    assert [p.amount_ore for p in payments(engine)] == [400_000, 266_667]


def test_two_partial_payments_in_one_file_add_up(engine: Engine, kids: list[str]) -> None:
    lines = parse_ocr(
        ocr_file([(kids[1], 600_000, "2024-10-01"), (kids[1], 66_667, "2024-10-03")]), "x.txt"
    )
    with unit_of_work(engine) as session:
        report = import_payments(session, lines, on("2024-10-20"))
    assert [(o.category, o.balance) for o in report.outcomes] == [
        ("partial", "666.67"),
        ("paid", "0.00"),
    ]
    assert invoices(engine)[1].status == "paid"


def test_unknown_or_missing_kid_and_overpayment_are_reported_and_not_recorded(
    engine: Engine, kids: list[str], cli: CliRunner, tmp_path: Path
) -> None:
    before = history_count(engine)
    data = ocr_file(
        [
            ("00000091", FULL, "2024-10-01"),  # a valid KID of no invoice
            ("", 1_000, "2024-10-01"),
            (kids[0], FULL + 1, "2024-10-01"),
        ]
    )
    report = import_file(cli, tmp_path, "bank.txt", data)
    assert {k: v for k, v in report["counts"].items() if v} == {
        "unknown-kid": 1,
        "no-kid": 1,
        "overpayment": 1,
    }
    sources = [(u["source"], u["category"]) for u in report["unmatched"]]
    name = str(tmp_path / "bank.txt")
    assert sources == [
        (f"{name}:3", "unknown-kid"),
        (f"{name}:5", "no-kid"),
        (f"{name}:7", "overpayment"),
    ]
    assert "balance 6666.67" in report["unmatched"][2]["reason"]
    assert payments(engine) == [] and history_count(engine) == before
    assert {i.status for i in invoices(engine)} <= {"issued", "sent"}


def test_payment_to_a_paid_or_credited_invoice_is_reported(
    engine: Engine, kids: list[str], cli: CliRunner, tmp_path: Path
) -> None:
    with unit_of_work(engine) as session:
        record_payment(session, nr(1), on("2024-10-01").as_of, on("2024-10-01"))
    with unit_of_work(engine) as session:
        credit(session, nr(2), "feil mottaker", on("2024-10-01"))
    before = history_count(engine)
    data = camt_file([(kids[0], FULL, "2024-10-02"), (kids[1], FULL, "2024-10-02")])
    report = import_file(cli, tmp_path, "bank.xml", data)
    assert [(u["category"], u["invoice"], u["reason"]) for u in report["unmatched"]] == [
        ("not-open", nr(1), f"invoice {nr(1)} is paid"),
        ("not-open", nr(2), f"invoice {nr(2)} is credited"),
    ]
    assert payments(engine) == [] and history_count(engine) == before


def test_the_same_file_imported_twice_records_nothing_twice(
    engine: Engine, kids: list[str], cli: CliRunner, tmp_path: Path
) -> None:
    data = ocr_file([(kids[0], 100_000, "2024-10-01"), (kids[1], FULL, "2024-10-01")])
    first = import_file(cli, tmp_path, "bank.txt", data)
    assert (first["counts"]["partial"], first["counts"]["paid"]) == (1, 1)
    after_first = history_count(engine)
    second = import_file(cli, tmp_path, "bank.txt", data)
    assert second["counts"]["already-imported"] == 2 and second["recorded"] == []
    assert len(payments(engine)) == 2 and history_count(engine) == after_first
    result = run(cli, "payments", "import", str(tmp_path / "bank.txt"))
    assert result.exit_code == 0
    assert "already-imported: 2" in result.stdout and "already imported" in result.stdout


@pytest.mark.parametrize(
    ("name", "spoil", "line"),
    [
        ("bank.txt", lambda d: d.replace(b"NY091031", b"NY09103", 1), 4),
        ("bank.xml", lambda d: d.replace(b"</Ntry>", b"</Ntr>", 1), 21),
    ],
)
def test_a_malformed_file_records_nothing_and_exits_2_naming_the_line(
    engine: Engine, kids: list[str], cli: CliRunner, tmp_path: Path, name, spoil, line: int
) -> None:
    pays = [(kids[0], FULL, "2024-10-01"), (kids[1], FULL, "2024-10-01")]
    data = ocr_file(pays) if name.endswith(".txt") else camt_file(pays)
    path = tmp_path / name
    path.write_bytes(spoil(data))
    before = history_count(engine)
    result = run(cli, "payments", "import", str(path))
    assert result.exit_code == 2
    [message] = result.stderr.strip().splitlines()
    assert message.startswith(f"error: {path}:{line}: ")
    assert payments(engine) == [] and history_count(engine) == before
    with unit_of_work(engine) as session:
        assert {i.status for i in session.scalars(select(Invoice))} <= {"issued", "sent"}
