"""What every page and action of the console shares: who is logged in, what they may do, the
database session, rendering, notices and the CSRF check.

A page is a plain function ``(request, user) -> Response`` decorated with ``@page(role)``; an
action (a POST that changes something) is ``(request, form, user) -> Response`` decorated with
``@action(role)``. The decorators log in, check the role on the server (403 otherwise) and, for
actions, the CSRF token; the work itself runs in a worker thread, because the services are
synchronous. A user's mistake (``KulturskoleError``) in an action changes nothing and comes
back as a notice on the page the form was on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput, KulturskoleError, NotFound
from kulturskole.history import Acting
from kulturskole.services.users import Account, active_account
from kulturskole.web import formatting, labels
from kulturskole.web.security import csrf_token, csrf_valid, may

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters.update(formatting.FILTERS)
TEMPLATES.env.globals["label"] = lambda table, code: labels.label(labels.TABLES[table], code)
TEMPLATES.env.globals["labels"] = labels
TEMPLATES.env.globals["delivery_text"] = labels.delivery_text
TEMPLATES.env.globals["may"] = may

NAVIGATION = [
    ("/", "Oversikt"),
    ("/cases", "Saker"),
    ("/invoices", "Fakturaer"),
    ("/payments", "Innbetalinger"),
    ("/decisions", "Beslutninger"),
    ("/runs", "Kjøringer"),
    ("/mail", "E-post"),
    ("/audit", "Revisjon"),
]


class Forbidden(Exception):
    """The logged-in person's role does not allow this (403)."""


# --- the database ---------------------------------------------------------------------------
@contextmanager
def reading(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.engine, readonly=True) as session:
        yield session


@contextmanager
def writing(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.engine) as session:
        yield session


# --- who and when ---------------------------------------------------------------------------
def acting(user: Account, as_of: date) -> Acting:
    """The logged-in person as the actor in history (their e-mail address, as the CLI uses the
    login name), on the given effective date."""
    return Acting(actor=user.email, as_of=as_of)


def default_day(request: Request) -> date:
    """The console's "today": the configured calendar date (the demo's), else today in Oslo."""
    return request.app.state.today()


def day_param(request: Request, name: str = "as_of", value: str | None = None) -> date:
    """A date from the query string or a form (YYYY-MM-DD), else the console's today."""
    text = value if value is not None else request.query_params.get(name)
    if not text:
        return default_day(request)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"«{text}» er ikke en dato (bruk ÅÅÅÅ-MM-DD)") from None


def page_number(request: Request) -> int:
    """The list page asked for with ``?page=N`` (1 when missing or not a number)."""
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def programme_param(request: Request) -> str | None:
    return request.query_params.get("programme") or None


# --- rendering ------------------------------------------------------------------------------
def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    session = request.scope.get("session", {})
    context.setdefault("user", request.scope.get("user"))
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "csrf": csrf_token(session),
            "navigation": NAVIGATION,
            "notices": session.pop("notices", []),
            "today": default_day(request),
            **context,
        },
        status_code=status_code,
    )


def notice(request: Request, text: str, kind: str = "ok") -> None:
    """A one-shot message shown on the next page ("ok" or "error")."""
    request.scope["session"].setdefault("notices", []).append({"kind": kind, "text": text})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def local_path(candidate: str | None, fallback: str = "/") -> str:
    """Only a path on this site (no scheme, no host): a redirect target from a form or query."""
    if not candidate:
        return fallback
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not candidate.startswith("/") or candidate.startswith("//"):
        return fallback
    return candidate


# --- the decorators -------------------------------------------------------------------------
def _current_user(request: Request) -> Account | None:
    user_id = request.scope["session"].get("uid")
    if user_id is None:
        return None
    with reading(request) as session:
        user = active_account(session, user_id)
    if user is None:
        request.scope["session"].clear()
    return user


async def _logged_in(request: Request) -> Account | None:
    """The logged-in account (also kept in the request's scope for the templates), or None."""
    user = await run_in_threadpool(_current_user, request)
    if user is not None:
        request.scope["user"] = user
    return user


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"/login?next={quote(target)}")


def page(role: str = "viewer") -> Callable:
    """A page (GET) that ``role`` and the roles above it may see."""

    def wrap(function: Callable[..., Response]) -> Callable:
        @functools.wraps(function)
        async def endpoint(request: Request) -> Response:
            user = await _logged_in(request)
            if user is None:
                return _login_redirect(request)
            if not may(user.role, role):
                raise Forbidden
            return await run_in_threadpool(function, request, user)

        return endpoint

    return wrap


def action(role: str) -> Callable:
    """A change (POST) that ``role`` and the roles above it may make, with a valid CSRF token.

    A ``KulturskoleError`` becomes an error notice on the page the form came from (``back`` in
    the form, else the Referer on this site); its transaction was rolled back.
    """

    def wrap(function: Callable[..., Response]) -> Callable:
        @functools.wraps(function)
        async def endpoint(request: Request) -> Response:
            user = await _logged_in(request)
            if user is None:
                return _login_redirect(request)
            form = await request.form()
            fields = {
                key: str(value) for key, value in form.multi_items() if isinstance(value, str)
            }
            # uploaded files, read here (the form closes them): name → (file name, bytes)
            request.state.files = {
                key: (value.filename or key, await value.read())
                for key, value in form.multi_items()
                if not isinstance(value, str)
            }
            given = fields.pop("csrf", None) or request.headers.get("x-csrf-token")
            if not csrf_valid(request.scope["session"], given):
                raise Forbidden("csrf")
            if not may(user.role, role):
                raise Forbidden
            try:
                return await run_in_threadpool(function, request, fields, user)
            except (KulturskoleError, NotFound) as exc:
                notice(request, str(exc), "error")
                return redirect(local_path(fields.get("back") or _referer(request), "/"))

        return endpoint

    return wrap


def _referer(request: Request) -> str | None:
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def prefect_run_url(flow_run_id: str | None) -> str | None:
    """The run's page in Prefect's UI when a Prefect server is configured or the local one
    (``kulturskole server start``) runs, else None."""
    import os

    from kulturskole.local_prefect import use_prefect

    if not flow_run_id:
        return None
    use_prefect()  # the local server, when it is up, sets PREFECT_UI_URL
    ui = os.environ.get("PREFECT_UI_URL")
    if not ui:
        api = os.environ.get("PREFECT_API_URL")
        if not api:
            return None
        ui = api.rstrip("/").removesuffix("/api")
    return f"{ui.rstrip('/')}/runs/flow-run/{flow_run_id}"


TEMPLATES.env.globals["prefect_run_url"] = prefect_run_url


def urlencode_merge(params: Any, **changes: Any) -> str:
    """The query string ``params`` with ``changes`` applied (None removes a key)."""
    from urllib.parse import urlencode

    merged = {key: value for key, value in params.items() if key not in changes}
    merged.update({key: value for key, value in changes.items() if value is not None})
    return urlencode(merged)


TEMPLATES.env.filters["urlencode_merge"] = urlencode_merge
