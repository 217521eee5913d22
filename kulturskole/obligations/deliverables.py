"""Deliverables: the development plan (utviklingsplan) and the long-term meeting plan a
municipality hands in, optionally with the document itself."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.errors import InvalidInput
from kulturskole.history import Acting, record
from models import DELIVERABLES, Case, Deliverable

MAX_BYTES = 20 * 1024 * 1024
"""The largest document stored (20 MB)."""


def deliver(
    session: Session,
    case: Case,
    what: str,
    on: date,
    acting: Acting,
    file: Path | None = None,
) -> Deliverable:
    """Record that the case delivered ``what`` on ``on``, with the document when given.

    A re-delivery replaces the earlier one (the document too: without a file none is kept) and
    the history says so; delivering exactly what is already recorded changes nothing.
    """
    if what not in DELIVERABLES:
        raise InvalidInput(f"unknown deliverable {what!r}; use one of {', '.join(DELIVERABLES)}")
    if case.state == "declined":
        raise InvalidInput(
            f"{case.municipality_number} did not take part in {case.programme_id} "
            "(its application was declined or withdrawn)"
        )
    if on > acting.as_of:
        raise InvalidInput(f"the delivery date {on} is after the effective date {acting.as_of}")
    if on < case.applied_on:
        raise InvalidInput(
            f"the delivery date {on} is before the municipality applied ({case.applied_on})"
        )
    filename, content, sha256 = _read(file) if file is not None else (None, None, None)

    row = deliverable_of(session, case, what)
    replaced = row is not None
    if row is not None and (row.delivered_on, row.filename, row.sha256) == (on, filename, sha256):
        return row
    if row is None:
        row = Deliverable(case_id=case.id, what=what)
        session.add(row)
    row.delivered_on, row.filename, row.content, row.sha256 = on, filename, content, sha256
    session.flush()
    record(
        session,
        case,
        acting,
        "deliverable-delivered",
        details={
            "what": what,
            "delivered_on": on.isoformat(),
            "filename": filename,
            "sha256": sha256,
            "replaced": replaced,
        },
    )
    return row


def deliverable_of(session: Session, case: Case, what: str) -> Deliverable | None:
    return session.scalars(
        select(Deliverable).where(Deliverable.case_id == case.id, Deliverable.what == what)
    ).one_or_none()


def deliverables_of(session: Session, case: Case) -> dict[str, Deliverable]:
    """The case's deliverables by what was delivered."""
    rows = session.scalars(select(Deliverable).where(Deliverable.case_id == case.id))
    return {row.what: row for row in rows}


def _read(file: Path) -> tuple[str, bytes, str]:
    """(file name without its folders, content, SHA-256 hex) of a readable file of 1 B–20 MB."""
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise InvalidInput(f"{file} is not a file")
        if size > MAX_BYTES:
            raise InvalidInput(
                f"{file} is {size / 1024 / 1024:.1f} MB; a document may be at most "
                f"{MAX_BYTES // 1024 // 1024} MB"
            )
        with file.open("rb") as handle:
            content = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InvalidInput(f"{file}: no such file") from None
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot read the file: {exc.strerror}") from None
    if len(content) > MAX_BYTES:  # grew after stat
        raise InvalidInput(f"{file} is larger than {MAX_BYTES // 1024 // 1024} MB")
    if not content:
        raise InvalidInput(f"{file} is empty")
    name = file.name
    if len(name) > 300:
        raise InvalidInput(f"the file name of {file} is longer than 300 characters")
    return name, content, hashlib.sha256(content).hexdigest()
