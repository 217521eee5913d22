"""`kulturskole server start|stop|status`: a real Prefect server, started once for the module
(4–9 s, more on a busy machine), that a `kulturskole run …` in another process then uses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.builders.invoicing import active

pytestmark = pytest.mark.slow

SCRIPT = str(Path(sys.executable).parent / "kulturskole")


def kulturskole(*args: str, folder: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """The installed command in its own process, with the server's files in ``folder``."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["KULTURSKOLE_PREFECT_DIR"] = str(folder)
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(url: str, path: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        f"{url}/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our test server
        return json.loads(response.read())


def gone(pid: int) -> bool:
    """The process ended (a zombie that this machine's init does not reap has no command line)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes() == b""
    except OSError:
        return True


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    started = kulturskole("server", "start", "--port", str(port), "--timeout", "180", folder=folder)
    assert started.returncode == 0, (started.stdout, started.stderr)
    assert f"http://127.0.0.1:{port}" in started.stdout
    state = json.loads((folder / "server.json").read_text())
    yield {"folder": folder, "port": port, **state}
    kulturskole("server", "stop", folder=folder)  # when a test failed before stopping it


def test_status_when_nothing_runs_exits_3(tmp_path: Path) -> None:
    done = kulturskole("server", "status", folder=tmp_path)
    assert (done.returncode, done.stdout) == (3, "not running\n")
    done = kulturskole("server", "status", "--json", folder=tmp_path)
    assert done.returncode == 3
    assert json.loads(done.stdout)["running"] is False


def test_status_says_running_with_its_address_and_pid(server: dict) -> None:
    done = kulturskole("server", "status", "--json", folder=server["folder"])
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert (status["running"], status["answering"]) == (True, True)
    assert status["url"] == f"http://127.0.0.1:{server['port']}/api"
    assert status["pid"] == server["pid"]
    text = kulturskole("server", "status", folder=server["folder"])
    assert text.stdout.startswith(f"running: http://127.0.0.1:{server['port']} (pid ")


def test_start_when_running_says_so(server: dict) -> None:
    done = kulturskole("server", "start", "--port", str(server["port"]), folder=server["folder"])
    assert done.returncode == 0, done.stderr
    assert "already running" in done.stdout


def test_dry_run_uses_the_local_server(server: dict, engine: Engine, programme_loaded: str) -> None:
    active(engine, "0301", "1580")
    done = kulturskole(
        "run", "invoicing", "--as-of", "2024-09-26", "--dry-run", "--json", folder=server["folder"]
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["issued"] == 2
    assert f"prefect: the local server, http://127.0.0.1:{server['port']}" in done.stderr
    flows = api(server["url"], "flows/filter", {"flows": {"name": {"any_": ["invoicing"]}}})
    assert len(flows) == 1
    runs = api(server["url"], "flow_runs/filter", {"flows": {"id": {"any_": [flows[0]["id"]]}}})
    assert [run["state_type"] for run in runs] == ["COMPLETED"]


def test_port_taken_by_another_program_is_refused(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = kulturskole("server", "start", "--port", str(port), folder=tmp_path)
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use by another program" in done.stderr
    assert not (tmp_path / "server.json").exists()


def test_stale_state_file_is_removed(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    state = {"pid": gone.pid, "port": 1, "url": "http://127.0.0.1:1/api", "started": "x"}
    (tmp_path / "server.json").write_text(json.dumps(state))
    done = kulturskole("server", "status", folder=tmp_path)
    assert (done.returncode, done.stdout) == (3, "not running\n")
    assert f"removed a stale state file (pid {gone.pid} had stopped)" in done.stderr
    assert not (tmp_path / "server.json").exists()


def test_stop_stops_it_and_status_says_not_running(server: dict) -> None:
    done = kulturskole("server", "stop", folder=server["folder"])
    assert (done.returncode, done.stdout) == (0, f"Prefect server stopped (pid {server['pid']})\n")
    assert not (server["folder"] / "server.json").exists()
    assert gone(server["pid"])
    assert kulturskole("server", "status", folder=server["folder"]).returncode == 3
    assert kulturskole("server", "stop", folder=server["folder"]).stdout == (
        "the Prefect server is not running\n"
    )
