"""The ``kulturskole`` command: thin entry points over the service layer.

Commands that run no flow must not import Prefect (it costs about a second), and a command
imports only its own group: the root resolves a name to the module that registers it when
that name is invoked (``--help`` loads them all, so it lists every group as before). Adding a
group is one ``_lazy(...)`` line in the table at the bottom.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

import click
import typer
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from kulturskole import bootstrap
from kulturskole.errors import KulturskoleError

bootstrap.wire()  # a command's transitions run their reactions: mail, breaches, visits

Loader = Callable[[typer.Typer], None]
"""Registers one module's commands and groups on the Typer it is given."""

_LOADERS: dict[str, Loader] = {}  # command name → its loader, in the order of the help


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


class _LazyRoot(_UserErrors):
    """The root group: a command's module is imported when its name is invoked.

    Commands registered on ``app`` itself (as tests do) are used as they are. A usage mistake
    (a missing option, an unknown command, a value of the wrong kind) is one ``error:`` line
    naming the help to read, exit 2, rather than Typer's framed box."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):  # noqa: ANN002, ANN003, ANN201
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as exc:  # Typer's own click: usage errors, bad values
            if type(exc).__name__ == "NoArgsIsHelpError":  # a group without a command
                typer.echo(exc.format_message() or "", nl=False)  # Typer prints the help itself
                sys.exit(exc.exit_code)
            context = getattr(exc, "ctx", None)
            where = context.command_path if context is not None else "kulturskole"
            typer.echo(f"error: {exc.format_message()} (see `{where} --help`)", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _LOADERS:
            loaded = _load([_LOADERS[cmd_name]])
            self.commands.update({n: c for n, c in loaded.items() if n not in self.commands})
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, in the order the loaders register them (commands before groups,
        as Typer lists them)."""
        loaded = _load(list(dict.fromkeys(_LOADERS.values())))
        self.commands = loaded | {n: c for n, c in self.commands.items() if n not in loaded}
        return super().list_commands(ctx)


def _load(loaders: list[Loader]) -> dict[str, click.Command]:
    staged = typer.Typer()
    for load in loaders:
        load(staged)
    return dict(typer.main.get_group(staged).commands)


def _lazy(names: str, load: Loader) -> None:
    """The command names (space-separated) that ``load`` registers."""
    for name in names.split():
        _LOADERS[name] = load


def _module(name: str) -> Loader:
    """The loader of ``kulturskole.cli.<name>``, whose ``register(app)`` adds its commands."""

    def load(app: typer.Typer) -> None:
        importlib.import_module(f"kulturskole.cli.{name}").register(app)

    return load


def _with_cases(name: str) -> Loader:
    """The loader of a module whose ``register(app, cases)`` also adds a ``cases`` command:
    here only its own groups (``cases`` gets its command from ``_load_cases``)."""

    def load(app: typer.Typer) -> None:
        importlib.import_module(f"kulturskole.cli.{name}").register(app, typer.Typer())

    return load


_cases_completed = False


def _load_cases(app: typer.Typer) -> None:
    """``cases`` with the commands other groups add to it (advisor, deliver, the contract's)."""
    global _cases_completed
    from kulturskole.cli import cases

    cases.register(app)
    if not _cases_completed:
        _cases_completed = True
        from kulturskole.cli import attendance, contract, visits

        visits.register(typer.Typer(), cases.cases)
        attendance.register(typer.Typer(), cases.cases)
        contract.register(cases.cases)


app = typer.Typer(
    cls=_LazyRoot,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Case engine for Fremtidens kulturskole – regionale program (Norsk kulturskoleråd).",
)


@app.callback()
def _root() -> None:
    # Without a callback an app with nothing registered yet would not be a group.
    pass


def main() -> None:
    sys.exit(app())  # typer raises SystemExit itself; this covers a plain return


# The command groups, in the order of the help: name(s) → the module that registers them.
_lazy("demo", _module("demo"))
_lazy("db municipalities programmes audit serve", _module("reference"))
_lazy("status", _module("status"))
_lazy("cases", _load_cases)
_lazy("mail", _module("mail"))
_lazy("run", _module("run"))
_lazy("server", _module("server"))
_lazy("invoices", _module("invoices"))
_lazy("payments", _module("payments"))
_lazy("advisors calendar visits", _with_cases("visits"))
_lazy("breaches", _module("breaches"))
_lazy("attendance", _with_cases("attendance"))
_lazy("users web", _module("users"))
