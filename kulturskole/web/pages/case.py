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
from kulturskole.services.invoicing_details import set_invoicing_details
from kulturskole.services.users import Account
from kulturskole.web.context import (
    acting,
    action,
    day_param,
    default_day,
    local_path,
    notice,
    page,
    programme_param,
    reading,
    redirect,
    render,
    writing,
)
from kulturskole.web.service_errors import Wording, in_norwegian
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
    if re.fullmatch(r"[Ff][0-9]{2}", number):  # a county branch (fylkesavdeling)
        return number.upper()
    if not re.fullmatch(r"[0-9]{4}", number):
        raise NotFound(f"«{number}» er ikke et kommunenummer (fire sifre).")
    return number


def _no_case(number: str) -> NotFound:
    if number.startswith("F"):
        return NotFound(f"Fylkesavdeling {number} har ingen sak i programmet.")
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


INVOICING_WORDINGS: list[Wording] = [
    (
        r"cannot change the invoicing details of .*: the case is (\w+)",
        "Saken er avsluttet: fakturaopplysningene kan ikke endres lenger.",
    ),
    (r"e-mail address '(.*)' is invalid", "E-postadressen «{0}» er ikke gyldig."),
    (
        r"organisation number '(.*)' is invalid",
        "Organisasjonsnummeret «{0}» er ikke gyldig (ni sifre med riktig kontrollsiffer).",
    ),
    (
        r"Peppol id '(.*)' is invalid",
        "Peppol-ID-en «{0}» er ikke gyldig (f.eks. 0192:942110464).",
    ),
    (
        r"the postal address must end with the postcode and place",
        "Postadressen må slutte med postnummer og sted (f.eks. «7004 Trondheim»).",
    ),
    (r"the postal address has (\d+) lines", "Postadressen har {0} linjer; høyst fire."),
    (r"the postal address line .* is over 100", "En linje i postadressen er over 100 tegn."),
    (r"(.+) is longer than (\d+) characters", "Feltet er lengre enn {1} tegn."),
    (r"contains control characters", "Feltet kan ikke inneholde linjeskift."),
]
INVOICING_FIELDS = ("name", "org_number", "peppol_id", "email", "address", "reference")


@action("finance")
def invoicing_details(request: Request, form: dict[str, str], user: Account) -> Response:
    """Who receives the case's invoices (finance): every field as the form sends it; an empty
    field falls back to the municipality's own data (name, organisation number, Peppol id) or
    is cleared (e-mail, address, reference)."""
    number = _number(request)
    values = {field: form.get(field, "").strip() for field in INVOICING_FIELDS}
    with in_norwegian(INVOICING_WORDINGS), writing(request) as session:
        _, changed = set_invoicing_details(
            session, number, acting(user, default_day(request)), **values
        )
    notice(
        request,
        "Fakturaopplysningene er lagret. Nye fakturaer får dem; fakturaer som er sendt, beholder "
        "det de ble utstedt med."
        if changed
        else "Ingen endringer i fakturaopplysningene.",
    )
    return redirect(local_path(form.get("back"), f"/cases/{number}") + "#invoicing-details")


routes = [
    Route("/cases/{number}", case, methods=["GET"]),
    Route("/cases/{number}/as-of", as_of, methods=["GET"]),
    Route("/cases/{number}/invoicing-details", invoicing_details, methods=["POST"]),
]
