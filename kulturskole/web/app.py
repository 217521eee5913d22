"""The console as an ASGI application: ``create_app()``.

Every asset is served by the application itself (no CDN, no build step). Responses carry a
Content-Security-Policy that allows only this site's own scripts and styles.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kulturskole import bootstrap
from kulturskole.config import get_settings
from kulturskole.db import current_engine
from kulturskole.errors import KulturskoleError, NotFound
from kulturskole.web.context import Forbidden, render
from kulturskole.web.pages import ROUTES
from kulturskole.web.security import LoginThrottle
from kulturskole.web.sessions import SessionMiddleware, secret_key

STATIC = Path(__file__).parent / "static"
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    engine: Engine | None = None,
    *,
    secret: str | None = None,
    today: Callable[[], date] | None = None,
    throttle: LoginThrottle | None = None,
) -> Starlette:
    """The console on ``engine`` (default: the configured database).

    ``today``: the console's calendar date (default: today in Europe/Oslo); the demo passes the
    date its simulated programme ended on.
    """
    bootstrap.wire()  # the web's transitions run the same reactions as the CLI's
    settings = get_settings()
    app = Starlette(
        routes=[*ROUTES, Mount("/static", StaticFiles(directory=STATIC), name="static")],
        exception_handlers={
            Forbidden: _forbidden,
            NotFound: _not_found,
            KulturskoleError: _user_error,
            404: _no_page,
        },
    )
    app.state.engine = engine or current_engine()
    app.state.today = today or settings.today
    app.state.throttle = throttle or LoginThrottle()
    app.state.jobs = {}  # runs started from the console, by id (kulturskole.web.pages.runs)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret=secret or secret_key(),
        max_age_seconds=int(settings.web_session_hours * 3600),
    )
    return app


def _forbidden(request: Request, exc: Exception) -> Response:
    text = (
        "Skjemaet var utløpt eller kom ikke fra konsollet. Last siden på nytt og prøv igjen."
        if str(exc) == "csrf"
        else "Rollen din gir ikke tilgang til dette."
    )
    return render(request, "error.html", 403, title="Ingen tilgang", text=text)


def _not_found(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", 404, title="Finnes ikke", text=str(exc))


def _user_error(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", 400, title="Kan ikke vises", text=str(exc))


def _no_page(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", 404, title="Finnes ikke", text="Denne siden finnes ikke.")
