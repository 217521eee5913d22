"""Fixtures: a freshly migrated database per test, on SQLite and (when configured) PostgreSQL.

``KULTURSKOLE_TEST_DATABASE_URL`` names a PostgreSQL database the suite may wipe; without it
the suite runs on SQLite only (tests/support/backends.py). Fixtures build rows through the same
functions users call; the builders they use are in tests/builders/, importable from any test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from kulturskole import bootstrap
from kulturskole.db import engine_for, unit_of_work
from kulturskole.migrate import upgrade
from kulturskole.programme_file import parse_programme_file
from kulturskole.services.municipalities import import_municipalities
from kulturskole.services.programmes import load_programme
from models import Base
from tests.builders.programmes import PROGRAMME_FILE, PROGRAMME_ID
from tests.support.backends import BACKENDS, PG_URL

bootstrap.wire()  # as every entry point does: transitions run their reactions


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Migrate once per backend; each test then starts from that empty, migrated schema."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("template") / "template.db"
        engine = engine_for(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        return {"name": "sqlite", "template": template}
    engine = engine_for(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return {"name": "postgresql", "url": PG_URL}


@pytest.fixture
def database_url(backend: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if backend["name"] == "sqlite":
        path = tmp_path / "kulturskole.db"
        shutil.copy(backend["template"], path)
        url = f"sqlite:///{path}"
    else:
        url = backend["url"]
        _empty_postgres(engine_for(url))
    monkeypatch.setenv("KULTURSKOLE_DATABASE_URL", url)
    monkeypatch.setenv("KULTURSKOLE_ACTOR", "tester")
    monkeypatch.chdir(tmp_path)
    return url


def _empty_postgres(engine: Engine) -> None:
    """Remove every row, history included: as the superuser, with triggers off for the session."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def programme_loaded(engine: Engine) -> str:
    """The 357 municipalities and the 2024–2025 programme, as `kulturskole demo` loads them."""
    with unit_of_work(engine) as session:
        import_municipalities(session)
        load_programme(session, parse_programme_file(PROGRAMME_FILE))
    return PROGRAMME_ID


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A real Prefect engine and a temporary API for the flow tests (started once, ~10 s)."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
