"""``kulturskole demo``: the whole programme on a simulated calendar, then the overview; with
``--serve``, then the web console on the demo's database."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from kulturskole import local_prefect
from kulturskole.cli.status import show_status
from kulturskole.errors import InvalidInput


def demo_command(
    share: Annotated[
        float, typer.Option("--share", help="Share of the 357 municipalities that apply.")
    ] = 0.4,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random choices.")] = 2024,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help="Then keep the web console running on the demo, with a demo login."
        ),
    ] = False,
    host: Annotated[str, typer.Option("--host", help="With --serve: address to listen on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="With --serve: port to listen on.")] = 8000,
) -> None:
    """The main job: the whole 2024–2025 programme on a simulated calendar (embedded default)."""
    if not 0 < share <= 1:
        raise InvalidInput("--share must be above 0 and at most 1")
    local_prefect.use_prefect()  # before Prefect is imported: it reads its settings once
    from kulturskole.demo import run_demo

    result = run_demo(share, seed)
    show_status(result.as_of, result.programme)
    if serve:
        serve_demo(result.as_of, host, port)


def serve_demo(as_of: date, host: str, port: int) -> None:
    """The console on the demo's database, reading as of the programme's last simulated day;
    the demo administrator's login (a new password each time) is printed first."""
    from kulturskole.demo import demo_login
    from kulturskole.web.server import serve

    email, password = demo_login()
    typer.echo(f"web console: http://{host}:{port}/")
    typer.echo(f"login: {email}")
    typer.echo(f"password: {password}")
    typer.echo(
        f"(it shows the programme as of {as_of.isoformat()}, the demo's last day; Ctrl-C stops it)"
    )
    serve(host, port, today=lambda: as_of)
    typer.echo("web console stopped")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
