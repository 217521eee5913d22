"""``kulturskole server start|stop|status``: a local Prefect server that stays up, so that each
``kulturskole run …`` uses it (and its UI shows the runs) instead of starting a temporary one.

``status`` exits 0 when the server runs and 3 when it does not (the LSB convention for
"program is not running"), so that a script can ask ``kulturskole server status`` alone.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kulturskole import local_prefect
from kulturskole.cli.common import JsonOpt, print_json

NOT_RUNNING = 3

server = typer.Typer(
    help="A local Prefect server (and its UI) that the flow commands use while it runs.",
    no_args_is_help=True,
)


@server.command("start")
def start_command(
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 to listen on.")
    ] = local_prefect.DEFAULT_PORT,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for it to answer.")
    ] = local_prefect.START_TIMEOUT,
) -> None:
    """Start the server in the background (its database and log under var/prefect/)."""
    stale = local_prefect.read_state()
    state, started = local_prefect.start(port, timeout)
    if stale is not None and stale.pid != state.pid:
        typer.echo(f"removed a stale state file (pid {stale.pid} had stopped)", err=True)
    if not started:
        typer.echo(f"the Prefect server is already running: {state.ui_url} (pid {state.pid})")
        return
    typer.echo(f"Prefect server started: {state.ui_url} (pid {state.pid})")
    typer.echo(f"UI: {state.ui_url}   API: {state.url}")
    typer.echo(f"log: {local_prefect.log_file()}")


@server.command("stop")
def stop_command() -> None:
    """Stop the server (SIGINT, then SIGTERM, then kill) and remove its state file."""
    stale = local_prefect.read_state()
    state = local_prefect.stop()
    if state is None:
        if stale is not None:
            typer.echo(f"removed a stale state file (pid {stale.pid} had stopped)", err=True)
        typer.echo("the Prefect server is not running")
        return
    typer.echo(f"Prefect server stopped (pid {state.pid})")


@server.command("status")
def status_command(as_json: JsonOpt = False) -> None:
    """Whether the server runs (exit 0) or not (exit 3), its address and pid."""
    stale = local_prefect.read_state()
    state = local_prefect.running()
    answering = state is not None and local_prefect.healthy(state.url, timeout=2.0)
    if as_json:
        print_json(_status(state, answering))
    elif state is None:
        if stale is not None:
            typer.echo(f"removed a stale state file (pid {stale.pid} had stopped)", err=True)
        typer.echo("not running")
    else:
        health = "" if answering else " (the process lives but does not answer)"
        typer.echo(f"running{health}: {state.ui_url} (pid {state.pid}, since {state.started})")
        typer.echo(f"API: {state.url}")
    if state is None:
        raise typer.Exit(NOT_RUNNING)


def _status(state: local_prefect.ServerState | None, answering: bool) -> dict[str, Any]:
    if state is None:
        return {"running": False, "url": None, "ui_url": None, "pid": None, "port": None}
    return {
        "running": True,
        "answering": answering,
        "url": state.url,
        "ui_url": state.ui_url,
        "pid": state.pid,
        "port": state.port,
        "started": state.started,
        "log": str(local_prefect.log_file()),
    }


def register(app: typer.Typer) -> None:
    app.add_typer(server, name="server")
