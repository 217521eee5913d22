"""A small access point's REST API on 127.0.0.1, for the HTTP adapter's tests: a real server in
a thread that records what it receives and answers as the path tells it to. ``POST <path>``
hands a document over; ``GET <path>/<id>`` asks what became of it (the status endpoint)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
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
    # "/peppol" answers a new document "delivered" at once, or (``accepting``) "accepted": handed
    # over, and ``GET /peppol/<id>`` says "accepted" until ``outcomes`` has the id's
    # (status, reason), as a real access point learns it from the receiver's.
    accepting: bool = False
    outcomes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    asked: list[Received] = field(default_factory=list)  # the status requests (GET)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _down(self) -> bool:
        return self.up_for is not None and self.up_for <= 0

    def peppol(self, key: str) -> tuple[int, object]:
        answer = "accepted" if self.accepting else "delivered"
        if key in self.delivered:
            return 200, {"id": self.delivered[key], "status": answer}
        if self.up_for is not None:
            if self.up_for <= 0:
                return 503, {"error": "maintenance"}
            self.up_for -= 1
        self.delivered[key] = f"ap-{len(self.delivered) + 1:04d}"
        return (202 if self.accepting else 200), {"id": self.delivered[key], "status": answer}

    def peppol_status(self, message_id: str) -> tuple[int, object]:
        if self._down():
            return 503, {"error": "maintenance"}
        if message_id in self.outcomes:
            status, reason = self.outcomes[message_id]
            return 200, {"id": message_id, "status": status, "reason": reason, "at": STATUS_AT}
        if message_id in self.delivered.values():
            return 200, {"id": message_id, "status": "accepted" if self.accepting else "delivered"}
        return 404, {"error": f"no message {message_id}"}


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
STATUS_AT = "2024-09-27T08:30:00Z"  # when the status endpoint says the outcome became known

# GET <path>/<id>, for paths other than "/peppol": (status, body); "/slow" sleeps first
STATUS_ANSWERS: dict[str, tuple[int, object]] = {
    "/delivered": (200, {"status": "delivered", "at": STATUS_AT}),
    "/rejected-200": (200, {"status": "rejected", "reason": "Receiver refused the invoice"}),
    "/accepted": (200, {"status": "accepted"}),
    "/unauthorized": (401, {"error": "invalid token"}),
    "/unavailable": (503, {"error": "maintenance"}),
    "/no-status": (200, {"ok": True}),
    "/slow": (200, {"status": "delivered"}),
}


@contextlib.contextmanager
def access_point_server() -> Iterator[AccessPointServer]:
    record: list[Received] = []
    state = AccessPointServer(port=0, received=record)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            state.asked.append(Received(self.path, dict(self.headers.items()), b""))
            base, _, message_id = self.path.rpartition("/")
            message_id = urllib.parse.unquote(message_id)
            if base == "/peppol":
                with lock:
                    status, answer = state.peppol_status(message_id)
            else:
                status, answer = STATUS_ANSWERS.get(base, (404, {"error": "no such message"}))
            if base == "/slow":
                time.sleep(SLOW_SECONDS)
            self._answer(status, json.dumps(answer).encode(), "application/json")

        def _answer(self, status: int, payload: bytes, content_type: str) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

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
            self._answer(status, payload, content_type)

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
