"""Commands for the schema, reference data, programmes and the audit of history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from kulturskole.cli.common import JsonOpt, ok, print_json, table, work
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
    from models import Municipality

    with work(readonly=True) as session:
        query = select(Municipality).order_by(Municipality.number)
        if county:
            query = query.where(Municipality.county_number == county)
        rows = session.scalars(query).all()
    data = [
        {
            "number": m.number,
            "name": m.name,
            "county_number": m.county_number,
            "county_name": m.county_name,
            "org_number": m.org_number,
        }
        for m in rows
    ]
    if as_json:
        print_json(data)
    else:
        table(
            None,
            ["nr", "name", "county", "org. number"],
            [[d["number"], d["name"], d["county_name"], d["org_number"]] for d in data],
        )


@programmes.command("load")
def programmes_load(file: Annotated[Path, typer.Argument(help="Programme YAML file.")]) -> None:
    """Create or update a programme from its file (cases are not touched)."""
    from kulturskole.programme_file import parse_programme_file
    from kulturskole.services.programmes import load_programme

    definition = parse_programme_file(file)
    with work() as session:
        programme, outcome = load_programme(session, definition)
        ok(f"programme {programme.id}: {outcome} ({len(programme.events)} events)")


@programmes.command("show")
def programmes_show(
    programme_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a programme and its timetable."""
    from kulturskole.services.programmes import get_programme, programme_json

    with work(readonly=True) as session:
        data = programme_json(get_programme(session, programme_id))
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


def demo_command(
    share: Annotated[
        float, typer.Option("--share", help="Share of the 357 municipalities that apply.")
    ] = 0.4,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random choices.")] = 2024,
) -> None:
    """The main job: the whole 2024–2025 programme on a simulated calendar (embedded default)."""
    from kulturskole.demo import run_demo

    if not 0 < share <= 1:
        from kulturskole.errors import InvalidInput

        raise InvalidInput("--share must be above 0 and at most 1")
    result = run_demo(share, seed)
    status_command(as_of=result.as_of.isoformat(), programme=result.programme, as_json=False)


def status_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today.")] = None,
    programme: Annotated[str | None, typer.Option("--programme")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Where the programme stands: cases, next events, money, breaches, mail, last runs."""
    from kulturskole.cli.common import acting
    from kulturskole.status import overview

    day = acting(as_of).as_of
    with work(readonly=True) as session:
        data = overview(session, day, programme)
    if as_json:
        print_json(data)
        return
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


def serve_command() -> None:
    """Serve every deployment of prefect.yaml, schedules included, from this process."""
    from kulturskole.serving import serve_all

    serve_all()


def register(app: typer.Typer) -> None:
    app.add_typer(db, name="db")
    app.add_typer(municipalities, name="municipalities")
    app.add_typer(programmes, name="programmes")
    app.add_typer(audit, name="audit")
    app.command("demo")(demo_command)
    app.command("serve")(serve_command)
    app.command("status")(status_command)
