"""Commands for the schema, reference data, programmes and the audit of history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kulturskole.cli.common import AsOfOpt, JsonOpt, acting, ok, print_json, table, work
from kulturskole.db import current_engine

db = typer.Typer(help="The database schema.", no_args_is_help=True)
municipalities = typer.Typer(help="The municipality register (kommuner).", no_args_is_help=True)
programmes = typer.Typer(help="Programmes and their timetables.", no_args_is_help=True)
audit = typer.Typer(help="The tamper-evident history.", no_args_is_help=True)


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    from kulturskole.migrate import upgrade

    engine = current_engine()
    upgrade(engine)
    ok(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")


@municipalities.command("import")
def municipalities_import(
    file: Annotated[
        Path | None, typer.Argument(help="CSV file; default the shipped 2024 register.")
    ] = None,
) -> None:
    """Upsert municipalities from a CSV file; one bad line refuses the whole file."""
    from kulturskole.services.municipalities import DEFAULT_FILE, import_municipalities

    with work() as session:
        report = import_municipalities(session, file or DEFAULT_FILE)
    ok(
        f"municipalities: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )
    for name in report.without_org_number:
        ok(f"note: {name} has no organisation number (no EHF invoice can be sent to it)")


@municipalities.command("list")
def municipalities_list(
    county: Annotated[str | None, typer.Option(help="Only this county number.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the municipalities in the register."""
    from kulturskole.read.municipalities import list_municipalities

    with work(readonly=True) as session:
        data = list_municipalities(session, county=county)
    if as_json:
        print_json(data)
    else:
        table(
            None,
            ["nr", "name", "county", "org. number"],
            [[d["number"], d["name"], d["county_name"], d["org_number"]] for d in data],
        )


@programmes.command("load")
def programmes_load(
    file: Annotated[Path, typer.Argument(help="Programme YAML file.")],
    as_of: AsOfOpt = None,
) -> None:
    """Create or update a programme from its file (cases are not touched). An event made exact,
    or moved, is told to the cases it concerns."""
    from sqlalchemy import func, select

    from kulturskole.programme_file import parse_programme_file
    from kulturskole.services.programmes import load_programme
    from models import Message

    definition = parse_programme_file(file)
    notices = select(func.count()).where(Message.template == "event_scheduled")
    with work() as session:
        before = session.scalar(notices)
        programme, outcome = load_programme(session, definition, acting(as_of))
        told = session.scalar(notices) - before
        ok(f"programme {programme.id}: {outcome} ({len(programme.events)} events)")
        if told:
            ok(f"{told} notices of changed event times queued")


@programmes.command("show")
def programmes_show(
    programme_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a programme and its timetable."""
    from kulturskole.read.programmes import programme_detail

    with work(readonly=True) as session:
        data = programme_detail(session, programme_id)
    if as_json:
        print_json(data)
        return
    ok(f"{data['title']} ({data['id']})")
    ok(f"period {data['period_start']} – {data['period_end']}, fee {data['fee']} NOK")
    table(
        None,
        ["event", "kind", "mode", "start", "end", "weeks", "when"],
        [
            [
                e["title"],
                e["kind"],
                e["mode"],
                e["start"],
                e["end"],
                " ".join(map(str, e["weeks"])),
                e["when"] if e["tentative"] else "",
            ]
            for e in data["events"]
        ],
    )


@audit.command("verify")
def audit_verify() -> None:
    """Check every case's history chain; exit 1 naming each entry changed or removed."""
    from kulturskole.history import verify

    with work(readonly=True) as session:
        findings = list(verify(session))
    for finding in findings:
        typer.echo(f"TAMPERED: {finding}", err=True)
    if findings:
        raise typer.Exit(1)
    ok("history intact: every chain verifies")


def serve_command() -> None:
    """Serve every deployment of prefect.yaml, schedules included, from this process."""
    from kulturskole.serving import serve_all

    serve_all()


def register(app: typer.Typer) -> None:
    app.add_typer(db, name="db")
    app.add_typer(municipalities, name="municipalities")
    app.add_typer(programmes, name="programmes")
    app.add_typer(audit, name="audit")
    app.command("serve")(serve_command)
