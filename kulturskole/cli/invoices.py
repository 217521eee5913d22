"""``kulturskole invoices …``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kulturskole.cli.common import (
    MAX_ID,
    AsOfOpt,
    JsonOpt,
    acting,
    check_output,
    ok,
    parse_date,
    print_json,
    require_database,
    table,
    work,
    write_output,
)
from models import INVOICE_STATUSES

invoices = typer.Typer(
    help="Invoices and credit notes for the participation fee.", no_args_is_help=True
)
Number = Annotated[int, typer.Argument(metavar="NUMBER", help="Invoice number.", min=1, max=MAX_ID)]
SeriesOpt = Annotated[
    str | None, typer.Option("--series", help="Number series, when several exist.")
]


@invoices.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option("--status", help=" | ".join(INVOICE_STATUSES))
    ] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="Kommunenummer.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List invoices and credit notes in number order."""
    from kulturskole.read.invoices import list_invoices
    from kulturskole.services.municipalities import get_municipality

    with work(readonly=True) as session:
        if municipality is not None:  # one not in the register is a typo, not "no invoices"
            municipality = get_municipality(session, municipality.strip()).number
        data = list_invoices(session, status=status, municipality=municipality)
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} invoices",
        [
            "number",
            "kind",
            "municipality",
            "inst.",
            "amount",
            "to pay",
            "KID",
            "issued",
            "due",
            "status",
            "delivery",
        ],
        [
            [
                d["number"],
                d["kind"],
                f"{d['municipality']} {d['buyer']}",
                d["instalment"],
                d["amount"],
                d["balance"]
                if d["kind"] == "invoice" and d["status"] in ("issued", "sent")
                else "",
                d["kid"],
                d["issue_date"],
                d["due_date"],
                d["status"],
                delivery_summary(d["delivery"]),
            ]
            for d in data
        ],
    )


@invoices.command("show")
def show(
    number: Number,
    series: SeriesOpt = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the document here.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write a PDF of it here.")] = None,
    ehf: Annotated[Path | None, typer.Option("--ehf", help="Write the EHF XML here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one invoice; write its document, PDF or EHF to files."""
    from kulturskole.read.invoices import invoice_detail, invoice_document

    files = [
        (check_output(path), form)
        for path, form in ((html, "html"), (ehf, "ehf"), (pdf, "pdf"))
        if path
    ]
    with work(readonly=True) as session:
        data = invoice_detail(session, number, series)
        for path, form in files:
            write_output(path, invoice_document(session, number, form, series))
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if key == "delivery":
            for row in value:
                reason = f" ({row['reason']})" if row["reason"] else ""
                reference = f" [{row['reference']}]" if row["reference"] else ""
                ok(f"delivery {row['channel']}: {row['status']}{reason}{reference}")
            continue
        ok(f"{key}: {value}")


def delivery_summary(rows: list[dict]) -> str:
    """ "ehf delivered, email pending": each channel and its status."""
    return ", ".join(f"{row['channel']} {row['status']}" for row in rows) or "-"


@invoices.command("deliver")
def deliver(as_of: AsOfOpt = None, as_json: JsonOpt = False) -> None:
    """Hand every EHF not yet handed over to the configured access point (again), and ask it
    what became of those handed over before (delivered, rejected, or still on the way)."""
    from kulturskole.db import current_engine
    from kulturskole.errors import InvalidInput
    from kulturskole.invoicing.delivering import deliver_pending
    from kulturskole.invoicing.delivery import AccessPointNotConfigured

    require_database()
    try:
        report = deliver_pending(current_engine(), acting(as_of))
    except AccessPointNotConfigured as exc:
        raise InvalidInput(str(exc)) from None
    if as_json:
        print_json(report.as_json())
        return
    ok(report.headline())
    # Those awaiting confirmation are only counted: there may be many, and nothing happened.
    for row in (
        report.deliveries
        + report.confirmed_delivered
        + report.confirmed_rejected
        + report.confirmation_unavailable
    ):
        detail = row.get("reason") or row.get("reference") or ""
        ok(f"{row['invoice']}: {row['result']}" + (f" ({detail})" if detail else ""))


@invoices.command("credit")
def credit(
    number: Number,
    reason: Annotated[str, typer.Option("--reason", help="Why the invoice is credited.")],
    reissue: Annotated[
        bool, typer.Option("--reissue", help="Invoice the instalment again at the next run.")
    ] = False,
    series: SeriesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Issue a credit note for an invoice, in the same number series."""
    from sqlalchemy import select

    from kulturskole.invoicing.ledger import credit as credit_invoice
    from kulturskole.services.programmes import format_ore
    from models import Refund

    with work() as session:
        note = credit_invoice(
            session, number, reason, acting(as_of), series=series, reissue=reissue
        )
        refund = session.scalar(select(Refund).where(Refund.credit_note_id == note.id))
        ok(
            f"credit note {note.number} credits invoice {number}"
            + ("; the instalment will be invoiced again at the next run" if reissue else "")
            + (
                f"; a refund of {format_ore(refund.amount_ore)} is due "
                f"(kulturskole payments refund {number} --on DATE once paid out)"
                if refund
                else ""
            )
        )


@invoices.command("paid")
def paid(
    number: Number,
    on: Annotated[str, typer.Option("--on", help="Payment date, YYYY-MM-DD.")],
    series: SeriesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record that an invoice has been paid."""
    from kulturskole.invoicing.ledger import record_payment

    day = parse_date(on, "--on")
    with work() as session:
        record_payment(session, number, day, acting(as_of or on), series=series)
    ok(f"invoice {number} paid on {day.isoformat()}")


@invoices.command("export")
def export(
    from_: Annotated[str, typer.Option("--from", help="First date, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last date, YYYY-MM-DD (included).")],
    form: Annotated[str, typer.Option("--format", help="csv | xlsx")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write here (default: standard output).")
    ] = None,
) -> None:
    """Every invoice, credit note, payment and refund of the period, for accounting: one
    posting a line (debit and credit account, amount in kroner and øre)."""
    import sys

    from kulturskole.errors import InvalidInput
    from kulturskole.invoicing.export import FORMATS, check_period, export_file, export_rows

    start, end = parse_date(from_, "--from"), parse_date(to, "--to")
    check_period(start, end)
    if form not in FORMATS:
        raise InvalidInput(f"--format: {form!r} is not one of {', '.join(FORMATS)}")
    if form == "xlsx" and output is None and sys.stdout.isatty():
        raise InvalidInput("--format xlsx writes a binary file: give --output FILE or redirect")
    if output is not None:
        check_output(output)
    with work(readonly=True) as session:
        rows = export_rows(session, start, end)
    data = export_file(rows, form)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_output(output, data)
    typer.echo(f"{len(rows)} lines written to {output}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(invoices, name="invoices")
