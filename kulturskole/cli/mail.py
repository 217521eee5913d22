"""``kulturskole mail …`` and ``kulturskole run …``: the outbox and the flows run locally."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from kulturskole.cli.common import (
    AsOfOpt,
    JsonOpt,
    ProgrammeOpt,
    acting,
    ok,
    print_json,
    require_database,
    table,
    work,
)
from models import MESSAGE_STATUSES

mail = typer.Typer(
    help="The outbox: messages to municipalities and advisors.", no_args_is_help=True
)
run = typer.Typer(help="Run a flow here and now (Prefect without a server).", no_args_is_help=True)


@mail.command("list")
def mail_list(
    status: Annotated[
        str | None, typer.Option("--status", help=" | ".join(MESSAGE_STATUSES))
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List messages, newest last."""
    from kulturskole.read.mail import list_messages

    with work(readonly=True) as session:
        data = list_messages(session, status=status)
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} messages",
        ["id", "status", "to", "subject", "attempts", "last error"],
        [
            [d["id"], d["status"], ", ".join(d["to"]), d["subject"], d["attempts"], d["last_error"]]
            for d in data
        ],
    )


@mail.command("show")
def mail_show(
    message_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonOpt = False
) -> None:
    """Show one message with its bodies."""
    from kulturskole.read.mail import message_detail

    with work(readonly=True) as session:
        data = message_detail(session, message_id)
    if as_json:
        print_json(data)
        return
    for key in (
        "id",
        "status",
        "key",
        "message_id",
        "to",
        "cc",
        "subject",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "attachments",
    ):
        value = data[key]
        ok(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    ok("")
    typer.echo(data["text"])


@mail.command("retry")
def mail_retry(
    message_id: Annotated[int, typer.Argument(metavar="ID")], as_of: AsOfOpt = None
) -> None:
    """Queue a failed message again; the next delivery run sends it."""
    from notifications.outbox import retry

    with work() as session:
        retry(session, message_id, acting(as_of))
    ok(f"message {message_id} queued again")


@run.command("notifications")
def run_notifications(
    as_of: AsOfOpt = None,
    programme: ProgrammeOpt = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue due reminders and deliver the due messages now (the send-notifications flow)."""
    day = acting(as_of).as_of
    require_database()
    from flows.mail import send_notifications

    result = asyncio.run(send_notifications(as_of=day, programme=programme, limit=limit))
    if as_json:
        print_json(result)
        return
    ok(
        f"{result['mode']}: {result['sent']} sent, {result['retrying']} to retry, "
        f"{result['failed']} failed"
    )
    for item in result["messages"]:
        if item["result"] != "sent":
            ok(f"  message {item['id']}: {item['result']}: {item['error']}")


@run.command("lifecycle")
def run_lifecycle(
    as_of: AsOfOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change.")] = False,
    programme: ProgrammeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start and complete cases on the programme's calendar; queue reminders."""
    day = acting(as_of).as_of
    require_database()
    from flows.lifecycle import programme_lifecycle

    result = programme_lifecycle(programme=programme, as_of=day, dry_run=dry_run)
    if as_json:
        print_json(result)
        return
    ok(
        f"{'would activate' if dry_run else 'activated'} {len(result['activated'])}, "
        f"completed {len(result['completed'])}, {result['reminders_queued']} reminders queued"
    )
    for item in result["decision_needed"]:
        ok(f"  {item['municipality']} {item['name']}: {item['reason']}")


def register(app: typer.Typer) -> None:
    app.add_typer(mail, name="mail")
    app.add_typer(run, name="run")
