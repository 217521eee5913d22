"""`kulturskole demo --serve`, the real command in a process of its own: it plays a small demo,
prints the console's address and a demo login, serves the console on the demo's database as of
the demo's last day, and stops cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import pytest

from kulturskole.web.formatting import dato
from tests.support.smtp_server import free_port

KULTURSKOLE = str(Path(sys.executable).parent / "kulturskole")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

pytestmark = pytest.mark.slow


@dataclass
class Served:
    process: subprocess.Popen
    lines: queue.Queue = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def wait_for(self, prefix: str, timeout: float) -> str:
        """The first line of stdout from now on that starts with ``prefix``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if line is None:
                break
            self.seen.append(line)
            if line.startswith(prefix):
                return line.removeprefix(prefix).strip()
        printed = "".join(self.seen)
        raise AssertionError(f"no line {prefix!r} from the demo; it printed:\n{printed}")

    def stop(self) -> int:
        """Ctrl-C, as a person at the terminal stops it; the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)

    def left_behind(self) -> bool:
        """Whether a process of the demo's group (Prefect's temporary server) still runs."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """The demo and whatever it started, if still there (after a failure)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)


def serve_demo(folder: Path, port: int) -> Served:
    env = {
        **os.environ,
        "KULTURSKOLE_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
        "KULTURSKOLE_OUTBOX_DIR": str(folder / "outbox"),
        "PREFECT_HOME": str(folder / "prefect"),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",  # a first start migrates
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PREFECT_API_URL", None)  # the demo's own temporary Prefect server
    process = subprocess.Popen(
        [KULTURSKOLE, "demo", "--share", "0.01", "--serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=(folder / "stderr.txt").open("w"),
        text=True,
        start_new_session=True,  # its own process group, so that a failed test leaves nothing
    )
    served = Served(process)

    def read() -> None:
        for line in process.stdout:
            served.lines.put(line)
        served.lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return served


def day_in(line: str) -> date:
    return date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", line).group())


def log_in(base: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    for _ in range(50):  # the address is printed just before uvicorn listens
        try:
            form = client.get("/login")
            break
        except httpx.ConnectError:
            time.sleep(0.1)
    token = CSRF.search(form.text).group(1)
    answer = client.post(
        "/login", data={"email": email, "password": password, "csrf": token, "next": "/"}
    )
    assert answer.status_code == 303, answer.text
    return client


def test_demo_serve_opens_the_console_with_the_printed_login_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    port = free_port()
    served = serve_demo(tmp_path, port)
    try:
        url = served.wait_for("web console:", timeout=240)
        email = served.wait_for("login:", timeout=5)
        password = served.wait_for("password:", timeout=5)
        as_of = day_in(served.wait_for("(", timeout=5))
        assert url == f"http://127.0.0.1:{port}/"
        assert email == "demo@kulturskoleradet.no" and len(password) >= 16
        client = log_in(url, email, password)
        overview = client.get("/")
        client.close()
        assert overview.status_code == 200
        assert "Demo Administrator · Administrator" in overview.text
        assert f"per {dato(as_of)}" in overview.text  # the console's today: the demo's last day
        assert served.stop() == 0
        assert served.wait_for("web console stopped", timeout=10) == ""
        deadline = time.monotonic() + 15
        while served.left_behind() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not served.left_behind()  # Prefect's temporary server stopped with it
    finally:
        served.kill()
    errors = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in errors and password not in errors

    again = serve_demo(tmp_path, port)  # played before: it only reports, with a new password
    try:
        new_password = again.wait_for("password:", timeout=120)
        assert new_password != password
        assert day_in(again.wait_for("(", timeout=5)) == as_of  # the programme's end again
        log_in(url, email, new_password).close()
        with pytest.raises(AssertionError, match="Feil e-postadresse eller passord"):
            log_in(url, email, password)
        assert again.stop() == 0
    finally:
        again.kill()
