"""Engine, sessions and the unit of work: one transaction per business action."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from kulturskole.config import get_settings
from kulturskole.errors import ConcurrentChange, DatabaseNotReady


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per URL for the life of the process."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        _sqlite_behaves(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_behaves(engine: Engine) -> None:
    """Foreign keys on, WAL, and BEGIN IMMEDIATE so writers queue instead of failing late.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN is the one
    that counts (the SQLAlchemy 2 recipe for serializable SQLite).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # noqa: ANN001
        # Readers take no write lock (WAL lets them read beside a writer).
        readonly = conn.get_execution_options().get("readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def current_engine() -> Engine:
    return engine_for(get_settings().database_url)


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "sqlite"


@contextmanager
def unit_of_work(
    engine: Engine | None = None, *, readonly: bool = False, dry_run: bool = False
) -> Iterator[Session]:
    """A session whose work is committed when the block ends normally, else rolled back.

    ``readonly``: the block only reads; on SQLite it then does not queue behind writers.
    ``dry_run``: the block does its work as for real (so it can report what would change), and
    all of it is rolled back at the end: the one way a dry run is done.
    """
    engine = engine or current_engine()
    session = sessionmaker(engine, expire_on_commit=False)()
    if readonly:
        session.connection(execution_options={"readonly": True})
    try:
        yield session
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        if isinstance(exc, IntegrityError) and not _history_race(exc):
            raise
        raise ConcurrentChange(
            "someone else changed the same case at the same moment; nothing was written, "
            "look at the case again and retry"
        ) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _history_race(exc: IntegrityError) -> bool:
    """Two writers appended the same entry number to one case's history."""
    message = str(exc.orig)
    return "uq_history_case_id" in message or "history.case_id, history.seq" in message


def require_schema(engine: Engine | None = None) -> None:
    """Refuse to work on a database that is not migrated to this version, with the command that
    fixes it.

    The check every command makes reads ``alembic_version`` with one SELECT and compares it with
    the newest file under migrations/versions; alembic (about 0.3 s to import) is asked only when
    they differ, for the exact answer and the message."""
    engine = engine or current_engine()
    current = _stored_revision(engine)
    if current is not None and current == _newest_migration():
        return
    from kulturskole.migrate import current_revision, head_revision

    where = engine.url.render_as_string(hide_password=True)
    if not inspect(engine).has_table("alembic_version"):
        raise DatabaseNotReady(
            f"the database at {where} has no schema; run `kulturskole db upgrade` first"
        )
    current = current_revision(engine)
    if current != head_revision():
        raise DatabaseNotReady(
            f"the database at {where} is at schema {current}, this version needs "
            f"{head_revision()}; run `kulturskole db upgrade`"
        )


def _stored_revision(engine: Engine) -> str | None:
    """The one revision in ``alembic_version``; None when there is no such table (or several
    revisions: alembic then decides)."""
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except DBAPIError:
        return None
    return rows[0][0] if len(rows) == 1 else None


_REVISION = re.compile(r"^(down_)?revision(?:: [^=]+)? = (?:\"([^\"]*)\"|None)", re.M)


@lru_cache(maxsize=1)
def _newest_migration() -> str | None:
    """The head of migrations/versions read from the files' ``revision``/``down_revision``
    lines: the one revision no other file builds on (None when that is not one: alembic
    decides)."""
    revisions: set[str] = set()
    bases: set[str] = set()
    for path in (Path(__file__).resolve().parent.parent / "migrations" / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            if value:
                (bases if down else revisions).add(value)
    heads = revisions - bases
    return heads.pop() if len(heads) == 1 else None
