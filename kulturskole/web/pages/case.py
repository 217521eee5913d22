"""Sak: one case (state, what the next steps lack, the group, the history as a timeline and
whether its chain verifies, invoices, visits, attendance, breaches, mail), and the case as it
stood on a chosen date, rebuilt from its history."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.errors import InvalidInput, NotFound
from kulturskole.read.case_as_of import case_as_of
from kulturskole.read.case_page import ChainProblem, case_page
from kulturskole.services.users import Account
from kulturskole.web.context import day_param, page, programme_param, reading, render
from kulturskole.web.timeline import timeline

CHAIN_PROBLEMS = {
    "missing (removed)": "mangler (er fjernet)",
    "does not follow the entry before it": "henger ikke sammen med hendelsen før",
    "content changed after it was written": "er endret etter at den ble skrevet",
}
_ENDS = re.compile(r"ends at entry (\d+), but the case records (\d+) entries")


def chain_problem(problem: ChainProblem) -> str:
    """One finding of the chain check, in Norwegian."""
    ends = _ENDS.fullmatch(problem["problem"])
    if ends:
        return (
            f"Kjeden slutter ved hendelse {ends.group(1)}, men saken har registrert "
            f"{ends.group(2)} hendelser (de siste er fjernet)"
        )
    text = CHAIN_PROBLEMS.get(problem["problem"], problem["problem"])
    return f"Hendelse {problem['seq']} {text}"


def _number(request: Request) -> str:
    number = request.path_params["number"]
    if not re.fullmatch(r"[0-9]{4}", number):
        raise NotFound(f"«{number}» er ikke et kommunenummer (fire sifre).")
    return number


def _no_case(number: str) -> NotFound:
    return NotFound(f"Kommunenummer {number} har ingen sak i programmet.")


@page()
def case(request: Request, user: Account) -> Response:
    number, day = _number(request), day_param(request)
    with reading(request) as session:
        try:
            data = case_page(session, number, day, programme_param(request))
        except NotFound:
            raise _no_case(number) from None
    return render(
        request,
        "case.html",
        data=data,
        c=data["case"],
        timeline=timeline(data),
        chain_problems=[chain_problem(p) for p in data["chain"]["problems"]],
        as_of=day,
        title=data["case"]["name"],
    )


@page()
def as_of(request: Request, user: Account) -> Response:
    number = _number(request)
    try:
        day = day_param(request, "date")
    except InvalidInput as exc:  # shown with the form, to try another date
        return render(
            request,
            "case_as_of.html",
            400,
            error=str(exc),
            number=number,
            title="Se saken per dato",
        )
    with reading(request) as session:
        try:
            data = case_as_of(session, number, day, programme_param(request))
        except NotFound:
            raise _no_case(number) from None
    return render(request, "case_as_of.html", data=data, day=day, title=f"{data['name']} per dato")


routes = [
    Route("/cases/{number}", case, methods=["GET"]),
    Route("/cases/{number}/as-of", as_of, methods=["GET"]),
]
