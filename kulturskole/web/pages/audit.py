"""Revisjon: ``audit verify`` for every case, the result per case and in sum."""

from __future__ import annotations

import math
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.read.audit import AuditFinding, CaseAudit, audit_history
from kulturskole.services.users import Account
from kulturskole.web.context import page, page_number, reading, render
from kulturskole.web.export import table_response, wanted

PER_PAGE = 250
PROBLEMS = {
    "missing (removed)": "mangler (fjernet)",
    "does not follow the entry before it": "henger ikke sammen med oppføringen før",
    "content changed after it was written": "innholdet er endret etter at den ble skrevet",
}
_SHORT_CHAIN = re.compile(r"ends at entry (\d+), but the case records (\d+) entries")


def finding_text(finding: AuditFinding) -> str:
    """One finding in Norwegian: "oppføring 2: innholdet er endret etter at den ble skrevet"."""
    problem = finding["problem"]
    short = _SHORT_CHAIN.fullmatch(problem)
    if short:
        last, recorded = short.groups()
        problem = f"kjeden slutter ved oppføring {last}, men saken har registrert {recorded}"
    else:
        problem = PROBLEMS.get(problem, problem)
    return problem if finding["seq"] is None else f"oppføring {finding['seq']}: {problem}"


def _findings(row: CaseAudit) -> str:
    return "; ".join(finding_text(f) for f in row["findings"])


COLUMNS = [
    ("Kommunenummer", "municipality"),
    ("Kommune", "name"),
    ("Program", "programme"),
    ("Oppføringer", "entries"),
    ("Intakt", "intact"),
    ("Funn", _findings),
]


@page()
def audit(request: Request, user: Account) -> Response:
    only_broken = request.query_params.get("broken") == "1"
    with reading(request) as session:
        report = audit_history(session)
    rows = [r for r in report["rows"] if not r["intact"]] if only_broken else report["rows"]
    form = wanted(request)
    if form:
        return table_response(rows, COLUMNS, "revisjon", form)
    number = page_number(request)
    shown = rows[(number - 1) * PER_PAGE : number * PER_PAGE]
    return render(
        request,
        "audit.html",
        report=report,
        rows=shown,
        only_broken=only_broken,
        finding_text=finding_text,
        page=number,
        pages=max(1, math.ceil(len(rows) / PER_PAGE)),
        total=len(rows),
    )


routes = [Route("/audit", audit, methods=["GET"])]
