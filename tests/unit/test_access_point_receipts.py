"""The folder drop's answers: what the provider writes into receipts.jsonl, read as the contract
says (delivered, rejected with the reason, nothing known yet), a malformed line skipped with a
warning naming its line, the last line for a reference winning."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kulturskole.invoicing.delivery import RECEIPTS, AccessPoint, DeliveryUnavailable, FolderDrop
from kulturskole.invoicing.delivery.folder import reference
from tests.support.ubl_documents import document


def handed_over(tmp_path: Path, *numbers: int) -> tuple[FolderDrop, list[str]]:
    drop = FolderDrop(tmp_path / "outbox")
    return drop, [drop.send(document(n)).message_id for n in numbers]


def provider_writes(drop: FolderDrop, *lines: str | dict) -> None:
    with open(drop.path / RECEIPTS, "a", encoding="utf-8") as out:
        for line in lines:
            out.write((json.dumps(line) if isinstance(line, dict) else line) + "\n")


def test_the_folder_drop_is_an_access_point_that_answers_status(tmp_path: Path) -> None:
    drop, [ref] = handed_over(tmp_path, 1001)
    assert isinstance(drop, AccessPoint)
    assert drop.status(ref) is None  # no receipts.jsonl yet: nothing known
    [entry] = drop.entries()
    assert reference(entry) == ref  # the reference the provider names is the receipt's


def test_delivered_and_rejected_as_the_provider_says(tmp_path: Path) -> None:
    drop, [first, second, third] = handed_over(tmp_path, 1001, 1002, 1003)
    provider_writes(
        drop,
        {"reference": first, "status": "delivered", "at": "2024-09-27T08:30:00Z"},
        {
            "reference": second,
            "status": "rejected",
            "reason": "Receiver 0192:964338531 is not registered in Peppol",
            "at": "2024-09-27T10:00:00+02:00",
        },
    )
    delivered = drop.status(first)
    assert (delivered.status, delivered.message_id, delivered.reason) == ("delivered", first, None)
    assert delivered.at == datetime(2024, 9, 27, 8, 30, tzinfo=UTC)
    rejected = drop.status(second)
    assert (rejected.status, rejected.reason) == (
        "rejected",
        "Receiver 0192:964338531 is not registered in Peppol",
    )
    assert rejected.at == datetime(2024, 9, 27, 8, 0, tzinfo=UTC)
    assert drop.status(third) is None  # the provider has not answered for this one yet
    assert drop.status("FK-9999-0000000000000000") is None  # nor for one never handed over


def test_blank_lines_a_rejection_without_reason_and_an_answer_without_time(
    tmp_path: Path,
) -> None:
    drop, [first, second] = handed_over(tmp_path, 1001, 1002)
    provider_writes(
        drop,
        "",
        "   ",
        {"reference": first, "status": "rejected"},
        "",
        {"reference": second, "status": "delivered", "at": "2024-09-27T08:30:00"},
    )
    assert drop.status(first).reason == "rejected without a reason"
    assert drop.status(second).at == datetime(2024, 9, 27, 8, 30, tzinfo=UTC)  # naive: UTC


def test_the_last_line_for_a_reference_wins(tmp_path: Path) -> None:
    drop, [ref] = handed_over(tmp_path, 1001)
    provider_writes(drop, {"reference": ref, "status": "rejected", "reason": "Timeout at receiver"})
    assert drop.status(ref).status == "rejected"
    provider_writes(drop, {"reference": ref, "status": "delivered"})
    assert drop.status(ref).status == "delivered"  # the file changed: read again


def test_a_malformed_line_is_skipped_with_its_line_number_and_the_rest_still_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    drop, [first, second, third] = handed_over(tmp_path, 1001, 1002, 1003)
    provider_writes(
        drop,
        {"reference": first, "status": "delivered"},
        '{"reference": "torn',  # line 2: not JSON
        '["a", "list"]',  # line 3: not an object
        {"status": "delivered"},  # line 4: no reference
        {"reference": second, "status": "lost"},  # line 5: unknown status
        {"reference": second, "status": "delivered", "at": "yesterday"},  # line 6: bad time
        {"reference": third, "status": "rejected", "reason": ["not", "text"]},  # line 7
    )
    with open(drop.path / RECEIPTS, "ab") as out:
        out.write(b'{"reference": "\xff\xfe", "status": "delivered"}\n')  # line 8: not UTF-8
    with caplog.at_level(logging.WARNING, logger="kulturskole.invoicing.delivery.folder"):
        assert drop.status(first).status == "delivered"
        assert drop.status(second) is None and drop.status(third) is None
    skipped = [r.getMessage() for r in caplog.records]
    assert [m.split(" line ", 1)[1].split(" ", 1)[0] for m in skipped] == [
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
    ]
    assert all(str(drop.path / RECEIPTS) in m for m in skipped)
    assert "neither delivered nor rejected" in skipped[3]
    assert "'yesterday' is not an ISO 8601 timestamp" in skipped[4]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kulturskole.invoicing.delivery.folder"):
        drop.status(second)  # unchanged file: read once, warned once
    assert caplog.records == []


def test_an_unreadable_receipts_file_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        drop, [ref] = handed_over(tmp_path, 1001)
        (drop.path / RECEIPTS).mkdir()  # root reads any file: a directory cannot be read
    else:  # pragma: no cover - as a user
        drop, [ref] = handed_over(tmp_path, 1001)
        provider_writes(drop, {"reference": ref, "status": "delivered"})
        (drop.path / RECEIPTS).chmod(0)
    with pytest.raises(DeliveryUnavailable, match="cannot read"):
        drop.status(ref)
