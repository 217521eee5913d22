"""Saker: every case of the programme, filtered, searched, sorted and paged (100 a page), and
the whole filtered list as CSV or Excel."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.errors import InvalidInput
from kulturskole.read.case_list import (
    NO_ADVISOR,
    SORTS,
    CaseFilter,
    filter_options,
    matching_cases,
    search_cases,
)
from kulturskole.services.users import Account
from kulturskole.web import labels
from kulturskole.web.context import page, programme_param, reading, render
from kulturskole.web.export import table_response, wanted
from states.machine import STATES

COLUMNS = [
    ("Kommunenummer", "municipality"),
    ("Kommune", "name"),
    ("Fylke", "county"),
    ("Status", lambda row: labels.label(labels.STATES, row["state"])),
    ("Søkt", "applied_on"),
    ("Veileder", "advisor"),
    ("Åpne brudd", "open_breaches"),
    ("Ubetalte fakturaer", "unpaid_invoices"),
    ("Ubetalt beløp", "unpaid_amount"),
]
HEADINGS = [  # the table's columns: (sort key or None, heading, numeric)
    ("number", "Nr.", False),
    ("name", "Kommune", False),
    ("county", "Fylke", False),
    ("state", "Status", False),
    ("applied_on", "Søkt", False),
    (None, "Veileder", False),
    (None, "Åpne brudd", True),
    (None, "Ubetalt", True),
]


def filters_of(request: Request) -> CaseFilter:
    """The filter form's fields, checked, with the console's words for what is wrong."""
    query = request.query_params
    state = query.get("state") or None
    if state is not None and state not in STATES:
        raise InvalidInput(f"ukjent status «{state}»")
    return CaseFilter(
        q=(query.get("q") or "").strip() or None,
        state=state,
        county=query.get("county") or None,
        advisor=query.get("advisor") or None,
        breach=query.get("breach") == "1",
        unpaid=query.get("unpaid") == "1",
    )


def order_of(request: Request) -> tuple[str, bool]:
    sort = request.query_params.get("sort") or "name"
    if sort not in SORTS:
        raise InvalidInput(f"kan ikke sortere etter «{sort}»")
    return sort, request.query_params.get("desc") == "1"


def page_number(request: Request) -> int:
    text = request.query_params.get("page") or "1"
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"«{text}» er ikke et sidenummer")
    return int(text)


@page()
def cases(request: Request, user: Account) -> Response:
    filters, (sort, descending) = filters_of(request), order_of(request)
    download = wanted(request)
    programme = programme_param(request)
    with reading(request) as session:
        if download:
            rows = matching_cases(
                session, filters, sort=sort, descending=descending, programme_id=programme
            )
            return table_response(rows, COLUMNS, "saker", download)
        result = search_cases(
            session,
            filters,
            sort=sort,
            descending=descending,
            page=page_number(request),
            programme_id=programme,
        )
        options = filter_options(session, programme)
    return render(
        request,
        "cases.html",
        result=result,
        options=options,
        filters=filters,
        sort=sort,
        descending=descending,
        headings=HEADINGS,
        no_advisor=NO_ADVISOR,
    )


routes = [Route("/cases", cases, methods=["GET"])]
