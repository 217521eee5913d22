"""Which Prefect a flow command uses (kulturskole.local_prefect.use_prefect), without Prefect: a
configured PREFECT_API_URL wins, then a local server that answers, else the temporary one."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kulturskole import local_prefect


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KULTURSKOLE_PREFECT_DIR", str(tmp_path))
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "client-home"))  # no user profile
    for name in ("PREFECT_API_URL", "PREFECT_UI_URL", "PREFECT_PROFILES_PATH", "PREFECT_PROFILE"):
        monkeypatch.setenv(name, "")  # recorded, so that what use_prefect sets is undone after
        monkeypatch.delenv(name)
    return tmp_path


@pytest.fixture
def answering() -> Iterator[str]:
    """An API that answers its health check, as the local server's does."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def write_state(folder: Path, url: str, pid: int) -> None:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    state = {"pid": pid, "port": port, "url": url, "started": "2026-01-01T00:00:00+00:00"}
    (folder / "server.json").write_text(json.dumps(state))


def test_nothing_running_means_the_temporary_server(folder: Path) -> None:
    assert local_prefect.use_prefect() == "temporary"
    assert "PREFECT_API_URL" not in os.environ


def test_a_running_local_server_is_used(folder: Path, answering: str, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(local_prefect, "alive", lambda pid: True)  # this process stands in
    write_state(folder, answering, os.getpid())
    assert local_prefect.use_prefect() == "local"
    assert os.environ["PREFECT_API_URL"] == answering
    assert os.environ["PREFECT_UI_URL"] == answering.removesuffix("/api")


def test_a_configured_url_wins_over_the_local_server(
    folder: Path, answering: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_prefect, "alive", lambda pid: True)
    write_state(folder, answering, os.getpid())
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example:4200/api")
    assert local_prefect.use_prefect() == "configured"
    assert os.environ["PREFECT_API_URL"] == "http://prefect.example:4200/api"


def test_a_url_in_the_active_prefect_profile_counts_as_configured(folder: Path) -> None:
    home = folder / "client-home"
    home.mkdir()
    (home / "profiles.toml").write_text(
        'active = "work"\n[profiles.work]\nPREFECT_API_URL = "http://prefect.example/api"\n'
    )
    assert local_prefect.use_prefect() == "configured"
    assert "PREFECT_API_URL" not in os.environ  # Prefect reads its profile itself


def test_a_local_server_that_does_not_answer_is_not_used(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_prefect, "alive", lambda pid: True)
    write_state(folder, "http://127.0.0.1:9/api", os.getpid())  # nothing listens on port 9
    assert local_prefect.use_prefect() == "temporary"
    assert "PREFECT_API_URL" not in os.environ


def test_a_stale_state_file_is_removed_and_not_used(folder: Path, answering: str) -> None:
    write_state(folder, answering, 2**22 + 12345)  # above pid_max's default: no such process
    assert local_prefect.use_prefect() == "temporary"
    assert not (folder / "server.json").exists()
