"""The real `kulturskole` command, invoked in-process."""

from __future__ import annotations

from typer.testing import CliRunner, Result


def run(cli: CliRunner, *args: str) -> Result:
    """Invoke the real `kulturskole` command in-process."""
    from kulturskole.cli import app

    return cli.invoke(app, list(args), catch_exceptions=False, prog_name="kulturskole")
