"""The local Prefect server that stays up (``kulturskole server start``), and the choice of the
Prefect a flow command uses. Imports no Prefect: the choice must be made before Prefect is
imported, since Prefect reads its settings once, at import.

The order (`use_prefect`): a configured ``PREFECT_API_URL`` (environment or the active Prefect
profile) always wins; else the local server, when its state file names a live process that
answers on ``/api/health``; else Prefect's temporary server, started by the flow's own process
(about ten seconds per command).

Everything lives under ``var/prefect/`` beside ``var/kulturskole.db`` (relative to the working
folder, as the default database is): ``home/`` (the server's PREFECT_HOME), ``prefect.db`` (its
SQLite database), ``server.log`` and ``server.json`` (pid, url, port, started).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from kulturskole.errors import KulturskoleError

HOST = "127.0.0.1"
DEFAULT_PORT = 4200
PROBE_SECONDS = 0.3  # a server on this machine answers its health check in milliseconds
START_TIMEOUT = 90.0  # a fresh database migrates first (~9 s here, more on a busy machine)


class ServerError(KulturskoleError):
    """The local Prefect server could not be started or stopped as asked."""


def folder() -> Path:
    """``var/prefect`` beside the default database (``KULTURSKOLE_PREFECT_DIR`` to move it)."""
    return Path(os.environ.get("KULTURSKOLE_PREFECT_DIR") or "var/prefect").absolute()


def state_file() -> Path:
    return folder() / "server.json"


def log_file() -> Path:
    return folder() / "server.log"


@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int
    url: str  # the API, …/api
    started: str  # UTC, ISO 8601

    @property
    def ui_url(self) -> str:
        return self.url.removesuffix("/api")


def read_state() -> ServerState | None:
    try:
        data = json.loads(state_file().read_text(encoding="utf-8"))
        return ServerState(int(data["pid"]), int(data["port"]), data["url"], data["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def healthy(url: str, timeout: float = PROBE_SECONDS) -> bool:
    """Whether a Prefect API answers ``/health`` at ``url`` (…/api) within ``timeout``."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:  # noqa: S310
            return response.status == 200
    except (OSError, ValueError):
        return False


def alive(pid: int) -> bool:
    """Whether the process lives and is a Prefect server (a recycled pid is not ours)."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: not the server we started
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            return b"prefect" in cmdline.read_bytes()
        except OSError:
            return False
    return True


def running() -> ServerState | None:
    """The local server's state when its process lives; a stale state file is removed."""
    state = read_state()
    if state is None:
        return None
    if not alive(state.pid):
        state_file().unlink(missing_ok=True)
        return None
    return state


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(PROBE_SECONDS)
        return probe.connect_ex((HOST, port)) == 0


# --- which Prefect a command uses ------------------------------------------------------------
def configured_api_url() -> str | None:
    """``PREFECT_API_URL`` from the environment, or from the active Prefect profile."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    url = profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return str(url) if url else None


def use_prefect() -> str:
    """Choose the Prefect for this process and say which: ``configured``, ``local`` (then
    ``PREFECT_API_URL`` and ``PREFECT_UI_URL`` are set here for Prefect to read at import) or
    ``temporary``. Costs a file read and, with a state file, one health request."""
    if configured_api_url():
        return "configured"
    state = running()
    if state is not None and healthy(state.url):
        os.environ["PREFECT_API_URL"] = state.url
        os.environ.setdefault("PREFECT_UI_URL", state.ui_url)
        return "local"
    return "temporary"


# --- start and stop ---------------------------------------------------------------------------
def _prefect_command() -> list[str]:
    script = Path(sys.executable).with_name("prefect")
    return [str(script)] if script.exists() else [sys.executable, "-m", "prefect"]


def _server_environment(port: int) -> dict[str, str]:
    """The caller's environment (PREFECT_SERVER_* tuning included) with the server's own home
    and database; no client settings (API URL, profiles) that could point it elsewhere."""
    base = folder()
    client = ("PREFECT_API_", "PREFECT_UI_", "PREFECT_PROFILE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(client)}
    env.update(
        PREFECT_HOME=str(base / "home"),
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{base / 'prefect.db'}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_API_HOST=HOST,
        PREFECT_SERVER_API_PORT=str(port),
    )
    return env


def start(port: int = DEFAULT_PORT, timeout: float = START_TIMEOUT) -> tuple[ServerState, bool]:
    """Start the server in the background (its own session: it outlives this command) and wait
    until it answers; returns its state and whether it was started now (False: already up)."""
    state = running()
    if state is not None:
        return state, False
    if port_taken(port):
        raise ServerError(
            f"port {port} on {HOST} is in use by another program; choose another with --port"
        )
    base = folder()
    (base / "home").mkdir(parents=True, exist_ok=True)
    with log_file().open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own prefect, fixed arguments
            [*_prefect_command(), "server", "start", "--host", HOST, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_server_environment(port),
            start_new_session=True,
        )
    url = f"http://{HOST}:{port}/api"
    state = ServerState(process.pid, port, url, datetime.now(UTC).isoformat(timespec="seconds"))
    state_file().write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(url, timeout=1.0):
            return state, True
        if process.poll() is not None:
            break
        time.sleep(0.2)
    _terminate(process.pid)
    state_file().unlink(missing_ok=True)
    exited = process.poll()
    why = f"exited with code {exited}" if exited is not None else f"no answer in {timeout:.0f} s"
    raise ServerError(f"the Prefect server did not start ({why}); {log_file()} ends:\n{_tail()}")


def stop(grace: float = 15.0) -> ServerState | None:
    """Stop the server cleanly (SIGINT, then SIGTERM, then SIGKILL) and remove its state file;
    None when none was running (a stale state file is removed)."""
    state = running()
    if state is None:
        return None
    _terminate(state.pid, grace)
    state_file().unlink(missing_ok=True)
    return state


def _terminate(pid: int, grace: float = 15.0) -> None:
    """SIGINT to the server's process group (uvicorn shuts down on it), then SIGTERM, then
    SIGKILL, each after a wait."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _exists(pid):
                return
            time.sleep(0.1)


def _exists(pid: int) -> bool:
    """Whether the process is still there (a zombie that nobody reaps counts as gone)."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _reap(pid: int) -> None:
    """Collect our own child's exit (else a dead server started in this process looks alive)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _tail(lines: int = 15) -> str:
    try:
        text = log_file().read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
