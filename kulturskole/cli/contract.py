"""``kulturskole cases contract-meeting …`` and ``cases contract-document``: the agreement and
contract meeting (avtale- og kontraktsmøte) and the signed contract as a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kulturskole.cli.common import (
    AsOfOpt,
    JsonOpt,
    ProgrammeOpt,
    acting,
    ok,
    parse_date,
    print_json,
    work,
    write_output,
)
from kulturskole.config import get_settings
from kulturskole.errors import InvalidInput
from kulturskole.services import cases as service

meeting = typer.Typer(
    help="The agreement and contract meeting (avtale- og kontraktsmøte) of a case.",
    no_args_is_help=True,
)
Number = Annotated[str, typer.Argument(metavar="NR", help="Kommunenummer (4 digits).")]


def _describe(row) -> dict[str, str | None]:  # noqa: ANN001
    tz = get_settings().tz
    return {
        "start": row.start.astimezone(tz).isoformat(),
        "end": row.end.astimezone(tz).isoformat(),
        "mode": row.mode,
        "host": f"{row.host_name} <{row.host_email}>",
        "status": row.status,
        "held_on": row.held_on.isoformat() if row.held_on else None,
    }


def _line(number: str, data: dict[str, str | None]) -> str:
    when = f"{data['start'][:16].replace('T', ' ')}–{data['end'][11:16]}"
    held = f", held on {data['held_on']}" if data["held_on"] else ""
    return (
        f"{number}: contract meeting {when} ({data['mode']}) with {data['host']}: "
        f"{data['status']}{held}"
    )


@meeting.command("schedule")
def schedule(number: Number, programme: ProgrammeOpt = None, as_of: AsOfOpt = None) -> None:
    """Book the meeting and send the invitation (done when the case is contracted; for a case
    contracted before, or to see what it was given). Booking again changes nothing."""
    from kulturskole.contract import meeting as meetings

    with work() as session:
        case = service.find_case(session, number, programme, for_update=True)
        row = meetings.book(session, case, acting(as_of))
        ok(_line(number, _describe(row)))


@meeting.command("held")
def held(
    number: Number,
    on: Annotated[
        str | None, typer.Option("--on", help="YYYY-MM-DD (default: the meeting's own day).")
    ] = None,
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record the contract meeting held."""
    day = parse_date(on, "--on") if on is not None else None
    from kulturskole.contract import meeting as meetings

    with work() as session:
        case = service.find_case(session, number, programme, for_update=True)
        row, changed = meetings.held(session, case, acting(as_of), on=day)
        held_on = row.held_on.isoformat()
    ok(
        f"{number}: contract meeting "
        + ("recorded held" if changed else "was already recorded held")
        + f" on {held_on}"
    )


@meeting.command("show")
def show(number: Number, programme: ProgrammeOpt = None, as_json: JsonOpt = False) -> None:
    """The case's contract meeting: when, with whom, and whether it was held."""
    from kulturskole.contract import meeting as meetings

    with work(readonly=True) as session:
        case = service.find_case(session, number, programme)
        row = meetings.meeting_of(session, case)
        if row is None:
            raise InvalidInput(
                f"{number} {case.municipality.name} has no contract meeting: none is booked"
            )
        data = _describe(row)
    if as_json:
        print_json({"municipality": number, **data})
    else:
        ok(_line(number, data))


def contract_document(
    number: Number,
    out: Annotated[Path, typer.Option("--out", help="Where to write the PDF.")],
    programme: ProgrammeOpt = None,
) -> None:
    """Write the signed contract (PDF, as stored when the case was contracted) to FILE."""
    from kulturskole.contract.signed import signed_contract

    with work(readonly=True) as session:
        case = service.find_case(session, number, programme)
        row = signed_contract(session, case)
        content, digest = row.content, row.sha256
    write_output(out, content)
    ok(f"{number}: signed contract written to {out} ({len(content)} bytes, sha256 {digest[:12]}…)")


def register(cases: typer.Typer) -> None:
    cases.add_typer(meeting, name="contract-meeting")
    cases.command("contract-document")(contract_document)
