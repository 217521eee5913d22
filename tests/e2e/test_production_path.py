"""The production path, end to end on 127.0.0.1: a Prefect server with its database on
PostgreSQL, `prefect deploy --all` to a process work pool, a worker, a deployment run triggered
with parameters, and its result read back from our own database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kulturskole.db import unit_of_work
from tests.builders.invoicing import active, invoices, nr
from tests.support.backends import PG_URL
from tests.support.smtp_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("programme_loaded")]


def prefect_database() -> str:
    """A database of its own for the Prefect server, on the same PostgreSQL server."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS kulturskole_prefect WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE kulturskole_prefect"))
    admin.dispose()
    url = PG_URL.replace("postgresql+psycopg", "postgresql+asyncpg")
    return url.rsplit("/", 1)[0] + "/kulturskole_prefect"


def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # a process worker stops cleanly on SIGINT only
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_a_deployment_run_on_a_server_with_a_worker_issues_the_invoices(
    engine,
    backend: dict,
    database_url: str,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    if backend["name"] != "postgresql" or not PG_URL:
        pytest.skip("the production path runs against PostgreSQL (KULTURSKOLE_TEST_DATABASE_URL)")
    active(engine, "0301", "5001")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_API_DATABASE_CONNECTION_URL": prefect_database(),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "KULTURSKOLE_HOME": str(ROOT),
        "KULTURSKOLE_DATABASE_URL": database_url,
        "KULTURSKOLE_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = None
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health")

        def prefect(*args: str) -> str:
            done = subprocess.run(
                [PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        prefect("work-pool", "create", "kulturskole", "--type", "process")
        prefect("--no-prompt", "deploy", "--all")
        worker_log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "kulturskole"],
            env=env,
            cwd=ROOT,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        output = prefect(
            "deployment",
            "run",
            "invoicing/daily",
            "--param",
            "as_of=2024-09-26",
            "--watch",
            "--watch-timeout",
            "240",
        )
        assert "Completed" in output, output
    finally:
        if worker is not None:
            stop(worker)
        stop(server)
    rows = invoices(engine)
    assert [(i.number, i.instalment, i.amount_ore) for i in rows] == [
        (nr(1), 1, 666_667),
        (nr(2), 1, 666_667),
    ]
    with unit_of_work(engine, readonly=True) as session:
        from sqlalchemy import select

        from models import RunRecord

        record = session.scalars(select(RunRecord).where(RunRecord.flow == "invoicing")).one()
    assert record.summary["issued"] == 2 and record.flow_run_id
