"""The folder drop: an atomic write, a manifest line, an idempotent resend, and a refusal of
another document under a number already handed over."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from kulturskole.config import Settings
from kulturskole.invoicing.delivery import (
    CHANNEL,
    CREDIT_NOTE_DOCUMENT_TYPE,
    INVOICE_DOCUMENT_TYPE,
    MANIFEST,
    PROCESS_ID,
    AccessPoint,
    AccessPointNotConfigured,
    DeliveryUnavailable,
    DocumentConflict,
    FolderDrop,
    HttpAccessPoint,
    UblDocument,
    configured_access_point,
)
from kulturskole.invoicing.delivery import folder as folder_module
from tests.support.ubl_documents import document, ubl_xml


def manifest_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path / MANIFEST).read_text().splitlines()]


def test_writes_the_document_and_its_manifest_line(tmp_path: Path) -> None:
    drop = FolderDrop(tmp_path / "outbox")
    doc = document(1001)
    receipt = drop.send(doc)

    written = tmp_path / "outbox" / "FK-1001.xml"
    assert written.read_bytes() == doc.xml
    assert receipt.status == "pending" and receipt.reason is None
    assert receipt.channel == CHANNEL == "EHF via aksesspunkt"
    assert receipt.message_id == f"FK-1001-{doc.sha256[:16]}"
    [entry] = manifest_lines(tmp_path / "outbox")
    assert entry["number"] == 1001 and entry["series"] == "FK" and entry["kind"] == "invoice"
    assert entry["receiver_id"] == "0192:964338531"
    assert entry["sha256"] == hashlib.sha256(doc.xml).hexdigest()
    assert entry["file"] == "FK-1001.xml"
    assert entry["written_at"].endswith("Z")
    assert entry["document_type_id"] == INVOICE_DOCUMENT_TYPE
    assert entry["process_id"] == PROCESS_ID
    assert not [p for p in (tmp_path / "outbox").iterdir() if p.name.endswith(".tmp")]


def test_write_is_atomic_a_failed_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop = FolderDrop(tmp_path)
    calls: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    def failing_replace(source: str, target: object) -> None:
        calls.append("replace")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(folder_module.os, "fsync", fsync)
    monkeypatch.setattr(folder_module.os, "replace", failing_replace)
    with pytest.raises(DeliveryUnavailable, match="No space left"):
        drop.send(document(1001))
    assert calls == ["fsync", "replace"]  # the data reached the disk before the rename
    assert not (tmp_path / "FK-1001.xml").exists()
    assert not (tmp_path / MANIFEST).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_sending_the_same_document_again_is_idempotent(tmp_path: Path) -> None:
    drop = FolderDrop(tmp_path)
    first = drop.send(document(1001))
    again = drop.send(document(1001))
    assert again == first
    assert len(manifest_lines(tmp_path)) == 1


def test_another_document_under_the_same_number_is_refused(tmp_path: Path) -> None:
    drop = FolderDrop(tmp_path)
    original = document(1001, amount="12500.00")
    drop.send(original)
    with pytest.raises(DocumentConflict, match="FK-1001 was already handed over"):
        drop.send(document(1001, amount="13000.00"))
    assert (tmp_path / "FK-1001.xml").read_bytes() == original.xml
    assert len(manifest_lines(tmp_path)) == 1


def test_an_unlisted_file_with_other_content_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "FK-1001.xml").write_bytes(b"<Invoice/>")
    with pytest.raises(DocumentConflict, match="refusing to overwrite"):
        FolderDrop(tmp_path).send(document(1001))
    assert (tmp_path / "FK-1001.xml").read_bytes() == b"<Invoice/>"


def test_a_file_written_before_a_crash_gets_its_manifest_line(tmp_path: Path) -> None:
    doc = document(1001)
    (tmp_path / "FK-1001.xml").write_bytes(doc.xml)  # renamed, then the process died
    assert FolderDrop(tmp_path).send(doc).status == "pending"
    assert [e["file"] for e in manifest_lines(tmp_path)] == ["FK-1001.xml"]


def test_several_documents_and_a_credit_note(tmp_path: Path) -> None:
    drop = FolderDrop(tmp_path)
    drop.send(document(1001))
    drop.send(document(1002))
    drop.send(document(1003, kind="credit"))
    entries = manifest_lines(tmp_path)
    assert [(e["number"], e["kind"]) for e in entries] == [
        (1001, "invoice"),
        (1002, "invoice"),
        (1003, "credit"),
    ]
    assert entries[2]["document_type_id"] == CREDIT_NOTE_DOCUMENT_TYPE
    assert drop.entries() == entries


def test_a_document_is_checked_before_it_is_handed_over() -> None:
    with pytest.raises(ValueError, match="root"):
        UblDocument(1, "FK", "credit", "0192:971277882", "0192:964338531", ubl_xml("invoice"))
    with pytest.raises(ValueError, match="valid organisation number"):
        UblDocument(1, "FK", "invoice", "0192:971277882", "0192:123456789", ubl_xml())
    with pytest.raises(ValueError, match="series"):
        UblDocument(1, "../x", "invoice", "0192:971277882", "0192:964338531", ubl_xml())
    with pytest.raises(ValueError, match="well-formed"):
        UblDocument(1, "FK", "invoice", "0192:971277882", "0192:964338531", b"<Invoice")


def test_configured_access_point_from_the_settings(tmp_path: Path) -> None:
    assert configured_access_point(Settings(access_point="none")) is None
    drop = configured_access_point(
        Settings(access_point="folder", access_point_folder=tmp_path / "ehf")
    )
    assert isinstance(drop, FolderDrop) and drop.path == tmp_path / "ehf"
    assert isinstance(drop, AccessPoint)
    http = configured_access_point(
        Settings(
            access_point="http",
            access_point_url="https://user:pw@ap.example/api/documents?x=1",
            access_point_token="s3cret-token",
            access_point_timeout=5,
        )
    )
    assert isinstance(http, HttpAccessPoint) and http.timeout == 5.0
    assert isinstance(http, AccessPoint)
    assert "s3cret-token" not in repr(http) and "pw" not in repr(http)
    with pytest.raises(AccessPointNotConfigured, match="KULTURSKOLE_ACCESS_POINT_TOKEN"):
        configured_access_point(Settings(access_point="http", access_point_url="https://ap.x"))


def test_settings_default_to_no_access_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KULTURSKOLE_ACCESS_POINT", raising=False)
    settings = Settings()
    assert settings.access_point == "none"
    assert settings.access_point_folder == Path("var/ehf-outbox")
    assert settings.access_point_timeout == 30.0
    assert "s3cret" not in repr(Settings(access_point_token="s3cret"))


def test_a_manifest_line_torn_by_a_crash_is_skipped_and_ended(tmp_path: Path) -> None:
    drop = FolderDrop(tmp_path)
    drop.send(document(1001))
    with open(tmp_path / MANIFEST, "a") as manifest:
        manifest.write('{"number": 1002, "series": "FK", "sha')  # the process died here
    drop.send(document(1002))
    lines = (tmp_path / MANIFEST).read_text().splitlines()
    assert len(lines) == 3 and lines[1].endswith('"sha')
    assert [e["number"] for e in drop.entries()] == [1001, 1002]
    assert drop.send(document(1002)).status == "pending"  # still idempotent
    assert len(drop.entries()) == 2
