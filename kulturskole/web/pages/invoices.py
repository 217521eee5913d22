"""Fakturaer: the ledger with its filters and totals, one invoice, its documents, and the
finance role's actions (credit note, payment) through the same services as the CLI."""

from __future__ import annotations

import math

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.errors import InvalidInput, NotFound
from kulturskole.invoicing.ledger import credit, record_payment
from kulturskole.read.invoices import (
    LedgerFilter,
    invoice_document,
    invoice_view,
    is_open,
    is_overdue,
    ledger_totals,
    list_invoices,
)
from kulturskole.services.users import Account
from kulturskole.web import labels
from kulturskole.web.context import (
    acting,
    action,
    day_param,
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
from kulturskole.web.formatting import dato, kroner
from kulturskole.web.service_errors import Wording, in_norwegian
from models import Refund

PER_PAGE = 100
DOCUMENTS = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "ehf": ("application/xml", "xml"),
}
# The stored HTML document is the council's own, with inline styles: shown as a sandboxed
# document (no scripts, no forms, no requests anywhere), which the invoice page may frame.
DOCUMENT_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
COLUMNS = [
    ("Serie", "series"),
    ("Nummer", "number"),
    ("Type", lambda r: labels.label(labels.INVOICE_KINDS, r["kind"])),
    ("Kommunenummer", "municipality"),
    ("Kjøper", "buyer"),
    ("Organisasjonsnummer", "org_number"),
    ("Avdrag", "instalment"),
    ("Beløp (kr)", "amount"),
    ("KID", "kid"),
    ("Fakturadato", "issue_date"),
    ("Forfallsdato", "due_date"),
    ("Status", lambda r: labels.label(labels.INVOICE_STATUSES, r["status"])),
    ("Betalt", "paid_on"),
    ("EHF", "ehf"),
    ("Levering", lambda r: ", ".join(labels.delivery_text(d) for d in r["delivery"])),
    ("Testfaktura", "test"),
    ("Innbetalt (kr)", "paid"),
    ("Restbeløp (kr)", "balance"),
]


def _status(match) -> str:  # noqa: ANN001
    return labels.label(labels.INVOICE_STATUSES, match.group(2)).lower()


WORDINGS: list[Wording] = [
    (r"a reason is required", "Skriv hvorfor fakturaen krediteres."),
    (
        r"(\d+) is a credit note; only invoices",
        "Nr. {0} er en kreditnota: bare fakturaer krediteres.",
    ),
    (r"invoice (\d+) is already credited", "Faktura {0} er allerede kreditert."),
    (r"(\d+) is a credit note; it is not paid", "Nr. {0} er en kreditnota: den betales ikke."),
    (
        r"invoice (\d+) is (\w+); only an open invoice",
        lambda m: f"Faktura {m.group(1)} er {_status(m)}: bare en åpen faktura kan betales.",
    ),
    (r"invoice (\d+) is (\w+)$", lambda m: f"Faktura {m.group(1)} er {_status(m)}."),
    (
        r"payment date (\S+) is before the invoice date (\S+)",
        lambda m: (
            f"Betalingsdatoen ({dato(m.group(1))}) er før fakturadatoen ({dato(m.group(2))})."
        ),
    ),
    (r"no invoice or credit note number (\d+)", "Det finnes ingen faktura nr. {0}."),
]


def ledger_filter(request: Request) -> LedgerFilter:
    query = request.query_params
    status, kind = query.get("status") or None, query.get("kind") or None
    if status and status not in labels.INVOICE_STATUSES:
        raise InvalidInput(f"ukjent fakturastatus «{status}»")
    if kind and kind not in labels.INVOICE_KINDS:
        raise InvalidInput(f"ukjent type «{kind}»")
    return LedgerFilter(
        status=status,
        kind=kind,
        search=(query.get("q") or "").strip() or None,
        open_only=query.get("open") == "1",
        overdue_on=day_param(request) if query.get("overdue") == "1" else None,
    )


