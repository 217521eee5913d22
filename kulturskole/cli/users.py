"""``kulturskole users …`` (the web console's accounts) and ``kulturskole web``."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Annotated

import typer

from kulturskole.cli.common import JsonOpt, ok, print_json, table, work
from kulturskole.errors import InvalidInput
from models import USER_ROLES

users = typer.Typer(help="Accounts of the web console.", no_args_is_help=True)


def read_password() -> str:
    """From standard input when it is not a terminal (scripts), else prompted twice."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("no password on standard input")
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("add")
def users_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    name: Annotated[str, typer.Option("--name", help="The person's full name.")],
    role: Annotated[str, typer.Option("--role", help=" | ".join(USER_ROLES))],
) -> None:
    """Add an account; the password is read from standard input or prompted."""
    from kulturskole.services.users import add_user

    if role not in USER_ROLES:  # before asking for a password
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(USER_ROLES)}")
    password = read_password()
    with work() as session:
        account = add_user(session, email, name, role, password)
    ok(f"account {account.email} added ({account.role})")


@users.command("password")
def users_password(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> None:
    """Set a new password (from standard input or prompted)."""
    from kulturskole.services.users import set_password

    password = read_password()
    with work() as session:
        account = set_password(session, email, password)
    ok(f"password of {account.email} changed")


@users.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """List the accounts: e-mail, name, role, active, last login."""
    from kulturskole.services.users import list_users

    with work(readonly=True) as session:
        data = [asdict(a) for a in list_users(session)]
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} accounts",
        ["email", "name", "role", "active", "last login (UTC)"],
        [[d["email"], d["name"], d["role"], d["active"], d["last_login_at"]] for d in data],
    )


@users.command("disable")
def users_disable(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> None:
    """Disable an account: its sessions end at once and it can no longer log in."""
    from kulturskole.services.users import disable_user

    with work() as session:
        account = disable_user(session, email)
    ok(f"account {account.email} disabled")


def web_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
) -> None:
    """Start the web console on the configured database."""
    from kulturskole.cli.common import require_database
    from kulturskole.web.server import serve

    require_database()
    serve(host, port)


def register(app: typer.Typer) -> None:
    app.add_typer(users, name="users")
    app.command("web")(web_command)
