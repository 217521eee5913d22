"""``kulturskole advisors|calendar|visits …`` and ``cases advisor``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from kulturskole.cli.common import (
    MAX_ID,
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
from kulturskole.config import get_settings
from kulturskole.errors import InvalidInput
from models import BLOCK_SCOPES

advisors = typer.Typer(help="The council's advisors (veiledere).", no_args_is_help=True)
calendar = typer.Typer(help="Days on which no visit may fall.", no_args_is_help=True)
visits = typer.Typer(help="Guidance visits (veiledningsbesøk).", no_args_is_help=True)
VisitId = Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)]


@advisors.command("import")
def advisors_import(file: Annotated[Path, typer.Argument(help="CSV file.")]) -> None:
    """Upsert advisors from name,email,phone,counties,max_physical_per_day,max_digital_per_day."""
    from kulturskole.visits.advisors import import_advisors

    with work() as session:
        report = import_advisors(session, file)
    ok(
        f"advisors: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )


@advisors.command("list")
def advisors_list(as_json: JsonOpt = False) -> None:
    """List advisors with their counties, capacity and number of cases."""
    from kulturskole.read.advisors import list_advisors

    with work(readonly=True) as session:
        data = list_advisors(session)
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} advisors",
        ["name", "e-mail", "counties", "physical/day", "digital/day", "cases"],
        [
            [
                d["name"],
                d["email"],
                " ".join(d["counties"]),
                d["max_physical_per_day"],
                d["max_digital_per_day"],
                d["cases"],
            ]
            for d in data
        ],
    )


def case_advisor(
    number: Annotated[str, typer.Argument(metavar="NR")],
    email: Annotated[str, typer.Option("--email", help="The advisor's e-mail.")],
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Give the case an advisor (a change is kept in the history)."""
    from kulturskole.services.cases import find_case
    from kulturskole.visits.advisors import assign, find_advisor

    with work() as session:
        case = find_case(session, number, programme, for_update=True)
        advisor = find_advisor(session, email)
        changed = assign(session, case, advisor, acting(as_of), "by an administrator")
    ok(f"{number}: advisor {advisor.email}" + ("" if changed else " (unchanged)"))


@calendar.command("block")
def calendar_block(
    scope: Annotated[str, typer.Option("--scope", help=" | ".join(BLOCK_SCOPES))],
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    reason: Annotated[str, typer.Option("--reason", help="E.g. 'Høstferie'.")],
    ref: Annotated[
        str | None,
        typer.Option("--ref", help="County number, kommunenummer or advisor e-mail, by scope."),
    ] = None,
) -> None:
    """Block days: school holidays of a county or municipality, an advisor's absence, …"""
    from kulturskole.visits.advisors import block

    with work() as session:
        period = block(
            session, scope, ref, parse_date(start, "--from"), parse_date(end, "--to"), reason
        )
        ok(
            f"blocked {period.start} – {period.end} for {scope}"
            + (f" {period.ref}" if period.ref else "")
            + f": {period.reason}"
        )


@calendar.command("import")
def calendar_import(
    file: Annotated[Path, typer.Argument(help="CSV: scope,ref,from,to,reason")],
) -> None:
    """Add blocked periods from a file (e.g. every county's school holidays), all or nothing."""
    from kulturskole.visits.advisors import import_blocks

    with work() as session:
        added = import_blocks(session, file)
    ok(f"{added} blocked periods added")


@calendar.command("list")
def calendar_list(as_json: JsonOpt = False) -> None:
    """List blocked periods (weekends and public holidays are always blocked)."""
    from kulturskole.read.calendar import list_blocked_periods

    with work(readonly=True) as session:
        data = list_blocked_periods(session)
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} blocked periods",
        ["id", "scope", "ref", "from", "to", "reason"],
        [[d["id"], d["scope"], d["ref"], d["from"], d["to"], d["reason"]] for d in data],
    )


@visits.command("list")
def visits_list(
    advisor: Annotated[str | None, typer.Option("--advisor", help="Only this advisor.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List visits in time order."""
    from kulturskole.read.visits import list_visits

    with work(readonly=True) as session:
        data = list_visits(session, advisor=advisor)
    if as_json:
        print_json(data)
        return
    table(
        f"{len(data)} visits",
        ["id", "nr", "window", "start", "mode", "advisor", "status"],
        [
            [
                d["id"],
                d["municipality"],
                d["window"],
                d["start"][:16].replace("T", " "),
                d["mode"],
                d["advisor"],
                d["status"],
            ]
            for d in data
        ],
    )


@visits.command("move")
def visits_move(
    visit_id: VisitId,
    to: Annotated[str, typer.Option("--to", help="New start, YYYY-MM-DDTHH:MM (Oslo time).")],
    mode: Annotated[
        str | None, typer.Option("--mode", help="physical | digital (default: unchanged).")
    ] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Move a visit; the coordinator and advisor get an updated invitation."""
    from kulturskole.visits.changes import move

    try:
        when = datetime.strptime(to.strip().replace(" ", "T"), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidInput(f"--to: {to!r} is not a date and time (YYYY-MM-DDTHH:MM)") from None
    with work() as session:
        visit = move(session, visit_id, when, acting(as_of), mode)
        ok(f"visit {visit_id} moved to {visit.start.astimezone(get_settings().tz):%Y-%m-%d %H:%M}")


@visits.command("cancel")
def visits_cancel(
    visit_id: VisitId,
    reason: Annotated[str, typer.Option("--reason")],
    as_of: AsOfOpt = None,
) -> None:
    """Cancel a visit; the invitation is withdrawn (METHOD:CANCEL)."""
    from kulturskole.visits.changes import cancel

    with work() as session:
        cancel(session, visit_id, reason, acting(as_of))
    ok(f"visit {visit_id} cancelled")


@visits.command("done")
def visits_done(
    visit_id: VisitId,
    notes: Annotated[str | None, typer.Option("--notes")] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record that a visit took place."""
    from kulturskole.visits.changes import done

    with work() as session:
        done(session, visit_id, notes, acting(as_of))
    ok(f"visit {visit_id} done")


@visits.command("missed")
def visits_missed(
    visit_id: VisitId,
    reason: Annotated[str, typer.Option("--reason")],
    as_of: AsOfOpt = None,
) -> None:
    """Record that the municipality missed a visit."""
    from kulturskole.visits.changes import missed

    with work() as session:
        missed(session, visit_id, reason, acting(as_of))
    ok(f"visit {visit_id} missed")


def register(app: typer.Typer, cases: typer.Typer) -> None:
    app.add_typer(advisors, name="advisors")
    app.add_typer(calendar, name="calendar")
    app.add_typer(visits, name="visits")
    cases.command("advisor")(case_advisor)
