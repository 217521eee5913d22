"""Logging in and out. Failed attempts are throttled per address and per e-mail; the password
is checked by the users service and never logged or echoed."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.db import unit_of_work
from kulturskole.services.users import authenticate
from kulturskole.web.context import local_path, redirect, render
from kulturskole.web.security import csrf_token, csrf_valid


async def login_form(request: Request) -> Response:
    return render(request, "login.html", next=local_path(request.query_params.get("next")))


async def login(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    target = local_path(str(form.get("next", "")))
    session = request.scope["session"]
    if not csrf_valid(session, str(form.get("csrf", ""))):
        return render(
            request,
            "login.html",
            403,
            next=target,
            email=email,
            error="Skjemaet var utløpt. Prøv igjen.",
        )
    throttle = request.app.state.throttle
    keys = (f"ip:{request.client.host if request.client else '?'}", f"email:{email.lower()}")
    wait = throttle.retry_after(*keys)
    if wait:
        minutes = max(1, round(wait / 60))
        return render(
            request,
            "login.html",
            429,
            next=target,
            email=email,
            error=f"For mange mislykkede forsøk. Prøv igjen om {minutes} min.",
        )

    def check():  # noqa: ANN202
        with unit_of_work(request.app.state.engine) as db:
            return authenticate(db, email, password)

    account = await run_in_threadpool(check)
    if account is None:
        throttle.failed(*keys)
        return render(
            request,
            "login.html",
            401,
            next=target,
            email=email,
            error="Feil e-postadresse eller passord, eller kontoen er deaktivert.",
        )
    throttle.succeeded(*keys)
    session.clear()  # a new session on login: no fixation
    session["uid"] = account.id
    csrf_token(session)
    return redirect(target)


async def logout(request: Request) -> Response:
    form = await request.form()
    session = request.scope["session"]
    if csrf_valid(session, str(form.get("csrf", ""))):
        session.clear()
    return redirect("/login")


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
