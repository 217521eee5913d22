"""Logging in: accounts, wrong passwords, the throttle, sessions that end, CSRF, and headers."""

from __future__ import annotations

from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.services.users import disable_user
from tests.support.web import PASSWORD, console, csrf_of, logged_in, make_user, post


def _login(client, email: str, password: str):  # noqa: ANN001, ANN202
    token = csrf_of(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf": token})


def test_a_page_without_login_sends_to_the_login_page(engine: Engine) -> None:
    response = console(engine).get("/?as_of=2025-01-01")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/%3Fas_of%3D2025-01-01"


def test_login_with_the_right_password_opens_the_overview(
    engine: Engine, programme_loaded: str
) -> None:
    client = logged_in(engine, "viewer")
    page = client.get("/")
    assert page.status_code == 200
    assert "Oversikt" in page.text and "Test Viewer" in page.text
    cookie = page.headers.get("set-cookie") or ""
    assert "kulturskole_session" not in cookie or "HttpOnly" in cookie


def test_session_cookie_is_httponly_and_samesite_lax(engine: Engine) -> None:
    email = make_user(engine, "viewer")
    response = _login(console(engine), email, PASSWORD)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(engine: Engine) -> None:
    email = make_user(engine, "viewer")
    client = console(engine)
    client.base_url = client.base_url.copy_with(scheme="https")
    response = _login(client, email, PASSWORD)
    assert "; Secure" in response.headers["set-cookie"]


def test_wrong_password_and_unknown_account_are_refused_alike(engine: Engine) -> None:
    email = make_user(engine, "viewer")
    client = console(engine)
    wrong = _login(client, email, "not the password")
    unknown = _login(client, "nobody@kulturskoleradet.no", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Feil e-postadresse eller passord" in wrong.text
    assert "not the password" not in wrong.text
    assert client.get("/").status_code == 303


def test_failed_logins_are_throttled(engine: Engine) -> None:
    email = make_user(engine, "viewer")
    client = console(engine)
    for _ in range(5):
        assert _login(client, email, "wrong password").status_code == 401
    throttled = _login(client, email, PASSWORD)  # even the right password waits
    assert throttled.status_code == 429
    assert "For mange mislykkede forsøk" in throttled.text


def test_login_without_csrf_token_is_refused(engine: Engine) -> None:
    email = make_user(engine, "viewer")
    client = console(engine)
    client.get("/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/").status_code == 303


def test_a_disabled_account_is_logged_out_at_once(engine: Engine, programme_loaded: str) -> None:
    client = logged_in(engine, "admin")
    assert client.get("/").status_code == 200
    with unit_of_work(engine) as session:
        disable_user(session, "admin@kulturskoleradet.no")
    assert client.get("/").status_code == 303
    assert _login(console(engine), "admin@kulturskoleradet.no", PASSWORD).status_code == 401


def test_next_only_leads_to_this_site(engine: Engine) -> None:
    email = make_user(engine, "viewer")
    client = console(engine)
    token = csrf_of(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf": token, "next": "https://evil.example"},
    )
    assert response.headers["location"] == "/"


def test_logout_ends_the_session(engine: Engine, programme_loaded: str) -> None:
    client = logged_in(engine, "viewer")
    assert post(client, "/logout").headers["location"] == "/login"
    assert client.get("/").status_code == 303


def test_pages_forbid_framing_and_foreign_scripts(engine: Engine) -> None:
    response = console(engine).get("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_static_assets_are_served_by_the_application(engine: Engine) -> None:
    client = console(engine)
    assert client.get("/static/app.css").status_code == 200
    assert "data-poll" in client.get("/static/app.js").text


def test_the_overview_says_in_norwegian_what_the_last_run_did(
    engine: Engine, programme_loaded: str
) -> None:
    from datetime import date

    from flows.runs import record_run

    record_run(
        "invoicing",
        programme_loaded,
        date(2024, 9, 26),
        False,
        None,
        {"issued": 3, "total": "60000.00", "already_invoiced": 0, "skipped": 0},
    )
    page = logged_in(engine, "viewer").get("/?as_of=2024-09-27").text
    assert "utstedt: 3" in page and "beløp: 60\u00a0000,00\u00a0kr" in page
    assert "Aldri kjørt" in page  # the other flows


def test_a_password_is_never_logged(engine: Engine, caplog) -> None:  # noqa: ANN001
    import logging

    caplog.set_level(logging.DEBUG)
    email = make_user(engine, "viewer")
    client = console(engine)
    _login(client, email, "wrong password but secret")
    _login(client, email, PASSWORD)
    assert "wrong password but secret" not in caplog.text
    assert PASSWORD not in caplog.text
