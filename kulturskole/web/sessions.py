"""Signed session cookies: HttpOnly, SameSite=Lax, Secure when the request came over https.

The cookie holds the account id, the CSRF token and one-shot notices; it is signed with
itsdangerous and expires after ``web_session_hours``. The account is looked up on every request,
so a disabled account's sessions end at once.
"""

from __future__ import annotations

import json
import os
import secrets
from base64 import b64decode, b64encode
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kulturskole.config import get_settings

COOKIE = "kulturskole_session"


def secret_key() -> str:
    """The configured secret, else the one kept in ``web_secret_file`` (made once, mode 0600)."""
    settings = get_settings()
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value()
    path: Path = settings.web_secret_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


class SessionMiddleware:
    def __init__(self, app: ASGIApp, secret: str, max_age_seconds: int) -> None:
        self.app = app
        self.signer = TimestampSigner(secret, salt="kulturskole.session")
        self.max_age = max_age_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        scope["session"] = self._load(connection.cookies.get(COOKIE))
        initial = json.dumps(scope["session"], sort_keys=True)
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if json.dumps(current, sort_keys=True) != initial:
                    headers = MutableHeaders(scope=message)
                    headers.append("Set-Cookie", self._cookie(current, secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = self.signer.unsign(raw.encode("ascii"), max_age=self.max_age)
            return json.loads(b64decode(data))
        except (BadSignature, ValueError, UnicodeError):
            return {}

    def _cookie(self, session: dict[str, Any], secure: bool) -> str:
        flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        if not session:
            return f"{COOKIE}=; Max-Age=0{flags}"
        value = self.signer.sign(b64encode(json.dumps(session).encode("utf-8"))).decode("ascii")
        return f"{COOKIE}={value}; Max-Age={self.max_age}{flags}"
