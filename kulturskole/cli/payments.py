"""``kulturskole payments …``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kulturskole.cli.common import AsOfOpt, JsonOpt, acting, ok, print_json, table, work
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


def register(app: typer.Typer) -> None:
    app.add_typer(payments, name="payments")
