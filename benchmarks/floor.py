"""The floor a run is compared with: the rows it inserted and updated, written again by bare
SQLAlchemy Core executemany into plain copies of their tables (columns and primary key, no
other constraints or indexes), in one transaction.

``snapshot`` is taken before the measured run (cheap: the highest id per table, the keys of
the small tables without one, and ``updated_at`` per row where a table has it); ``core_floor``
after it finds what the run wrote and times the Core equivalent. No service code runs in the
floor: it is what the database alone costs for the same rows.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Column, Engine, MetaData, Table, and_, bindparam, func, insert, select
from sqlalchemy import update as sql_update

from models import Base

Snapshot = dict[str, Any]


def _has_int_id(table: Table) -> bool:
    keys = list(table.primary_key.columns)
    return len(keys) == 1 and keys[0].name == "id"


def snapshot(engine: Engine) -> Snapshot:
    before: Snapshot = {"max_id": {}, "keys": {}, "updated": {}}
    with engine.connect() as connection:
        for name, table in Base.metadata.tables.items():
            keys = list(table.primary_key.columns)
            if _has_int_id(table):
                before["max_id"][name] = connection.scalar(select(func.max(table.c.id))) or 0
            else:
                before["keys"][name] = set(connection.execute(select(*keys)).all())
            if "updated_at" in table.c:
                before["updated"][name] = dict(
                    connection.execute(select(*keys, table.c.updated_at)).all()
                    if len(keys) == 1
                    else []
                )
    return before


def written(engine: Engine, before: Snapshot) -> tuple[dict[str, list], dict[str, list]]:
    """(inserted rows, updated rows) per table since ``before``."""
    inserted: dict[str, list] = {}
    updated: dict[str, list] = {}
    with engine.connect() as connection:
        for name, table in Base.metadata.tables.items():
            keys = list(table.primary_key.columns)
            if _has_int_id(table):
                rows = connection.execute(
                    select(table).where(table.c.id > before["max_id"][name])
                ).mappings()
                new = [dict(r) for r in rows]
            else:
                known = before["keys"][name]
                new = [
                    dict(r)
                    for r in connection.execute(select(table)).mappings()
                    if tuple(r[k.name] for k in keys) not in known
                ]
            if new:
                inserted[name] = new
            stamps = before["updated"].get(name)
            if stamps:
                key = keys[0].name
                changed = [
                    dict(r)
                    for r in connection.execute(select(table)).mappings()
                    if r[key] in stamps and r["updated_at"] != stamps[r[key]]
                ]
                if changed:
                    updated[name] = changed
    return inserted, updated


def core_floor(engine: Engine, before: Snapshot) -> tuple[float, int]:
    """Seconds that bare Core executemany takes for the rows written since ``before``, and how
    many rows that was."""
    inserted, updated = written(engine, before)
    metadata = MetaData()
    copies = {
        name: Table(
            f"bench_{name}",
            metadata,
            # the primary key kept: the updates find their rows by it, as the real ones do
            *[
                Column(c.name, c.type, primary_key=c.primary_key, autoincrement=False)
                for c in Base.metadata.tables[name].c
            ],
        )
        for name in {*inserted, *updated}
    }
    metadata.create_all(engine)
    try:
        with engine.begin() as connection:  # the rows to update exist beforehand, untimed
            for name, rows in updated.items():
                connection.execute(insert(copies[name]), rows)
        started = time.perf_counter()
        with engine.begin() as connection:
            for name, rows in inserted.items():
                connection.execute(insert(copies[name]), rows)
            for name, rows in updated.items():
                copy = copies[name]
                keys = [c.name for c in Base.metadata.tables[name].primary_key.columns]
                # SET takes every column the parameters name (Core's executemany convention)
                statement = sql_update(copy).where(
                    and_(*[copy.c[k] == bindparam(f"key_{k}") for k in keys])
                )
                connection.execute(
                    statement, [{**r, **{f"key_{k}": r[k] for k in keys}} for r in rows]
                )
        elapsed = time.perf_counter() - started
    finally:
        metadata.drop_all(engine)
    return elapsed, sum(map(len, inserted.values())) + sum(map(len, updated.values()))
