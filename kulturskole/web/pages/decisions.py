"""Beslutninger: the proposed terminations waiting for an administrator, and the decisions taken.

A decision is made exactly as ``kulturskole breaches decide`` makes it (kulturskole.decisions):
through the obligations service, with the logged-in person as decider and actor in the history,
and a paused monitor-obligations run waiting for it is resumed with the same answer.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.decisions import decide
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.read.decisions import breach_row, decisions_awaited, decisions_taken
from kulturskole.services.users import Account
from kulturskole.web import labels
from kulturskole.web.context import (
    acting,
    action,
    day_param,
    notice,
    page,
    programme_param,
    reading,
    redirect,
    render,
)
from kulturskole.web.export import table_response, wanted
from kulturskole.web.formatting import dato

AWAITED_COLUMNS = [
    ("Brudd", "id"),
    ("Kommunenummer", "municipality"),
    ("Kommune", "name"),
    ("Regel", lambda r: labels.label(labels.RULES, r["rule"])),
    ("Bevis", "evidence"),
    ("Åpnet", "opened_on"),
    ("Frist for retting", "remedy_by"),
    ("Dager over fristen", "days_over"),
    ("Varsel", lambda r: (r["warning"] or {}).get("subject")),
    ("Varsel sendt", lambda r: (r["warning"] or {}).get("sent_at")),
    ("Varsel til", lambda r: (r["warning"] or {}).get("to")),
    ("Venter i kjøring", "awaiting_flow_run_id"),
]
TAKEN_COLUMNS = [
    ("Brudd", "breach"),
    ("Kommunenummer", "municipality"),
    ("Kommune", "name"),
    ("Regel", lambda r: labels.label(labels.RULES, r["rule"])),
    ("Beslutning", lambda r: labels.label(labels.DECISIONS, r["decision"])),
    ("Besluttet av", "decided_by"),
    ("Begrunnelse", "reason"),
    ("Gjelder fra", "decided_on"),
    ("Registrert", "at"),
    ("Saken nå", lambda r: labels.label(labels.STATES, r["state"])),
]


@page()
def decisions(request: Request, user: Account) -> Response:
    day = day_param(request)
    programme = programme_param(request)
    with reading(request) as session:
        awaited = decisions_awaited(session, day, programme)
        taken = decisions_taken(session, programme)
    form = wanted(request)
    if form and request.query_params.get("list") == "decided":
        return table_response(taken, TAKEN_COLUMNS, "beslutninger", form)
    if form:
        return table_response(awaited, AWAITED_COLUMNS, "venter-paa-beslutning", form)
    return render(request, "decisions.html", awaited=awaited, taken=taken, as_of=day)


@action("admin")
def decide_breach(request: Request, form: dict[str, str], user: Account) -> Response:
    breach_id = int(request.path_params["breach_id"])
    approve = _choice(form.get("decision"))
    reason = (form.get("reason") or "").strip()
    if not reason:
        raise InvalidInput("Skriv en begrunnelse for beslutningen: den lagres i sakens historikk.")
    day = day_param(request, value=form.get("as_of") or None)
    with reading(request) as session:
        before = breach_row(session, breach_id)
    if before is None:
        raise NotFound(f"Fant ikke brudd {breach_id}.")
    if before["status"] != "open":
        status = labels.label(labels.BREACH_STATUSES, before["status"]).lower()
        raise InvalidInput(f"Brudd {breach_id} er ikke lenger åpent ({status}).")
    decided = decide(
        request.app.state.engine,
        breach_id,
        approve=approve,
        reason=reason,
        decided_by=user.email,
        acting=acting(user, day),
    )
    with reading(request) as session:
        after = breach_row(session, breach_id)
    notice(request, _outcome(before, after, approve))
    if decided.resumed_run and decided.resume_error:
        notice(
            request,
            f"Beslutningen er lagret, men kjøringen som ventet ({decided.resumed_run}) kunne ikke "
            f"gjenopptas: {decided.resume_error}",
            "error",
        )
    elif decided.resumed_run:
        notice(request, "Kjøringen av Forpliktelser som ventet på beslutningen, er gjenopptatt.")
    return redirect("/decisions")


def _choice(value: str | None) -> bool:
    if value not in ("approve", "reject"):
        raise InvalidInput("Velg «Godkjenn avslutning» eller «Avvis forslaget».")
    return value == "approve"


def _outcome(before: dict[str, Any], after: dict[str, Any] | None, approve: bool) -> str:
    where = f"{before['municipality']} {before['name']} (brudd {before['id']})"
    if approve:
        return f"Avslutning godkjent for {where}: avtalen er avsluttet."
    remedy = after["remedy_by"] if after else before["remedy_by"]
    return f"Forslaget om avslutning er avvist for {where}. Ny frist for retting: {dato(remedy)}."


routes = [
    Route("/decisions", decisions, methods=["GET"]),
    Route("/decisions/{breach_id:int}", decide_breach, methods=["POST"]),
]
