"""``kulturskole run …``: run a flow here and now and print what it reports. Each command
imports its flow only after the database check and the choice of Prefect (a configured server,
the local one of ``kulturskole server start``, else a temporary one): Prefect costs seconds, and
reads its settings at import."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer

from kulturskole import local_prefect
from kulturskole.cli.common import (
    AsOfOpt,
    JsonOpt,
    ProgrammeOpt,
    acting,
    ok,
    print_json,
    require_database,
)
from kulturskole.errors import InvalidInput

run = typer.Typer(
    help="Run a flow here and now (on the local Prefect server when it runs).",
    no_args_is_help=True,
)


def _day_before_prefect(as_of: str | None) -> date:
    """The date the flow acts on; a database that is not migrated is refused before Prefect
    starts; then the Prefect to use is chosen (said on stderr when it is the local server)."""
    day = acting(as_of).as_of
    require_database()
    if local_prefect.use_prefect() == "local":
        typer.echo(f"prefect: the local server, {os.environ['PREFECT_UI_URL']}", err=True)
    return day


@contextmanager
def _one_flow_run() -> Iterator[None]:
    """The flow run is this command's only work, and the command waits for its end: Prefect's
    heartbeat (every 180 s, for a server to tell a crashed run from a long one) would add only
    its wait at the end, up to a second (a sync run joins a thread that sleeps in 1 s steps).
    It is off unless PREFECT_FLOWS_HEARTBEAT_FREQUENCY is set; only Python settings can say
    "none" (``temporary_settings``, Prefect's public API; the variable takes a number)."""
    if os.environ.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY"):
        yield
        return
    from prefect.settings import temporary_settings

    with temporary_settings(updates={"flows.heartbeat_frequency": None}):
        yield


def _print(
    result: dict[str, Any], as_json: bool, lines: Callable[[dict[str, Any]], list[str]]
) -> None:
    if as_json:
        print_json(result)
        return
    for line in lines(result):
        ok(line)


@run.command("notifications")
def run_notifications(
    as_of: AsOfOpt = None,
    programme: ProgrammeOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue due reminders and deliver the due messages now (the send-notifications flow)."""
    if limit is not None and limit < 1:
        raise InvalidInput(
            f"--limit {limit}: give at least 1 (the most messages to send), or leave it out "
            "to send every due message"
        )
    day = _day_before_prefect(as_of)
    from flows.mail import send_notifications

    with _one_flow_run():
        result = asyncio.run(send_notifications(as_of=day, programme=programme, limit=limit))
    _print(result, as_json, _notification_lines)


@run.command("lifecycle")
def run_lifecycle(
    as_of: AsOfOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change.")] = False,
    programme: ProgrammeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start and complete cases on the programme's calendar; queue reminders."""
    day = _day_before_prefect(as_of)
    from flows.lifecycle import programme_lifecycle

    with _one_flow_run():
        result = programme_lifecycle(programme=programme, as_of=day, dry_run=dry_run)
    _print(result, as_json, _lifecycle_lines)


@run.command("invoicing")
def run_invoicing(
    as_of: AsOfOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be issued.")] = False,
    programme: ProgrammeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue the instalments due as of the date (the invoicing flow)."""
    day = _day_before_prefect(as_of)
    from flows.invoicing import invoicing

    with _one_flow_run():
        result = invoicing(programme=programme, as_of=day, dry_run=dry_run)
    _print(result, as_json, _invoicing_lines)


@run.command("payment-reminders")
def run_payment_reminders(
    as_of: AsOfOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent.")] = False,
    programme: ProgrammeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue the payment reminders due as of the date (the payment-reminders flow)."""
    day = _day_before_prefect(as_of)
    from flows.payment_reminders import send_payment_reminders

    with _one_flow_run():
        result = send_payment_reminders(programme=programme, as_of=day, dry_run=dry_run)
    _print(result, as_json, _payment_reminder_lines)


@run.command("visits")
def run_visits(
    as_of: AsOfOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be scheduled.")
    ] = False,
    programme: ProgrammeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Schedule the guidance visits of every exact visit window (the schedule-visits flow)."""
    day = _day_before_prefect(as_of)
    from flows.visits import schedule_visits

    with _one_flow_run():
        result = schedule_visits(programme=programme, as_of=day, dry_run=dry_run)
    _print(result, as_json, _visit_lines)


@run.command("obligations")
def run_obligations(
    as_of: AsOfOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change.")] = False,
    programme: ProgrammeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate the obligations now (the monitor-obligations flow, without waiting)."""
    day = _day_before_prefect(as_of)
    from flows.obligations import monitor_obligations

    with _one_flow_run():
        result = monitor_obligations(programme=programme, as_of=day, dry_run=dry_run, ask=False)
    _print(result, as_json, _obligation_lines)


def _notification_lines(result: dict[str, Any]) -> list[str]:
    return [
        f"{result['mode']}: {result['sent']} sent, {result['retrying']} to retry, "
        f"{result['failed']} failed"
    ] + [
        f"  message {item['id']}: {item['result']}: {item['error']}"
        for item in result["messages"]
        if item["result"] != "sent"
    ]


def _lifecycle_lines(result: dict[str, Any]) -> list[str]:
    return [
        f"{'would activate' if result['dry_run'] else 'activated'} {len(result['activated'])}, "
        f"completed {len(result['completed'])}, {result['reminders_queued']} reminders queued"
    ] + [
        f"  {item['municipality']} {item['name']}: {item['reason']}"
        for item in result["decision_needed"]
    ]


def _invoicing_lines(result: dict[str, Any]) -> list[str]:
    verb = "would issue" if result["dry_run"] else "issued"
    return (
        [
            f"{verb} {result['issued']} invoices, NOK {result['total']}; "
            f"{result['already_invoiced']} already invoiced; {len(result['skipped'])} skipped"
        ]
        + [f"  note: {item['warning']}" for item in result["invoices"] if "warning" in item]
        + [
            f"  skipped {item['municipality']} {item['name']} instalment {item['instalment']}: "
            f"{item['reason']}"
            for item in result["skipped"]
        ]
    )


def _payment_reminder_lines(result: dict[str, Any]) -> list[str]:
    verb = "would send" if result["dry_run"] else "sent"
    return (
        [f"{verb} {len(result['sent'])} payment reminders"]
        + [
            f"  invoice {i['number']} ({i['municipality']} {i['buyer']}): reminder "
            f"{i['reminder']}, balance {i['balance']}, new due date {i['new_due_date']}"
            for i in result["sent"]
        ]
        + [
            f"  for finance: invoice {i['number']} ({i['municipality']} {i['buyer']}) unpaid "
            f"after two reminders, balance {i['balance']}"
            for i in result["for_finance"]
        ]
    )


def _visit_lines(result: dict[str, Any]) -> list[str]:
    verb = "would schedule" if result["dry_run"] else "scheduled"
    return (
        [
            f"{verb} {result['scheduled']} visits; {result['already_scheduled']} already "
            f"scheduled; {len(result['unplaced'])} not placed"
        ]
        + [f"  {w['window']} skipped: {w['reason']}" for w in result["skipped_windows"]]
        + [
            f"  not placed: {item['municipality']} {item['name']} in {item['window']}: "
            f"{item['reason']}"
            for item in result["unplaced"]
        ]
    )


def _obligation_lines(result: dict[str, Any]) -> list[str]:
    verb = "would open" if result["dry_run"] else "opened"
    return (
        [
            f"{verb} {len(result['opened'])} breaches, resolved {len(result['resolved'])}, "
            f"{result['still_open']} still open"
        ]
        + [
            f"  breach {item['id']}: {item['municipality']} {item['name']} {item['rule']}: "
            f"{item['evidence']} (remedy by {item['remedy_by']})"
            for item in result["opened"]
        ]
        + [
            f"  decision awaited on breach {item['id']} ({item['municipality']} {item['name']}, "
            f"{item['rule']}): kulturskole breaches decide {item['id']} --approve|--reject "
            f"--reason TEXT"
            for item in result["decisions_awaited"]
        ]
    )


def register(app: typer.Typer) -> None:
    app.add_typer(run, name="run")
