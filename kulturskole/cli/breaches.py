"""``kulturskole breaches …``."""

from __future__ import annotations

from typing import Annotated

import typer

from kulturskole.cli.common import (
    MAX_ID,
    AsOfOpt,
    JsonOpt,
    acting,
    ok,
    print_json,
    table,
    work,
)
from kulturskole.config import get_settings
from kulturskole.db import current_engine, require_schema
from kulturskole.errors import InvalidInput

breaches = typer.Typer(help="Breaches of the programme's obligations.", no_args_is_help=True)
BreachId = Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)]


@breaches.command("list")
def list_(
    only_open: Annotated[bool, typer.Option("--open", help="Only open breaches.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List breaches: id, municipality, rule, status, opened_on, remedy_by."""
    from kulturskole.read.breaches import list_breaches

    with work(readonly=True) as session:
        data = list_breaches(session, only_open=only_open)
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} breaches",
        ["id", "nr", "municipality", "rule", "status", "opened", "remedy by", "decision"],
        [
            [
                d["id"],
                d["municipality"],
                d["name"],
                d["rule"],
                d["status"],
                d["opened_on"],
                d["remedy_by"],
                d["decision"],
            ]
            for d in data
        ],
    )


@breaches.command("waive")
def waive(
    breach_id: BreachId,
    reason: Annotated[str, typer.Option("--reason")],
    as_of: AsOfOpt = None,
) -> None:
    """Waive an open breach (it is closed, with the reason, and not warned about again)."""
    from kulturskole.obligations.breaches import waive as waive_breach

    with work() as session:
        waive_breach(session, breach_id, reason, acting(as_of))
    ok(f"breach {breach_id} waived")


@breaches.command("decide")
def decide(
    breach_id: BreachId,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")],
    approve: Annotated[bool, typer.Option("--approve", help="Terminate the contract.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Keep the contract.")] = False,
    as_of: AsOfOpt = None,
) -> None:
    """Decide on terminating the contract over a breach, with immediate effect if approved.

    Answers a paused monitor-obligations run waiting for this breach, too.
    """
    from kulturskole.decisions import decide as decide_termination

    if approve == reject:
        raise InvalidInput("say --approve or --reject (one of them)")
    engine = current_engine()
    require_schema(engine)
    decided = decide_termination(
        engine,
        breach_id,
        approve=approve,
        reason=reason,
        decided_by=get_settings().actor,
        acting=acting(as_of),
    )
    if not decided.applied:  # decided before (by someone else, in the console or here)
        raise InvalidInput(
            f"breach {breach_id} was decided before (it is {decided.status}): nothing changed"
        )
    ok(
        f"breach {breach_id}: {'termination approved' if approve else 'termination rejected'}"
        f" (breach {decided.status})"
    )
    if decided.resumed_run and decided.resume_error:
        typer.echo(
            f"error: the decision is recorded, but the monitor-obligations run "
            f"{decided.resumed_run} that was waiting for it could not be resumed: "
            f"{decided.resume_error}",
            err=True,
        )
        raise typer.Exit(1)
    if decided.resumed_run:
        ok(f"resumed the monitor-obligations run {decided.resumed_run} that was waiting for it")


def register(app: typer.Typer) -> None:
    app.add_typer(breaches, name="breaches")
