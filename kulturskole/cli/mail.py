"""``kulturskole mail …``: the outbox."""

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
from models import MESSAGE_STATUSES

mail = typer.Typer(
    help="The outbox: messages to municipalities and advisors.", no_args_is_help=True
)


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


MessageId = Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)]


@mail.command("show")
def mail_show(
    message_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)],
    as_json: JsonOpt = False,
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
        "reply_to",
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
    message_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)],
    as_of: AsOfOpt = None,
) -> None:
    """Queue a failed message again; the next delivery run sends it."""
    from notifications.outbox import retry

    with work() as session:
        retry(session, message_id, acting(as_of))
    ok(f"message {message_id} queued again")


def register(app: typer.Typer) -> None:
    app.add_typer(mail, name="mail")
