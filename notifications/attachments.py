"""Attachments the delivery makes: a message's file queued without content is made, and
stored, just before the message is composed for sending.

Queueing a message is part of the business transaction that causes it (notifications.outbox);
an invoice's PDF is a layout of the invoice's HTML document, fixed and stored when the invoice
is issued, and laying it out costs a hundred times what the rest of issuing it does. So the
issuing transaction queues the mail with the attachment's row and ``made_from`` =
"invoice-pdf", and :func:`make_missing` lays the PDF out from the stored document when the
mail goes out. The same document gives the same bytes (kulturskole.invoicing.pdf), so two
deliveries racing for one message store the same file, and a delivery that dies after making
it leaves it made.

Each kind (``Attachment.made_from``) is registered by the composition root
(``kulturskole.bootstrap.wire``), since what makes it lives on a higher floor than the outbox:

- ``invoice-pdf``: the PDF of the invoice (or credit note) whose ``message_id`` is the
  message's, from its ``document_html`` (kulturskole.invoicing.pdf).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.orm import Session

from kulturskole.db import unit_of_work
from models import Attachment

__all__ = ["PARALLEL_FROM", "WORKERS", "Maker", "kinds", "make_missing", "register"]


@dataclass(frozen=True)
class Maker:
    """How one kind is made: ``read`` gives, per message id, what ``make`` needs (plain values,
    read in the delivery's transaction); ``make`` lays it out, outside any transaction."""

    read: Callable[[Session, list[int]], dict[int, Any]]
    make: Callable[[Any], bytes]


_MAKERS: dict[str, Maker] = {}

PARALLEL_FROM = 32
"""Attachments to make, from which worker processes lay them out (fewer: this process)."""
WORKERS = 4


def _lay_out(work: list[tuple[Callable[[Any], bytes], Any]], parallel_from: int | None) -> list:
    """Each ``make(job)`` of ``work``, in order: here, or in worker processes (spawned: this
    process may run threads, Prefect's among them, which a fork would copy half-way)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(WORKERS, cpus or 1, len(work))
    if workers < 2 or len(work) < (PARALLEL_FROM if parallel_from is None else parallel_from):
        return [make(job) for make, job in work]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(make, job) for make, job in work]
        return [future.result() for future in futures]


def register(kind: str, maker: Maker) -> None:
    """Say how attachments made from ``kind`` are made; registering again replaces it."""
    _MAKERS[kind] = maker


def kinds() -> tuple[str, ...]:
    return tuple(sorted(_MAKERS))


def make_missing(
    engine: Engine, message_ids: Sequence[int], *, parallel_from: int | None = None
) -> int:
    """Make and store every attachment of ``message_ids`` queued without content; returns how
    many were made. Reads in one transaction, lays out outside any, writes in one short one
    (a row made meanwhile by another delivery is left as it is). An attachment of a kind no
    one registered is refused before anything is made.

    From ``parallel_from`` attachments on (default :data:`PARALLEL_FROM`) they are laid out in
    worker processes, one per CPU (at most :data:`WORKERS`): a PDF's layout is ~0.12 s of one
    CPU, and a process costs ~1.5 s to start (WeasyPrint and the fonts)."""
    if not message_ids:
        return 0
    with unit_of_work(engine) as session:
        missing = session.execute(
            select(Attachment.id, Attachment.message_id, Attachment.made_from).where(
                Attachment.message_id.in_(list(message_ids)), Attachment.content.is_(None)
            )
        ).all()
        if not missing:
            return 0
        unknown = sorted({kind for _, _, kind in missing if kind not in _MAKERS}, key=str)
        if unknown:
            raise ValueError(f"attachments made from {unknown} cannot be made; known: {kinds()}")
        jobs: dict[tuple[str, int], Any] = {}
        for kind in {kind for _, _, kind in missing}:
            ids = sorted({m for _, m, k in missing if k == kind})
            read = _MAKERS[kind].read(session, ids)
            lost = [m for m in ids if m not in read]
            if lost:
                raise ValueError(
                    f"messages {lost} carry an attachment made from {kind!r}, "
                    "but nothing to make it from"
                )
            jobs.update({(kind, m): job for m, job in read.items()})
    contents = _lay_out(
        [(_MAKERS[kind].make, jobs[(kind, message_id)]) for _, message_id, kind in missing],
        parallel_from,
    )
    made = [
        {"row": row, "content": content}
        for (row, _, _), content in zip(missing, contents, strict=True)
    ]
    with unit_of_work(engine) as session:
        table = Attachment.__table__
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("row"), table.c.content.is_(None))
            .values(content=bindparam("content")),
            made,
        )
    return len(made)
