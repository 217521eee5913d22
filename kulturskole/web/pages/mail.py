"""E-post: the outbox, failed and waiting messages first; one message with its bodies (the HTML
one sandboxed); and, for an administrator, sending a failed message again."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.errors import InvalidInput
from kulturskole.read.mail import list_messages, message_counts, message_detail
from kulturskole.services.users import Account
from kulturskole.web import labels
from kulturskole.web.context import (
    acting,
    action,
    default_day,
    local_path,
    notice,
    page,
    page_number,
    reading,
    redirect,
    render,
    writing,
)
from kulturskole.web.export import table_response, wanted
from kulturskole.web.service_errors import Wording, in_norwegian
from notifications.outbox import retry as retry_message

PER_PAGE = 100
# A message's HTML body is shown as a sandboxed document: its inline styles render, nothing in
# it runs or loads anything; only the message page may frame it.
BODY_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
COLUMNS = [
    ("Id", "id"),
    ("Status", lambda m: labels.label(labels.MESSAGE_STATUSES, m["status"])),
    ("Til", "to"),
    ("Kopi", "cc"),
    ("Emne", "subject"),
    ("Mal", "template"),
    ("Forsøk", "attempts"),
    ("Siste feil", "last_error"),
    ("Opprettet (UTC)", "created_at"),
    ("Neste forsøk (UTC)", "due_at"),
    ("Sendt (UTC)", "sent_at"),
    ("Vedlegg", "attachments"),
    ("Svar til", "reply_to"),
    ("Nøkkel", "key"),
]
WORDINGS: list[Wording] = [
    (r"no message (\d+)", "Det finnes ingen e-post med id {0}."),
    (r"message (\d+) was sent on (\S+ \S+)", "E-posten ({0}) ble allerede sendt {1} UTC."),
]


def _status(request: Request) -> str | None:
    status = request.query_params.get("status") or None
    if status and status not in labels.MESSAGE_STATUSES:
        raise InvalidInput(f"ukjent status «{status}»")
    return status


@page()
def outbox(request: Request, user: Account) -> Response:
    status, form = _status(request), wanted(request)
    number = page_number(request)
    with reading(request) as session:
        if form:
            rows = list_messages(session, status=status, attention_first=True)
            return table_response(rows, COLUMNS, "e-post", form)
        counts = message_counts(session)
        rows = list_messages(
            session,
            status=status,
            attention_first=True,
            limit=PER_PAGE,
            offset=(number - 1) * PER_PAGE,
        )
    total = counts[status] if status else sum(counts.values())
    return render(
        request,
        "mail.html",
        rows=rows,
        counts=counts,
        status=status,
        total=total,
        page=number,
        pages=max(1, math.ceil(total / PER_PAGE)),
        back=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )


@page()
def message(request: Request, user: Account) -> Response:
    with reading(request) as session, in_norwegian(WORDINGS):
        row = message_detail(session, request.path_params["id"])
    return render(request, "message.html", message=row, title=f"E-post {row['id']}")


@page()
def html_body(request: Request, user: Account) -> Response:
    with reading(request) as session, in_norwegian(WORDINGS):
        row = message_detail(session, request.path_params["id"])
    return Response(
        row["html"],
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": BODY_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
            "Content-Disposition": f'inline; filename="e-post-{row["id"]}.html"',
        },
    )


@action("admin")
def retry(request: Request, form: dict[str, str], user: Account) -> Response:
    message_id = request.path_params["id"]
    with in_norwegian(WORDINGS), writing(request) as session:
        retry_message(session, message_id, acting(user, default_day(request)))
    notice(request, f"E-post {message_id} er lagt i kø igjen; neste utsending sender den.")
    return redirect(local_path(form.get("back"), f"/mail/{message_id}"))


routes = [
    Route("/mail", outbox, methods=["GET"]),
    Route("/mail/{id:int}", message, methods=["GET"]),
    Route("/mail/{id:int}/html", html_body, methods=["GET"]),
    Route("/mail/{id:int}/retry", retry, methods=["POST"]),
]
