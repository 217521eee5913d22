"""One unbroken sequence of numbers per series, taken under a row lock.

The series row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's transactions begin
IMMEDIATE and so hold the write lock) until the transaction that takes numbers ends. Two runs
therefore take numbers one after the other, and a transaction that rolls back returns its
numbers with it: no gap, no duplicate.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import InvoiceSeries, Programme


def series_of(programme: Programme) -> str:
    return programme.rules.invoicing.series or programme.id


def take_number(session: Session, programme: Programme, count: int = 1) -> tuple[str, int]:
    """Lock the programme's series and take ``count`` numbers (0: just lock); returns the series
    and the first number taken (with 0, the next number)."""
    series = series_of(programme)
    row = session.get(InvoiceSeries, series, with_for_update=True)
    if row is None:
        first = programme.rules.invoicing.first_number
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(InvoiceSeries)
            .values(series=series, next_number=first)
            .on_conflict_do_nothing(index_elements=["series"])
        )
        row = session.get(InvoiceSeries, series, with_for_update=True, populate_existing=True)
    number = row.next_number
    row.next_number += count
    return series, number
