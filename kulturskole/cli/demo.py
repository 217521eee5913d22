"""``kulturskole demo``: the whole programme on a simulated calendar, then the overview."""

from __future__ import annotations

from typing import Annotated

import typer

from kulturskole.cli.status import show_status
from kulturskole.errors import InvalidInput


def demo_command(
    share: Annotated[
        float, typer.Option("--share", help="Share of the 357 municipalities that apply.")
    ] = 0.4,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random choices.")] = 2024,
) -> None:
    """The main job: the whole 2024–2025 programme on a simulated calendar (embedded default)."""
    from kulturskole.demo import run_demo

    if not 0 < share <= 1:
        raise InvalidInput("--share must be above 0 and at most 1")
    result = run_demo(share, seed)
    show_status(result.as_of, result.programme)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
