"""``kulturskole status``: where the programme stands, as of a date."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from kulturskole.cli.common import JsonOpt, acting, ok, print_json, table, work

if TYPE_CHECKING:
    from kulturskole.read.status import StatusOverview


def status_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today.")] = None,
    programme: Annotated[str | None, typer.Option("--programme")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Where the programme stands: cases, next events, money, breaches, mail, last runs."""
    from kulturskole.read.status import overview

    day = acting(as_of).as_of
    with work(readonly=True) as session:
        data = overview(session, day, programme)
    if as_json:
        print_json(data)
        return
    print_status(data)


def show_status(as_of: date, programme: str | None = None) -> None:
    """Print the overview as of ``as_of`` (the demo's last word)."""
    from kulturskole.read.status import overview

    with work(readonly=True) as session:
        data = overview(session, as_of, programme)
    print_status(data)


def print_status(data: StatusOverview) -> None:
    ok(f"{data['programme']} as of {data['as_of']}")
    ok("cases: " + ", ".join(f"{n} {s}" for s, n in data["cases"].items() if n))
    table(
        "next events",
        ["event", "start"],
        [[e["title"], e["start"] or e["when"]] for e in data["next_events"]],
    )
    due, open_ = data["instalments_due"], data["invoices_open"]
    ok(
        f"instalments due now: {due['count']} (NOK {due['amount']}); open invoices: "
        f"{open_['count']} (NOK {open_['amount']}), {open_['overdue']} overdue"
    )
    ok(
        f"open breaches: {len(data['breaches_open'])}; decisions awaited: "
        + (
            ", ".join(
                f"breach {d['id']} ({d['municipality']}, {d['rule']})"
                for d in data["decisions_awaited"]
            )
            or "none"
        )
    )
    ok(f"mail: {data['mail']['queued']} waiting, {data['mail']['failed']} failed")
    table(
        "last runs",
        ["flow", "as of", "finished (UTC)", "outcome"],
        [
            [
                flow,
                r["as_of"],
                r["finished_at"][:16].replace("T", " "),
                ", ".join(f"{k} {v}" for k, v in r["summary"].items()),
            ]
            if r
            else [flow, "never"]
            for flow, r in data["last_runs"].items()
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)
