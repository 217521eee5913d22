"""Innbetalinger: the payments the bank has reported, the newest first, and (for finance) the
upload of a bank file — camt.054 or OCR giro — through the same import as
``kulturskole payments import``: matched by KID, recorded with history in one transaction,
and every line that did not match reported without changing anything."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.errors import InvalidInput
from kulturskole.payments import parse_payment_file
from kulturskole.payments.importing import import_payments
from kulturskole.payments.refunds import list_refunds, record_refund
from kulturskole.read.payments import count_payments, list_payments
from kulturskole.services.users import Account
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

PER_PAGE = 100
# The parsers name the file and the line; the technical reason stays as the parser gave it.
WORDINGS: list[Wording] = [
    (r"^(.+?): (\d+) bytes is larger than (\d+)", "Filen {0} er for stor (over 20 MB)."),
    (r"^(.+?):1: the file is empty", "Filen {0} er tom."),
    (
        r"^(.+?):(\d+): (.*)$",
        "Filen {0} kan ikke leses, og ingenting er registrert. Feil på linje {1}: {2}",
    ),
]
COLUMNS = [
    ("Bokført", "booked_on"),
    ("KID", "kid"),
    ("Beløp (kr)", "amount"),
    ("Serie", "series"),
    ("Faktura", "number"),
    ("Kommunenummer", "municipality"),
    ("Kjøper", "buyer"),
    ("Bankens referanse", "reference"),
    ("Fil og linje", "source"),
]


@page()
def payments(request: Request, user: Account) -> Response:
    form, number = wanted(request), page_number(request)
    with reading(request) as session:
        if form:
            return table_response(list_payments(session), COLUMNS, "innbetalinger", form)
        count, total = count_payments(session)
        rows = list_payments(session, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
        refunds = list_refunds(session)
    return render(
        request,
        "payments.html",
        rows=rows,
        refunds=refunds,
        as_of=default_day(request),
        count=count,
        total=total,
        page=number,
        pages=max(1, math.ceil(count / PER_PAGE)),
    )


@action("finance")
def upload(request: Request, form: dict[str, str], user: Account) -> Response:
    name, data = request.state.files.get("file", (None, b""))
    if not name or not data:
        raise InvalidInput("Velg en fil fra banken (camt.054 eller OCR) før du importerer.")
    with in_norwegian(WORDINGS):  # a malformed file stops here, naming the line
        lines = parse_payment_file(data, name)
    with writing(request) as session:
        report = import_payments(session, lines, acting(user, default_day(request)))
    return render(request, "payments_result.html", name=name, lines=lines, report=report)


REFUND_WORDINGS: list[Wording] = [
    (
        r"the refund of invoice (\d+) was already paid out on (\S+)",
        lambda m: f"Tilbakebetalingen for faktura {m.group(1)} ble utbetalt {dato(m.group(2))}.",
    ),
    (r"invoice (\d+) has no refund due", "Faktura {0} har ingen tilbakebetaling til gode."),
    (
        r"payout date (\S+) is before the credit note's date (\S+)",
        lambda m: (
            f"Utbetalingsdatoen ({dato(m.group(1))}) er før kreditnotaens dato "
            f"({dato(m.group(2))})."
        ),
    ),
    (r"the reference is one line", "Referansen må være én linje på høyst 200 tegn."),
]


@action("finance")
def refund_paid(request: Request, form: dict[str, str], user: Account) -> Response:
    """Finance records that a refund due has been paid out to the municipality."""
    series, number = request.path_params["series"], request.path_params["number"]
    day = day_param(request, value=form.get("on", ""))
    with in_norwegian(REFUND_WORDINGS), writing(request) as session:
        refund = record_refund(
            session, number, day, acting(user, day), reference=form.get("reference"), series=series
        )
        amount = refund.amount_ore
    notice(
        request,
        f"Tilbakebetalingen for faktura {number} ({kroner(amount)}) er registrert som "
        f"utbetalt {dato(day)}.",
    )
    return redirect(local_path(form.get("back"), "/payments") + "#refunds")


routes = [
    Route("/payments", payments, methods=["GET"]),
    Route("/payments/import", upload, methods=["POST"]),
    Route("/payments/refunds/{series}/{number:int}", refund_paid, methods=["POST"]),
]
