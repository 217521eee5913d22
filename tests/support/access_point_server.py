"""A small access point's REST API on 127.0.0.1, for the HTTP adapter's tests: a real server in
a thread that records what it receives and answers as the path tells it to."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class AccessPointServer:
    port: int
    received: list[Received] = field(default_factory=list)
    # "/peppol" behaves like a real access point: each idempotency key is delivered once and
    # answered with the same id when it comes again; after ``up_for`` new documents it is down
    # (503) until ``up_for`` is set again (None: always up).
    up_for: int | None = None
    delivered: dict[str, str] = field(default_factory=dict)  # idempotency key → message id

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def peppol(self, key: str) -> tuple[int, object]:
        if key in self.delivered:
            return 200, {"id": self.delivered[key], "status": "delivered"}
        if self.up_for is not None:
            if self.up_for <= 0:
                return 503, {"error": "maintenance"}
            self.up_for -= 1
        self.delivered[key] = f"ap-{len(self.delivered) + 1:04d}"
        return 200, {"id": self.delivered[key], "status": "delivered"}


# path → (status, body); "/slow" sleeps before it answers
ANSWERS: dict[str, tuple[int, object]] = {
    "/delivered": (200, {"id": "msg-0001", "status": "delivered"}),
    "/accepted": (202, {"id": "msg-0002", "status": "accepted"}),
    "/bad-request": (400, {"reason": "Receiver 0192:964338531 is not registered in Peppol"}),
    "/unprocessable": (
        422,
        {"id": "msg-0003", "message": "[BR-CO-15] Invoice total amount with VAT mismatch"},
    ),
    "/unauthorized": (401, {"error": "invalid token"}),
    "/unavailable": (503, {"error": "maintenance"}),
    "/echo-token": (500, None),  # answers with the token it received, as careless servers do
    "/no-status": (200, {"ok": True}),
    "/rejected-200": (200, {"id": "msg-0004", "status": "rejected", "reason": "Duplicate"}),
    "/slow": (200, {"id": "msg-late", "status": "delivered"}),
}
SLOW_SECONDS = 2.0


@contextlib.contextmanager
def access_point_server() -> Iterator[AccessPointServer]:
    record: list[Received] = []
    state = AccessPointServer(port=0, received=record)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            record.append(Received(self.path, dict(self.headers.items()), body))
            if self.path == "/peppol":
                with lock:
                    status, answer = state.peppol(self.headers.get("Idempotency-Key", ""))
            else:
                status, answer = ANSWERS.get(self.path, (404, {"error": "no such path"}))
            if self.path == "/slow":
                time.sleep(SLOW_SECONDS)
            if self.path == "/echo-token":
                payload = f"bad gateway for {self.headers.get('Authorization')}".encode()
                content_type = "text/plain"
            else:
                payload = json.dumps(answer).encode()
                content_type = "application/json"
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        state.port = server.server_address[1]
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
