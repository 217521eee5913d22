"""``kulturskole attendance record|import|list`` and ``cases deliver``."""

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
    table,
    work,
)
from models import DELIVERABLES

attendance = typer.Typer(
    help="Who took part in joint gatherings and coordinator meetings (oppmøte).",
    no_args_is_help=True,
)
Number = Annotated[str, typer.Argument(metavar="NR", help="Kommunenummer (4 digits).")]


@attendance.command("record")
def attendance_record(
    event: Annotated[str, typer.Argument(metavar="EVENT", help="E.g. joint-gathering-1.")],
    number: Number,
    present: Annotated[int, typer.Option("--present", help="How many of the group took part.")],
    members: Annotated[
        str | None,
        typer.Option("--members", help="E-mails of those present, separated by commas."),
    ] = None,
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record (or correct) a municipality's attendance at a gathering or meeting."""
    from kulturskole.obligations.attendance import record_attendance, split_members
    from kulturskole.services.cases import find_case

    with work() as session:
        case = find_case(session, number, programme, for_update=True)
        before = case.history_seq
        row = record_attendance(
            session, case, event, present, split_members(members or ""), acting(as_of)
        )
        changed = case.history_seq != before
        ok(
            f"{number} {row.event_id}: {row.present} present, {len(row.members)} named"
            + ("" if changed else " (unchanged)")
        )


@attendance.command("import")
def attendance_import(
    file: Annotated[Path, typer.Argument(help="CSV: event,kommunenummer,present,members")],
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record attendance from a sign-up sheet export, all or nothing."""
    from kulturskole.obligations.attendance import import_attendance

    with work() as session:
        recorded = import_attendance(session, file, acting(as_of), programme)
    ok(f"{recorded} attendance rows recorded")


@attendance.command("list")
def attendance_list(
    event: Annotated[str | None, typer.Option("--event", help="Only this event.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List recorded attendance, in timetable order."""
    from kulturskole.read.attendance import list_attendance

    with work(readonly=True) as session:
        data = list_attendance(session, event=event)
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} attendance rows",
        ["nr", "event", "present", "named", "recorded"],
        [
            [d["municipality"], d["event"], d["present"], d["members"], d["recorded_at"][:16]]
            for d in data
        ],
    )


def case_deliver(
    number: Number,
    what: Annotated[str, typer.Option("--what", help=" | ".join(DELIVERABLES))],
    on: Annotated[str, typer.Option("--on", help="Date delivered, YYYY-MM-DD.")],
    file: Annotated[
        Path | None, typer.Option("--file", help="The document (at most 20 MB).")
    ] = None,
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record that the municipality delivered its development plan or meeting plan."""
    from kulturskole.obligations.deliverables import deliver, deliverable_of
    from kulturskole.services.cases import find_case

    day = parse_date(on, "--on")
    with work() as session:
        case = find_case(session, number, programme, for_update=True)
        before = case.history_seq
        earlier = what in DELIVERABLES and deliverable_of(session, case, what) is not None
        row = deliver(session, case, what, day, acting(as_of), file)
        if case.history_seq == before:
            outcome = "unchanged"
        else:
            outcome = "replaces the earlier delivery" if earlier else "recorded"
        document = f", {row.filename} sha256 {row.sha256[:12]}…" if row.filename else ""
        ok(f"{number}: {what} delivered {row.delivered_on}{document} ({outcome})")


def register(app: typer.Typer, cases: typer.Typer) -> None:
    app.add_typer(attendance, name="attendance")
    cases.command("deliver")(case_deliver)
