"""Oversikt: where the programme stands as of a date (the read side's status overview)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.read.status import overview as status_overview
from kulturskole.services.users import Account
from kulturskole.web.context import day_param, page, programme_param, reading, render


@page()
def overview(request: Request, user: Account) -> Response:
    day = day_param(request)
    with reading(request) as session:
        data = status_overview(session, day, programme_param(request))
    return render(request, "overview.html", data=data, as_of=day)


def outcome(summary: dict) -> list[tuple[str, object]]:
    """The counts a run reported, for one line in the overview."""
    return [(key, value) for key, value in summary.items() if isinstance(value, int | str)][:6]


routes = [Route("/", overview, methods=["GET"])]
