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

What became of it is the provider's answer, in the same folder: the contract with the
access-point provider (or the accounting system) is that it appends one JSON object a line to
``receipts.jsonl`` (:data:`RECEIPTS`) for each document it has sent on or given up on::

    {"reference": "fk-regionale-2024-2025-7-3f2a9c0b1d4e5f60", "status": "delivered",
     "at": "2025-01-08T09:12:00Z"}
    {"reference": "fk-regionale-2024-2025-8-9b1c...", "status": "rejected",
     "reason": "Receiver not registered in Peppol", "at": "2025-01-08T09:12:05+01:00"}

``reference`` is the receipt's ``message_id`` (``<series>-<number>-<first 16 hex digits of the
document's sha256>``, so an answer about an earlier version of a document never counts for a
later one); ``status`` is ``delivered`` or ``rejected``; ``reason`` says why a document was
rejected (optional for ``delivered``); ``at`` is an ISO 8601 timestamp (optional; without an
offset it is read as UTC). Blank lines are ignored; a line that is not such an object is
skipped with a logged warning naming its line number (the rest of the file still counts); when
several lines name the same reference, the last one wins. :meth:`FolderDrop.status` reads the
file and never writes it.
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

__all__ = ["DocumentConflict", "FolderDrop", "MANIFEST", "RECEIPTS", "reference"]

MANIFEST = "manifest.jsonl"
RECEIPTS = "receipts.jsonl"  # written by the provider: what became of each document
_MAX_REASON = 500
_LOCK = ".manifest.lock"
log = logging.getLogger(__name__)


class DocumentConflict(ValueError):
    """Another document has already been handed over under this series and number."""


class FolderDrop:
    """Writes documents into ``path`` for someone else to send on."""

    channel = CHANNEL

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # receipts.jsonl read once while it is unchanged: (mtime_ns, size) → answers
        self._receipts: tuple[tuple[int, int], dict[str, Receipt]] | None = None
        # the manifest read so far: (device, inode), bytes read (whole lines), and the first
        # line of each (series, number); a send reads only what was appended since
        self._manifest: tuple[tuple[int, int], int, dict[tuple[str, int], dict]] | None = None

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

    def status(self, document_reference: str) -> Receipt | None:
        """The provider's last answer about ``document_reference`` in ``receipts.jsonl``, or
        None when it has said nothing (yet) about it."""
        return self.receipts().get(document_reference)

    def receipts(self) -> dict[str, Receipt]:
        """The provider's answers, by reference (the last line for a reference wins)."""
        path = self.path / RECEIPTS
        try:
            info = path.stat()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise DeliveryUnavailable(f"cannot read {path}: {exc.strerror or exc}") from exc
        stamp = (info.st_mtime_ns, info.st_size)
        if self._receipts is not None and self._receipts[0] == stamp:
            return self._receipts[1]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DeliveryUnavailable(f"cannot read {path}: {exc.strerror or exc}") from exc
        answers: dict[str, Receipt] = {}
        for number, raw in enumerate(data.split(b"\n"), start=1):
            if not raw.strip():
                continue
            try:
                reference, receipt = _parse_receipt(raw)
            except ValueError as exc:
                log.warning("%s line %d skipped: %s", path, number, exc)
                continue
            answers[reference] = receipt
        self._receipts = (stamp, answers)
        return answers

    def entries(self) -> list[dict]:
        """The manifest's lines, oldest first."""
        manifest = self.path / MANIFEST
        if not manifest.exists():
            return []
        return _manifest_entries(manifest, manifest.read_bytes())

    def _send(self, document: UblDocument) -> Receipt:
        file_name = f"{document.name}.xml"
        target = self.path / file_name
        digest = document.sha256
        entry = self._listed(document.series, document.number)
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
        self._listed(document.series, document.number)  # reads just the line appended
        log.info("%s written to %s", document.name, target)
        return _receipt(entry)

    def _listed(self, series: str, number: int) -> dict | None:
        """The manifest's first line for ``series`` and ``number`` (as :meth:`entries` would
        find it), reading only the lines appended since the last call; the whole file again
        only when it was replaced or shortened. Called under the lock."""
        manifest = self.path / MANIFEST
        try:
            info = manifest.stat()
        except FileNotFoundError:
            self._manifest = None
            return None
        identity = (info.st_dev, info.st_ino)
        known = self._manifest
        if known is None or known[0] != identity or info.st_size < known[1]:
            known = (identity, 0, {})
        _, offset, listed = known
        tail = b""
        if info.st_size > offset:
            with open(manifest, "rb") as source:
                source.seek(offset)
                data = source.read()
            end = data.rfind(b"\n") + 1  # a last line without its newline: read again later
            for entry in _manifest_entries(manifest, data[:end]):
                with contextlib.suppress(TypeError):  # a series or number that is no key
                    listed.setdefault((entry.get("series"), entry.get("number")), entry)
            offset, tail = offset + end, data[end:]
        self._manifest = (identity, offset, listed)
        found = listed.get((series, number))
        if found is None and tail.strip():  # entries() counts a whole last line without "\n"
            with contextlib.suppress(ValueError):
                entry = json.loads(tail.decode("utf-8"))
                if isinstance(entry, dict) and (entry.get("series"), entry.get("number")) == (
                    series,
                    number,
                ):
                    found = entry
        return found

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


def _manifest_entries(manifest: Path, data: bytes) -> list[dict]:
    """The JSON objects of manifest lines, in order; a torn line is skipped with a warning."""
    found = []
    for line in data.decode("utf-8").splitlines():
        try:
            entry = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:  # a line torn by a crash: its document is not listed
            log.warning("%s: skipping a torn manifest line: %.60s", manifest, line)
            continue
        if isinstance(entry, dict):
            found.append(entry)
    return found


def _parse_receipt(raw: bytes) -> tuple[str, Receipt]:
    """One line of receipts.jsonl as (reference, receipt); ValueError says what is wrong."""
    try:
        entry = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg}): {raw[:60]!r}") from None
    if not isinstance(entry, dict):
        raise ValueError(f"not a JSON object: {raw[:60]!r}")
    reference = entry.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise ValueError("no reference")
    status = entry.get("status")
    if status not in ("delivered", "rejected"):
        raise ValueError(f"{reference}: status {status!r} is neither delivered nor rejected")
    reason = entry.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ValueError(f"{reference}: reason must be text")
    reason = " ".join((reason or "").split())[:_MAX_REASON] or None
    at = entry.get("at")
    if at is None:
        when = datetime.now(UTC)
    else:
        if not isinstance(at, str):
            raise ValueError(f"{reference}: at must be an ISO 8601 timestamp")
        try:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{reference}: at {at!r} is not an ISO 8601 timestamp") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    if status == "rejected":
        return reference, Receipt(
            status="rejected",
            message_id=reference,
            reason=reason or "rejected without a reason",
            at=when,
        )
    return reference, Receipt(status="delivered", message_id=reference, at=when)


def reference(entry: dict) -> str:
    """The reference of a manifest line's document: its receipt's ``message_id``, and what the
    provider's line in ``receipts.jsonl`` names."""
    return f"{entry['series']}-{entry['number']}-{entry['sha256'][:16]}"


def _receipt(entry: dict) -> Receipt:
    at = datetime.fromisoformat(entry["written_at"].replace("Z", "+00:00"))
    return Receipt(status="pending", message_id=reference(entry), at=at)


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
