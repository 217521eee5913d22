"""The ``kulturskole`` command: thin entry points over the service layer.

Commands that run no flow must not import Prefect (it costs about a second).
"""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from kulturskole import bootstrap
from kulturskole.errors import KulturskoleError

bootstrap.wire()  # a command's transitions run their reactions: mail, breaches, visits


class _UserErrors(TyperGroup):
    """A user's mistake is one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx):  # noqa: ANN001, ANN201
        try:
            return super().invoke(ctx)
        except KulturskoleError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except OperationalError as exc:
            typer.echo(f"error: the database refused the operation: {exc.orig}", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_UserErrors,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Case engine for Fremtidens kulturskole – regionale program (Norsk kulturskoleråd).",
)


def main() -> None:
    sys.exit(app())  # typer raises SystemExit itself; this covers a plain return


# The command groups register themselves on `app` (imported last: they import this package).
from kulturskole.cli import (  # noqa: E402
    attendance,
    breaches,
    cases,
    contract,
    demo,
    invoices,
    mail,
    payments,
    reference,
    run,
    server,
    status,
    users,
    visits,
)

demo.register(app)  # commands are listed in the order registered: demo, serve, status
reference.register(app)
status.register(app)
cases.register(app)
mail.register(app)
run.register(app)
server.register(app)
invoices.register(app)
payments.register(app)
visits.register(app, cases.cases)
breaches.register(app)
attendance.register(app, cases.cases)
contract.register(cases.cases)
users.register(app)
