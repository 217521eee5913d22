"""``kulturskole payments …``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kulturskole.cli.common import (
    MAX_ID,
    AsOfOpt,
    JsonOpt,
    ProgrammeOpt,
    acting,
    ok,
    parse_date,
    print_json,
    table,
    work,
)
from kulturskole.errors import InvalidInput

payments = typer.Typer(help="Payments received from the bank.", no_args_is_help=True)


def read_payment_file(path: Path):  # noqa: ANN201
    """The file's payment lines: XML is camt.054, anything else OCR giro."""
    from kulturskole.payments import parse_payment_file

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the file ({exc.strerror})") from None
    return parse_payment_file(data, str(path))


@payments.command("import")
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="camt.054 XML or OCR giro file.")],
    as_json: JsonOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Match a bank file's payments to invoices by KID; report what did not match."""
    from kulturskole.payments.importing import import_payments

    lines = read_payment_file(file)  # a malformed file stops here: nothing is recorded
    with work() as session:
        report = import_payments(session, lines, acting(as_of))
    if as_json:
        print_json({"file": str(file), "lines": len(lines), **report.as_dict()})
        return
    counts = report.counts()
    ok(f"{file}: {len(lines)} payments")
    for category, count in counts.items():
        if count:
            ok(f"  {category}: {count}")
    partial = report.of("partial")
    if partial:
        table(
            "partial payments",
            ["source", "invoice", "amount", "balance"],
            [[o.source, o.invoice, o.amount, o.balance] for o in partial],
        )
    if report.unmatched:
        table(
            f"{len(report.unmatched)} not recorded",
            ["source", "KID", "amount", "reason"],
            [[o.source, o.kid, o.amount, o.reason] for o in report.unmatched],
        )


@payments.command("reminders")
def reminders(
    as_of: AsOfOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent.")] = False,
    programme: ProgrammeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Send the payment reminders due (invoices unpaid after their due date); list those that
    have had both reminders, for finance to follow up."""
    from kulturskole.cli.common import require_database
    from kulturskole.db import current_engine
    from kulturskole.payments.reminders import run as send_reminders

    who = acting(as_of)
    require_database()
    report = send_reminders(current_engine(), who, programme, dry_run=dry_run)
    if as_json:
        print_json(report.as_json())
        return
    ok(report.headline())
    if report.sent:
        table(
            "would be reminded" if dry_run else "reminded",
            ["invoice", "municipality", "reminder", "balance", "new due date"],
            [
                [
                    s["number"],
                    f"{s['municipality']} {s['buyer']}",
                    s["reminder"],
                    s["balance"],
                    s["new_due_date"],
                ]
                for s in report.sent
            ],
        )
    if report.for_finance:
        table(
            "for finance to follow up (unpaid after two reminders)",
            ["invoice", "municipality", "KID", "balance", "last due date"],
            [
                [
                    f["number"],
                    f"{f['municipality']} {f['buyer']}",
                    f["kid"],
                    f["balance"],
                    f["last_due_date"],
                ]
                for f in report.for_finance
            ],
        )


@payments.command("refund")
def refund(
    number: Annotated[
        int,
        typer.Argument(metavar="INVOICE_NUMBER", help="The credited invoice.", min=1, max=MAX_ID),
    ],
    on: Annotated[str, typer.Option("--on", help="Payout date, YYYY-MM-DD.")],
    reference: Annotated[
        str | None, typer.Option("--reference", help="The bank's reference of the payout.")
    ] = None,
    series: Annotated[
        str | None, typer.Option("--series", help="Number series, when several exist.")
    ] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record that the refund of a credited, paid invoice has been paid out."""
    from kulturskole.payments.refunds import record_refund
    from kulturskole.services.programmes import format_ore

    day = parse_date(on, "--on")
    with work() as session:
        paid = record_refund(
            session, number, day, acting(as_of or on), reference=reference, series=series
        )
        amount = format_ore(paid.amount_ore)
    ok(f"refund of invoice {number} ({amount}) paid out on {day.isoformat()}")


@payments.command("refunds")
def refunds(
    status: Annotated[str | None, typer.Option("--status", help="due | paid")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the refunds due and paid out."""
    from kulturskole.payments.refunds import list_refunds
    from models import REFUND_STATUSES

    if status is not None and status not in REFUND_STATUSES:
        raise InvalidInput(f"--status: {status!r} is not one of {', '.join(REFUND_STATUSES)}")
    with work(readonly=True) as session:
        data = list_refunds(session, status)
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} refunds",
        ["invoice", "credit note", "municipality", "amount", "status", "paid on", "reference"],
        [
            [
                d["invoice"],
                d["credit_note"],
                f"{d['municipality']} {d['buyer']}",
                d["amount"],
                d["status"],
                d["paid_on"],
                d["reference"],
            ]
            for d in data
        ],
    )


def register(app: typer.Typer) -> None:
    app.add_typer(payments, name="payments")
