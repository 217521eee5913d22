"""The console under test: the real application on the test database, an HTTP client per
role, and the CSRF token a page carries (as a browser would submit it)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import Engine
from starlette.testclient import TestClient

from kulturskole.db import unit_of_work
from kulturskole.services.users import add_user
from kulturskole.web.app import create_app
from kulturskole.web.security import LoginThrottle

PASSWORD = "et langt passord"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def console(engine: Engine, today: date = date(2025, 3, 1)) -> TestClient:
    """A client of a fresh console (own throttle, fixed secret, fixed calendar date)."""
    app = create_app(engine, secret="test-secret", today=lambda: today, throttle=LoginThrottle())
    return TestClient(app, follow_redirects=False)


def make_user(engine: Engine, role: str, email: str | None = None) -> str:
    email = email or f"{role}@kulturskoleradet.no"
    with unit_of_work(engine) as session:
        add_user(session, email, f"Test {role.capitalize()}", role, PASSWORD)
    return email


def csrf_of(client: TestClient, path: str = "/") -> str:
    """The CSRF token of the page at ``path``, as its forms carry it."""
    page = client.get(path, follow_redirects=True)
    found = _CSRF.search(page.text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def logged_in(engine: Engine, role: str, today: date = date(2025, 3, 1)) -> TestClient:
    """A client logged in as a new account of ``role``."""
    email = make_user(engine, role)
    client = console(engine, today)
    token = csrf_of(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"}
    )
    assert response.status_code == 303, response.text
    return client


def post(client: TestClient, path: str, data: dict | None = None, *, page: str = "/"):
    """A form POST with the CSRF token of ``page``, as the browser sends it."""
    return client.post(path, data={**(data or {}), "csrf": csrf_of(client, page)})
