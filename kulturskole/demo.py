"""The main job on the embedded default: a sample of municipalities through the lifecycle.

Everything goes through the same service functions the CLI uses, on a simulated calendar.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kulturskole import DATA_DIR, PROGRAMMES_DIR
from kulturskole.cli.cases import history_json, print_history
from kulturskole.cli.common import console, table
from kulturskole.config import get_settings
from kulturskole.db import current_engine, unit_of_work
from kulturskole.errors import KulturskoleError
from kulturskole.history import Acting, verify
from kulturskole.invoicing.ledger import credit, invoice_json, record_payment
from kulturskole.migrate import upgrade
from kulturskole.programme_file import parse_programme_file
from kulturskole.services import cases as service
from kulturskole.services.municipalities import import_municipalities
from kulturskole.services.programmes import load_programme
from kulturskole.visits.advisors import block, import_advisors
from models import Case, HistoryEntry, Invoice, Visit

PROGRAMME_FILE = PROGRAMMES_DIR / "regionale-2024-2025.yaml"

# (kommunenummer, what the script does with it)
SAMPLE = [
    ("0301", "full"),
    ("5001", "full"),
    ("4601", "full"),
    ("1103", "full"),
    ("5501", "full"),
    ("3201", "full"),
    ("1580", "full"),
    ("1804", "full"),
    ("3403", "no-dialogue"),  # select refused: no dialogue with the county branch
    ("4204", "no-school-owner"),  # contract refused until the school owner joins
    ("3301", "terminated"),  # leaves the programme in October 2024
    ("1506", "withdraws"),
]


def run_demo() -> None:
    engine = current_engine()
    upgrade(engine)
    console.print(f"database: {engine.url.render_as_string(hide_password=True)}")
    with unit_of_work(engine) as session:
        report = import_municipalities(session)
        programme, outcome = load_programme(session, parse_programme_file(PROGRAMME_FILE))
        console.print(
            f"municipalities: {report.created} new, {report.updated + report.unchanged} known; "
            f"programme {programme.id} {outcome}"
        )
        already = session.scalars(select(Case.id).where(Case.programme_id == programme.id)).first()
    if already is None:
        console.print("(the first delivery starts Prefect's temporary server: a few seconds)")
        _play(programme.id)
        _deliver_mail(_previous_day.pop())
    else:
        console.print("the sample has been played on this database before; showing its state")
    _report(programme.id)


def _deliver_mail(as_of: date) -> None:
    """Run the real send-notifications flow (Prefect without a server; .eml files by default)."""
    import asyncio

    from flows.notifications import send_notifications

    result = asyncio.run(send_notifications(as_of=as_of))
    settings = get_settings()
    where = f"SMTP {settings.smtp_host}" if settings.smtp_enabled else f"{settings.outbox_dir}/"
    console.print(
        f"  send-notifications: {result['sent']} sent to {where}, "
        f"{result['retrying']} to retry, {result['failed']} failed"
    )


_previous_day: list[date] = []


def _step(day: str, what: str) -> Acting:
    """Start a day of the simulated calendar; the mail of the day before goes out first."""
    if _previous_day:
        _deliver_mail(_previous_day.pop())
    console.print(f"\n{day} {what}")
    _previous_day.append(date.fromisoformat(day))
    return Acting(actor=get_settings().actor, as_of=date.fromisoformat(day))


def _try(number: str, trigger: str, acting: Acting, **kwargs: str) -> None:
    """Fire one trigger in its own transaction, printing a refusal instead of stopping."""
    try:
        with unit_of_work() as session:
            case = service.find_case(session, number, for_update=True)
            before, after = service.transition(session, case, trigger, acting, **kwargs)
        console.print(f"  {number} {trigger}: {before} → {after}")
    except KulturskoleError as refusal:
        console.print(f"  {number} refused: {refusal}")


def _play(programme_id: str) -> None:
    acting = _step("2024-04-15", "applications arrive")
    with unit_of_work() as session:
        for number, plan in SAMPLE:
            service.apply(
                session,
                number,
                service.Application(
                    contact_name=f"Søker {number}",
                    contact_email=f"soknad.{number}@kommune.example.no",
                    motivation="Vi vil utvikle kulturskolen som del av kommunens tjenester.",
                    development_area="Kulturskolen som inkluderende fellesskap",
                    county_dialogue=plan != "no-dialogue",
                ),
                acting,
                programme_id,
            )
    console.print(f"  {len(SAMPLE)} applications registered")

    acting = _step("2024-05-15", "selection")
    for number, _plan in SAMPLE:
        _try(number, "select", acting)
    _try("3403", "reject", acting, reason="Mangler dialog med fylkesavdelingen")

    acting = _step("2024-06-14", "groups formed, role mapping done, contracts signed")
    with unit_of_work() as session:
        for number, plan in SAMPLE:
            if plan in ("no-dialogue", "withdraws"):
                continue
            case = service.find_case(session, number, for_update=True)
            for i, role in enumerate(_roles(plan)):
                service.set_member(
                    session,
                    case,
                    acting,
                    name=f"Deltaker {i + 1} ({number})",
                    email=f"d{i + 1}.{number}@kommune.example.no",
                    phone=f"+47 900 {number[:2]} {i:03d}",
                    role=role,
                )
            service.record_role_mapping(session, case, acting)
            service.sign(
                session,
                case,
                acting,
                chief_executive=f"Kommunedirektør {number}",
                culture_school_head=f"Kulturskoleleder {number}",
                signed_on=acting.as_of,
            )
    _try("1506", "withdraw", acting, reason="Kommunen prioriterer annet arbeid i år")
    for number, plan in SAMPLE:
        if plan not in ("no-dialogue", "withdraws"):
            _try(number, "contract", acting)

    acting = _step("2024-07-15", "too early to start")
    _try("0301", "activate", acting)

    acting = _step("2024-08-01", "the programme period starts")
    for number, plan in SAMPLE:
        if plan not in ("no-dialogue", "withdraws"):
            _try(number, "activate", acting)

    acting = _step("2024-09-20", "advisors, the autumn holiday, and the first visits")
    with unit_of_work() as session:
        import_advisors(session, DATA_DIR / "demo" / "advisors.csv")
        block(session, "county", "03", date(2024, 9, 30), date(2024, 10, 4), "Høstferie i Oslo")
    console.print("  3 advisors imported; autumn holiday blocked for county 03")
    _schedule(acting.as_of)

    acting = _step("2024-09-26", "the first physical joint gathering has ended")
    _invoice(acting.as_of)

    acting = _step("2024-10-15", "a municipality leaves; payments arrive")
    _try(
        "3301",
        "terminate",
        acting,
        reason="Kommunegruppen deltar ikke lenger",
        initiated_by="coordinator",
    )
    with unit_of_work() as session:
        for invoice in session.scalars(select(Invoice).order_by(Invoice.number).limit(5)):
            record_payment(session, invoice.number, acting.as_of, acting)
    console.print("  5 invoices paid")

    acting = _step("2025-02-14", "the second physical joint gathering has ended")
    _invoice(acting.as_of)
    with unit_of_work() as session:
        last = session.scalars(select(Invoice).order_by(Invoice.number.desc())).first()
        note = credit(session, last.number, "Feil fakturareferanse", acting, reissue=True)
    console.print(
        f"  invoice {last.number} credited by credit note {note.number}; "
        "it is invoiced again at the next run"
    )
    _invoice(acting.as_of)


def _schedule(as_of: date) -> None:
    """Run the real schedule-visits flow for the day."""
    from flows.visits import schedule_visits

    result = schedule_visits(as_of=as_of)
    console.print(
        f"  schedule-visits: {result['scheduled']} visits scheduled with invitations; "
        f"{len(result['unplaced'])} not placed"
    )
    for window in result["skipped_windows"]:
        console.print(f"    {window['window']} skipped: {window['reason']}")
    for item in result["unplaced"]:
        console.print(
            f"    not placed: {item['municipality']} in {item['window']}: {item['reason']}"
        )


def _invoice(as_of: date) -> None:
    """Run the real invoicing flow for the day."""
    from flows.invoicing import invoicing

    result = invoicing(as_of=as_of)
    console.print(
        f"  invoicing: {result['issued']} invoices issued, NOK {result['total']}; "
        f"{result['already_invoiced']} already invoiced; {len(result['skipped'])} skipped"
    )
    for item in result["invoices"]:
        if "warning" in item:
            console.print(f"    note: {item['warning']}")
    for item in result["skipped"]:
        console.print(f"    skipped {item['municipality']} {item['name']}: {item['reason']}")


def _roles(plan: str) -> list[str]:
    roles = ["coordinator", "school-owner", "culture-school-head", "chief-executive", "elected"]
    if plan == "no-school-owner":
        roles[1] = "other"
    return roles


def _report(programme_id: str) -> None:
    with unit_of_work() as session:
        cases = session.scalars(
            select(Case)
            .where(Case.programme_id == programme_id)
            .options(selectinload(Case.municipality))
            .order_by(Case.municipality_number)
        ).all()
        table(
            "\nstatus",
            ["nr", "municipality", "state"],
            [[c.municipality_number, c.municipality.name, c.state] for c in cases],
        )
        terminated = next((c for c in cases if c.state == "terminated"), cases[0])
        entries = session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.case_id == terminated.id)
            .order_by(HistoryEntry.seq)
        ).all()
        print_history(
            f"history of {terminated.municipality_number} {terminated.municipality.name}",
            [history_json(e) for e in entries],
        )
        rows = session.execute(
            select(Invoice, Case.municipality_number)
            .join(Case, Case.id == Invoice.case_id)
            .order_by(Invoice.number)
        ).all()
        invoices = [invoice_json(i, n) for i, n in rows]
        table(
            f"invoices ({len(invoices)})",
            ["number", "kind", "buyer", "inst.", "amount", "KID", "due", "status", "EHF"],
            [
                [
                    d["number"],
                    d["kind"],
                    d["buyer"],
                    d["instalment"],
                    d["amount"],
                    d["kid"],
                    d["due_date"],
                    d["status"],
                    "yes" if d["ehf"] else "no",
                ]
                for d in invoices
            ],
        )
        statuses = Counter(session.scalars(select(Visit.status)))
        console.print("visits: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
        findings = list(verify(session))
    console.print("audit: " + ("history intact" if not findings else f"{len(findings)} findings"))