@page()
def ledger(request: Request, user: Account) -> Response:
    chosen, form = ledger_filter(request), wanted(request)
    number = page_number(request)
    with reading(request) as session:
        if form:
            rows = list_invoices(session, ledger=chosen)
            return table_response(rows, COLUMNS, "fakturaer", form)
        totals = ledger_totals(session, chosen)
        rows = list_invoices(session, ledger=chosen, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
    as_of = day_param(request)
    return render(
        request,
        "invoices.html",
        rows=rows,
        totals=totals,
        chosen=chosen,
        as_of=as_of,
        overdue={(r["series"], r["number"]) for r in rows if is_overdue(r, as_of)},
        payable={(r["series"], r["number"]) for r in rows if is_open(r)},
        back=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        page=number,
        pages=max(1, math.ceil(totals["count"] / PER_PAGE)),
        first=(number - 1) * PER_PAGE + 1,
    )


def _key(request: Request) -> tuple[str, int]:
    series, number = request.path_params["series"], request.path_params["number"]
    return series, number


@page()
def invoice(request: Request, user: Account) -> Response:
    series, number = _key(request)
    with reading(request) as session, in_norwegian(WORDINGS):
        view = invoice_view(session, number, series)
    as_of = default_day(request)
    return render(
        request,
        "invoice.html",
        invoice=view,
        overdue=is_overdue(view, as_of),
        payable=is_open(view),
        as_of=as_of,
        title=f"{labels.label(labels.INVOICE_KINDS, view['kind'])} {view['number']}",
    )


@page()
def document(request: Request, user: Account) -> Response:
    series, number = _key(request)
    form = request.path_params["form"]
    if form not in DOCUMENTS:
        raise NotFound("Denne siden finnes ikke.")
    media, suffix = DOCUMENTS[form]
    with reading(request) as session, in_norwegian(WORDINGS):
        view = invoice_view(session, number, series)
        if form == "ehf" and not view["ehf"]:
            raise NotFound(
                f"Faktura {number} har ingen EHF: kjøperen ({view['buyer']}) har ikke noe "
                "organisasjonsnummer. Last ned PDF-en i stedet."
            )
        body = invoice_document(session, number, form, series)
    name = f"{'kreditnota' if view['kind'] == 'credit' else 'faktura'}-{series}-{number}.{suffix}"
    disposition = "inline" if form == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{name}"'}
    if form == "html":
        headers |= {"Content-Security-Policy": DOCUMENT_POLICY, "X-Frame-Options": "SAMEORIGIN"}
    return Response(body, media_type=media, headers=headers)


def _back(request: Request, form: dict[str, str]) -> str:
    series, number = _key(request)
    return local_path(form.get("back"), f"/invoices/{series}/{number}")


@action("finance")
def credit_note(request: Request, form: dict[str, str], user: Account) -> Response:
    series, number = _key(request)
    reissue = form.get("reissue") == "1"
    with in_norwegian(WORDINGS), writing(request) as session:
        note = credit(
            session,
            number,
            form.get("reason", ""),
            acting(user, default_day(request)),
            series=series,
            reissue=reissue,
        )
        made = note.number
        refund = session.scalar(select(Refund.amount_ore).where(Refund.credit_note_id == note.id))
    again = " Avdraget faktureres på nytt ved neste faktureringskjøring." if reissue else ""
    if refund:
        again += f" Det som er betalt ({kroner(refund)}), er registrert til tilbakebetaling."
    notice(request, f"Kreditnota {made} krediterer faktura {number}.{again}")
    return redirect(_back(request, form))


@action("finance")
def payment(request: Request, form: dict[str, str], user: Account) -> Response:
    series, number = _key(request)
    day = day_param(request, value=form.get("on", ""))
    with in_norwegian(WORDINGS), writing(request) as session:
        record_payment(session, number, day, acting(user, day), series=series)
    notice(request, f"Faktura {number} er registrert som betalt {dato(day)}.")
    return redirect(_back(request, form))


EXPORT_WORDINGS: list[Wording] = [
    (
        r"--from (\S+) is after --to (\S+)",
        lambda m: f"Fra-datoen ({dato(m.group(1))}) er etter til-datoen ({dato(m.group(2))}).",
    ),
]


@page()
def accounting_export(request: Request, user: Account) -> Response:
    """The postings of a period for the accounting system, as ``invoices export`` writes them:
    one line per invoice, credit note, payment and refund paid out, by its own date."""
    from kulturskole.invoicing.export import FORMATS, check_period, export_file, export_rows

    start, end = day_param(request, "from"), day_param(request, "to")
    form = request.query_params.get("format") or "csv"
    if form not in FORMATS:
        raise InvalidInput(f"ukjent format «{form}»: velg CSV eller Excel")
    with in_norwegian(EXPORT_WORDINGS):
        check_period(start, end)
    with reading(request) as session:
        rows = export_rows(session, start, end)
    name = f"regnskap-{start.isoformat()}-{end.isoformat()}.{form}"
    media = (
        "text/csv; charset=utf-8"
        if form == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        export_file(rows, form),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


INVOICE = "/invoices/{series}/{number:int}"
routes = [
    Route("/invoices", ledger, methods=["GET"]),
    Route("/invoices/export", accounting_export, methods=["GET"]),
    Route(INVOICE, invoice, methods=["GET"]),
    Route(INVOICE + "/{form:str}", document, methods=["GET"]),
    Route(INVOICE + "/credit", credit_note, methods=["POST"]),
    Route(INVOICE + "/paid", payment, methods=["POST"]),
]
