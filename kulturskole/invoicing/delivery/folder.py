"""A folder drop: each document written as ``<series>-<number>.xml`` with a manifest line, for
the council's access-point provider (over SFTP or a shared folder) or its accounting system to
pick up.

The file is written whole or not at all: a temporary file in the same folder, fsync, rename,
fsync of the folder. The manifest (``manifest.jsonl``, one JSON object a line) gets its line
only after the file is in place, so a reader that follows the manifest never sees half a file.
Sending the same document again (same content) changes nothing and returns the same receipt;
a different document under a number already dropped is refused (:class:`DocumentConflict`),
since a number, once handed over, belongs to that document. The receipt says ``pending``: the
document has left the product, and the folder cannot tell whether it has reached the buyer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from kulturskole.invoicing.delivery.document import (
    CHANNEL,
    DeliveryUnavailable,
    Receipt,
    UblDocument,
)

try:  # POSIX: one sender at a time per folder
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["DocumentConflict", "FolderDrop", "MANIFEST"]

MANIFEST = "manifest.jsonl"
_LOCK = ".manifest.lock"
log = logging.getLogger(__name__)


class DocumentConflict(ValueError):
    """Another document has already been handed over under this series and number."""


class FolderDrop:
    """Writes documents into ``path`` for someone else to send on."""

    channel = CHANNEL

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"FolderDrop({str(self.path)!r})"

    def send(self, document: UblDocument) -> Receipt:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with self._locked():
                return self._send(document)
        except OSError as exc:
            raise DeliveryUnavailable(
                f"{document.name}: cannot write to {self.path}: {exc.strerror or exc}"
            ) from exc

    def entries(self) -> list[dict]:
        """The manifest's lines, oldest first."""
        manifest = self.path / MANIFEST
        if not manifest.exists():
            return []
        found = []
        for line in manifest.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:  # a line torn by a crash: its document is not listed
                log.warning("%s: skipping a torn manifest line: %.60s", manifest, line)
                continue
            if isinstance(entry, dict):
                found.append(entry)
        return found

    def _send(self, document: UblDocument) -> Receipt:
        file_name = f"{document.name}.xml"
        target = self.path / file_name
        digest = document.sha256
        entry = next(
            (
                e
                for e in self.entries()
                if e["series"] == document.series and e["number"] == document.number
            ),
            None,
        )
        if entry is not None:
            if entry["sha256"] != digest:
                raise DocumentConflict(
                    f"{document.name} was already handed over with other content "
                    f"(sha256 {entry['sha256'][:12]}…, written {entry['written_at']}): "
                    "a corrected invoice needs a credit note and a new number"
                )
            if not _same_content(target, digest):  # someone removed or changed the file
                _write_atomically(target, document.xml)
            log.info("%s already in %s: not written again", document.name, self.path)
            return _receipt(entry)
        if target.exists() and not _same_content(target, digest):
            raise DocumentConflict(
                f"{target} exists with other content and no manifest line: refusing to overwrite"
            )
        if not target.exists():
            _write_atomically(target, document.xml)
        entry = {
            "number": document.number,
            "series": document.series,
            "kind": document.kind,
            "sender_id": document.sender_id,
            "receiver_id": document.receiver_id,
            "document_type_id": document.document_type_id,
            "process_id": document.process_id,
            "sha256": digest,
            "file": file_name,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        _append_line(self.path / MANIFEST, json.dumps(entry, ensure_ascii=False))
        log.info("%s written to %s", document.name, target)
        return _receipt(entry)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if fcntl is None:  # pragma: no cover
            yield
            return
        with open(self.path / _LOCK, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _receipt(entry: dict) -> Receipt:
    at = datetime.fromisoformat(entry["written_at"].replace("Z", "+00:00"))
    message_id = f"{entry['series']}-{entry['number']}-{entry['sha256'][:16]}"
    return Receipt(status="pending", message_id=message_id, at=at)


def _same_content(path: Path, digest: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest
    except FileNotFoundError:
        return False


def _write_atomically(target: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(target.parent)


def _append_line(manifest: Path, line: str) -> None:
    with open(manifest, "a+b") as out:
        out.seek(0, os.SEEK_END)
        if out.tell():  # a line torn by a crash is ended first, not continued
            out.seek(-1, os.SEEK_END)
            if out.read(1) != b"\n":
                out.write(b"\n")
        out.write(line.encode("utf-8") + b"\n")
        out.flush()
        os.fsync(out.fileno())
    _fsync_directory(manifest.parent)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - not possible everywhere
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
