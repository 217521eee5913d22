"""The main job on the embedded default: the whole 2024–2025 programme on a simulated calendar.

A seeded share of the 357 municipalities apply; the council selects, contracts are signed, the
period starts, whole groups attend the gatherings (now and then one member is ill: a breach,
waived), invoices follow the physical gatherings, advisors visit in every exact window (each
invited a few weeks before it opens), one breach ends in an approved termination, and the rest
complete. Administrators' actions go through the same service functions as the
CLI; everything due on a date runs in one real `programme-day` flow run (Prefect without a
server), stepping only through the dates on which something is due.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturskole import DATA_DIR, PROGRAMMES_DIR
from kulturskole.config import get_settings
from kulturskole.contract import meeting as contract_meetings
from kulturskole.db import current_engine, unit_of_work
from kulturskole.errors import KulturskoleError
from kulturskole.history import Acting, verify
from kulturskole.invoicing.business_days import is_business_day, next_business_day
from kulturskole.invoicing.delivering import deliver_pending
from kulturskole.invoicing.delivery import RECEIPTS, FolderDrop
from kulturskole.invoicing.delivery.folder import reference
from kulturskole.migrate import upgrade
from kulturskole.names import own_name
from kulturskole.obligations import breaches
from kulturskole.obligations.attendance import record_attendance
from kulturskole.obligations.deliverables import deliver
from kulturskole.payments import parse_payment_file
from kulturskole.payments.camt054 import Credit, write_camt054
from kulturskole.payments.importing import import_payments
from kulturskole.programme_file import parse_programme_file
from kulturskole.read.status import overview
from kulturskole.services import cases as service
from kulturskole.services.invoicing_details import set_invoicing_details
from kulturskole.services.municipalities import import_municipalities
from kulturskole.services.programmes import format_ore, load_programme
from kulturskole.services.users import add_user, list_users, set_password
from kulturskole.visits import changes as visit_changes
from kulturskole.visits.advisors import assign, block, import_advisors, pick_by_county
from kulturskole.visits.scheduling import invite_dates
from models import (
    Advisor,
    Breach,
    Case,
    ContractMeeting,
    Invoice,
    InvoiceDelivery,
    Message,
    Municipality,
    Payment,
    Programme,
    Visit,
)
from notifications.events import invitation_date
from notifications.reminders import plan_reminder_dates

PROGRAMME_FILE = PROGRAMMES_DIR / "regionale-2024-2025.yaml"
DEMO_LOGIN = "demo@kulturskoleradet.no"  # the web console's demo administrator
# The programme leader who registers, selects, contracts and decides in the demo: a console
# account, so that a case's history names a person ("who decided?"), not the machine's login.
PROGRAMME_LEADER = ("programleder@kulturskoleradet.no", "Kari Nordmann (programleder)")
ADMIN = "by an administrator"  # how `kulturskole cases advisor` records an assignment
ROLES = ["coordinator", "school-owner", "culture-school-head", "chief-executive", "elected"]

# As the CLI prints (kulturskole/cli/common.py): user text as written, 160 wide when piped.
console = Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 160)


@dataclass(frozen=True)
class DemoResult:
    """The programme the demo played, and the date its final status is shown for."""

    programme: str
    as_of: date


class Demo:
    def __init__(self, share: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.share = share
        self.engine = current_engine()
        self.actor = get_settings().actor
        self.events: list = []
        self.bank_files = 0

    def on(self, day: date) -> Acting:
        return Acting(self.actor, day)

    # --- the script ---------------------------------------------------------------------
    def run(self) -> DemoResult:
        upgrade(self.engine)
        console.print(f"database: {self.engine.url.render_as_string(hide_password=True)}")
        with unit_of_work(self.engine) as session:
            import_municipalities(session)
            programme, _ = load_programme(session, parse_programme_file(PROGRAMME_FILE))
            self.programme_id = programme.id
            self.actor = _programme_leader(session)
            played = session.scalar(select(func.count()).select_from(Case))
        self.timetable()
        if played:
            console.print("the programme has been played on this database before; its state:")
        else:
            self.prepare()
            self.play()
        return DemoResult(self.programme_id, self.report())

    def timetable(self) -> None:
        """The programme's events, period and plan due dates (a replay ends on the same day)."""
        with unit_of_work(self.engine, readonly=True) as session:
            programme = session.get(Programme, self.programme_id)
            self.events = list(programme.events)
            self.period = (programme.period_start, programme.period_end)
            self.visit_invitations = invite_dates(programme)  # each visit window's own day
            self.plan_reminders = plan_reminder_dates(programme)  # (first day, due date)
            self.invitation_days = programme.rules.invitations.days_before
            obligations = programme.rules.obligations
            self.plan_dues = {
                "meeting-plan": obligations.meeting_plan_due,
                "development-plan": obligations.development_plan_due,
            }

    def prepare(self) -> None:
        with unit_of_work(self.engine, readonly=True) as session:
            numbers = list(
                session.scalars(select(Municipality.number).order_by(Municipality.number))
            )
        self.applicants = sorted(self.rng.sample(numbers, max(4, round(len(numbers) * self.share))))
        # One group stays away from the first physical gathering: it ends in termination.
        self.absentee = self.applicants[0]
        # About one in twenty delivers a plan late (after its due date, within the grace period).
        self.late = {
            what: set(self.rng.sample(self.applicants, len(self.applicants) // 20))
            for what in self.plan_dues
        }
        console.print(
            f"{len(self.applicants)} of {len(numbers)} municipalities will apply (seeded sample)"
        )

    def play(self) -> None:
        self.apply(date(2024, 4, 15))
        self.select(date(2024, 5, 15))
        with unit_of_work(self.engine) as session:
            import_advisors(session, DATA_DIR / "demo" / "advisors.csv")
            block(session, "county", "03", date(2024, 9, 30), date(2024, 10, 4), "Høstferie")
        self.contract(date(2024, 6, 14))
        days = self.calendar()
        last_answered = asyncio.run(self.days(days))
        if days and last_answered == days[-1]:  # answered after the last run: ask once more
            # As finance would run `kulturskole invoices deliver` the next morning.
            report = deliver_pending(self.engine, self.on(last_answered))
            console.print(f"{last_answered}  invoices deliver: {report.headline()}")

    def calendar(self) -> list[date]:
        """The dates on which something is due: the period's start and end, each event's start
        a week ahead (reminders) and the day after its end (attendance), the first business day
        after a physical gathering (invoicing: a Saturday issues nothing), visit windows and the
        days their visits are invited, plan due dates (with their reminders) and the days after,
        grace periods running out, and the invitation dates of the inspiration gathering and the
        sharing arena."""
        days = {self.period[0], self.period[1] + timedelta(days=1)}
        days.update(self.visit_invitations.values())
        for event in self.events:
            if event.start is None:
                continue
            days.add(event.start - timedelta(days=7))
            days.add(event.end + timedelta(days=1))
            if event.kind == "joint-gathering" and event.mode == "physical":
                days.add(next_business_day(event.end))
            if event.kind == "visit-window":
                days.add(event.start - timedelta(days=10))
            if (invited := invitation_date(event, self.invitation_days)) is not None:
                days.add(invited)  # invitations to the inspiration gathering, the sharing arena
        days.update(first for first, _ in self.plan_reminders.values())
        for due in self.plan_dues.values():
            days.update(
                {
                    due - timedelta(days=10),
                    due + timedelta(days=1),
                    due + timedelta(days=14),
                    due + timedelta(days=16),
                }
            )
        first, last = date(2024, 7, 1), self.period[1] + timedelta(days=1)
        return sorted(d for d in days if first <= d <= last)

    # --- what administrators do ---------------------------------------------------------
    def apply(self, day: date) -> None:
        with unit_of_work(self.engine) as session:
            for number in self.applicants:
                service.apply(
                    session,
                    number,
                    service.Application(
                        contact_name=f"Kontakt {number}",
                        contact_email=f"post.{number}@kommune.example.no",
                        motivation="Vi vil utvikle kulturskolen som del av kommunens tjenester.",
                        development_area="Kulturskolen som inkluderende fellesskap",
                        county_dialogue=self.rng.random() > 0.08,
                    ),
                    self.on(day),
                    self.programme_id,
                )
        console.print(f"{day}  {len(self.applicants)} applications")

    def select(self, day: date) -> None:
        outcome = Counter()
        for number in self.applicants:
            try:
                self.fire(number, "select", day)
                outcome["selected"] += 1
            except KulturskoleError:
                self.fire(number, "reject", day, reason="Mangler dialog med fylkesavdelingen")
                outcome["declined"] += 1
        console.print(f"{day}  selection: {dict(outcome)}")

    def contract(self, day: date) -> None:
        """Each selected municipality's group, invoicing details and signatures; the programme
        leader gives it its county's advisor (as ``kulturskole cases advisor`` does), who then
        holds its contract meeting: one programme contact has too few free slots for all 357."""
        outcome = Counter()
        with unit_of_work(self.engine) as session:
            selected = list(
                session.scalars(select(Case.municipality_number).where(Case.state == "selected"))
            )
            advisors = list(session.scalars(select(Advisor).order_by(Advisor.name)))
            session.expunge_all()
        load: Counter[int] = Counter()
        for number in selected:
            with unit_of_work(self.engine) as session:
                case = service.find_case(session, number, for_update=True)
                advisor = pick_by_county(advisors, load, case.municipality.county_number)
                if advisor is not None:
                    load[advisor.id] += 1
                    assign(session, case, session.get(Advisor, advisor.id), self.on(day), ADMIN)
                for i, role in enumerate(ROLES):
                    service.set_member(
                        session,
                        case,
                        self.on(day),
                        name=f"Deltaker {i + 1}",
                        email=f"d{i + 1}.{number}@kommune.example.no",
                        phone=f"+47 9{number} {i:04d}"[:15],
                        role=role,
                    )
                service.record_role_mapping(session, case, self.on(day))
                set_invoicing_details(  # fictitious: example.no is reserved, 9999 no postcode
                    session,
                    number,
                    self.on(day),
                    programme_id=self.programme_id,
                    reference="Kulturskolen v/ Deltaker 1",
                    email=f"faktura.{number}@kommune.example.no",
                    address=f"Postboks {number}\n9999 {own_name(case.municipality.name)}",
                )
                service.sign(
                    session,
                    case,
                    self.on(day),
                    chief_executive="Kommunedirektøren",
                    culture_school_head="Kulturskolelederen",
                    signed_on=day,
                )
                service.countersign(session, case, self.on(day), signed_on=day)
            self.fire(number, "contract", day)
            outcome["contracted"] += 1
        console.print(f"{day}  contracts: {dict(outcome)}")

    def administrators(self, day: date) -> None:
        """What the council records on this day: attendance at events that ended yesterday,
        plans delivered, visits done, decisions on breaches."""
        ended = [
            e
            for e in self.events
            if e.end is not None
            and e.end + timedelta(days=1) == day
            and e.kind in ("joint-gathering", "coordinator-meeting")
        ]
        with unit_of_work(self.engine) as session:
            cases = list(
                session.scalars(
                    select(Case).where(Case.state == "active").order_by(Case.municipality_number)
                )
            )
            for event in ended:
                for case in cases:
                    present, members = self.attendance(case, event)
                    record_attendance(session, case, event.id, present, members, self.on(day))
            for what, due in self.plan_dues.items():
                if day in (due - timedelta(days=10), due + timedelta(days=14)):
                    for case in cases:
                        late = case.municipality_number in self.late[what]
                        if (day > due) == late:
                            deliver(session, case, what, day, self.on(day))
            unpaid = session.scalars(
                select(Invoice).where(
                    Invoice.kind == "invoice",
                    Invoice.status.in_(("issued", "sent")),
                    Invoice.issue_date <= day - timedelta(days=20),
                )
            ).all()
            if unpaid:  # the municipalities pay within the terms; the bank tells us
                self.bank_notification(session, day, unpaid)
            done = session.scalars(
                select(Visit.id)
                .where(Visit.status == "scheduled", Visit.start < _midnight(day))
                .order_by(Visit.id)
            ).all()
            for visit_id in done:  # through the service, so that the history says so
                visit_changes.done(session, visit_id, None, self.on(day))
            meetings = session.scalars(
                select(Case)
                .join(ContractMeeting, ContractMeeting.case_id == Case.id)
                .where(
                    ContractMeeting.status == "scheduled", ContractMeeting.start < _midnight(day)
                )
                .order_by(Case.municipality_number)
            ).all()
            for case in meetings:  # the contract meetings held as booked
                contract_meetings.held(session, case, self.on(day))
        self.decide(day)

    def attendance(self, case: Case, event: Any) -> tuple[int, list[str]]:
        """Who came, by head count and e-mail. The whole group comes to a joint gathering (the
        source's rule), except that now and then one member is ill (a breach, waived) and the
        absentee's group stays away from the first one (the termination); the coordinator and
        a few others come to the coordinator meetings."""
        number = case.municipality_number
        group = [f"d{i + 1}.{number}@kommune.example.no" for i in range(len(ROLES))]
        if event.kind != "joint-gathering":
            return self.rng.randint(3, 5), group[:1]
        if event.id == "joint-gathering-1" and case.municipality_number == self.absentee:
            return 0, []
        if self.rng.random() < 0.02:
            return len(group) - 1, group[1:]
        return len(group), group

    def bank_notification(self, session: Session, day: date, paid: list[Invoice]) -> None:
        """The bank's camt.054 of the day's KID payments, written to var/bank/ and imported
        as finance would import it (``kulturskole payments import FILE``)."""
        account = session.get(Programme, self.programme_id).rules.seller.bank_account
        booked = day
        while not is_business_day(booked):  # the bank books on business days
            booked -= timedelta(days=1)
        data = write_camt054(
            f"DEMO{day:%Y%m%d}",
            booked,
            [Credit(i.kid, i.amount_ore, i.buyer_name) for i in paid],
            account=account,
        )
        folder = Path("var") / "bank"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"camt054-{day.isoformat()}.xml"
        path.write_bytes(data)
        report = import_payments(session, parse_payment_file(data, str(path)), self.on(day))
        if report.unmatched:  # the demo's own payments always match: say so loudly if not
            raise RuntimeError(f"{path}: {[o.reason for o in report.unmatched]}")
        self.bank_files += 1

    def decide(self, day: date) -> None:
        """Programme leadership decides on breaches past their grace period: the first one
        leads to an approved termination; the others were illness and are waived."""
        with unit_of_work(self.engine) as session:
            awaited = session.scalars(
                select(Breach)
                .where(Breach.status == "open", Breach.remedy_by < day)
                .order_by(Breach.id)
            ).all()
            ids = [b.id for b in awaited]
            terminated = session.scalar(
                select(func.count()).select_from(Breach).where(Breach.status == "terminated")
            )
        for breach_id in ids:
            with unit_of_work(self.engine) as session:
                if not terminated and session.get(Breach, breach_id).rule == "gathering-attendance":
                    breaches.decide(
                        session,
                        breach_id,
                        True,
                        "Kommunegruppen møtte ikke",
                        self.actor,
                        self.on(day),
                    )
                    terminated = 1
                    console.print(f"{day}  breach {breach_id}: termination approved")
                else:
                    breaches.waive(
                        session,
                        breach_id,
                        "Sykdom i gruppen; avklart med koordinator",
                        self.on(day),
                    )

    def fire(self, number: str, trigger: str, day: date, **kwargs: str) -> None:
        with unit_of_work(self.engine) as session:
            case = service.find_case(session, number, self.programme_id, for_update=True)
            service.transition(session, case, trigger, self.on(day), **kwargs)

    def provider_confirms(self, day: date) -> int:
        """A SIMULATION of the council's access-point provider, not part of the product: it
        picks up the documents in the folder drop (var/ehf-outbox/manifest.jsonl) and, having
        sent them on through Peppol, answers each with a ``delivered`` line in
        ``receipts.jsonl`` (the contract in kulturskole/invoicing/delivery/folder.py), dated
        the simulated day. The next delivery run reads the answers and records them. Returns
        how many documents it answered."""
        settings = get_settings()
        if settings.access_point != "folder":
            return 0
        drop = FolderDrop(settings.access_point_folder)
        answered = set(drop.receipts())
        at = datetime.combine(day, time(12, 0), settings.tz).isoformat()
        lines = [
            json.dumps({"reference": ref, "status": "delivered", "at": at})
            for ref in dict.fromkeys(reference(entry) for entry in drop.entries())
            if ref not in answered
        ]
        if lines:
            with open(drop.path / RECEIPTS, "a", encoding="utf-8") as out:
                out.write("".join(f"{line}\n" for line in lines))
        return len(lines)

    # --- the flows ----------------------------------------------------------------------
    async def days(self, days: list[date]) -> date | None:
        """Each date's administrators, its programme-day flow run and the provider's answers,
        all in one event loop (one Prefect client setup, not one per date); returns the last
        date on which the provider answered.

        The two Prefect client contexts are entered once for all dates: without them every flow
        run makes an async client, its result store and every sync task run a sync client of
        their own, each loading the CA bundle into a new SSL context (~0.1–0.25 s apiece here:
        a tenth of the whole demo in a profile)."""
        from prefect.context import AsyncClientContext, SyncClientContext

        last_answered = None
        with SyncClientContext.get_or_create():
            async with AsyncClientContext.get_or_create():
                for day in days:
                    self.administrators(day)
                    await self.programme_day(day)
                    if self.provider_confirms(day):
                        last_answered = day
        return last_answered

    async def programme_day(self, day: date) -> None:
        from flows.programme_day import programme_day

        result = await programme_day(programme=self.programme_id, as_of=day)
        done = {k: v for k, v in result["summary"].items() if v not in (0, "0.00")}
        console.print(f"{day}  programme-day: {done or 'nothing due'}")

    # --- the end ------------------------------------------------------------------------
    def report(self) -> date:
        """Print the end state; returns the date the status overview is shown for."""
        settings = get_settings()
        last = self.period[1] + timedelta(days=1) if self.events else settings.today()
        with unit_of_work(self.engine, readonly=True) as session:
            data = overview(session, last, self.programme_id)
            fee = session.get(Programme, self.programme_id).fee_ore
            invoiced = dict(
                session.execute(
                    select(Invoice.kind, func.coalesce(func.sum(Invoice.amount_ore), 0)).group_by(
                        Invoice.kind
                    )
                ).all()
            )
            per_case = dict(
                session.execute(select(Case.state, func.count()).group_by(Case.state)).all()
            )
            billed = session.execute(
                select(Case.id, Case.state, func.sum(Invoice.amount_ore))
                .join(Invoice, Invoice.case_id == Case.id)
                .where(Invoice.kind == "invoice", Invoice.status != "credited")
                .group_by(Case.id, Case.state)
            ).all()
            payments, received = session.execute(
                select(func.count(), func.coalesce(func.sum(Payment.amount_ore), 0))
            ).one()
            unpaid = session.scalar(
                select(func.count())
                .select_from(Invoice)
                .where(Invoice.kind == "invoice", Invoice.status.in_(("issued", "sent")))
            )
            findings = list(verify(session))
            deliveries = session.execute(
                select(InvoiceDelivery.channel, InvoiceDelivery.status, func.count())
                .group_by(InvoiceDelivery.channel, InvoiceDelivery.status)
                .order_by(InvoiceDelivery.channel, InvoiceDelivery.status)
            ).all()
            handed_over = session.scalar(
                select(func.count())
                .select_from(InvoiceDelivery)
                .where(
                    InvoiceDelivery.channel == "ehf",
                    InvoiceDelivery.status == "pending",
                    InvoiceDelivery.reference.is_not(None),
                )
            )
            mails = session.scalar(select(func.count()).select_from(Message))
            documents = session.execute(select(Invoice.number, Invoice.document_html)).all()
        folder = Path("var") / "invoices"
        folder.mkdir(parents=True, exist_ok=True)
        for number, html in documents:
            (folder / f"faktura-{number}.html").write_text(html, encoding="utf-8")
        completed_ok = all(total == fee for _, state, total in billed if state == "completed")
        _table("cases", ["state", "count"], [[s, n] for s, n in sorted(per_case.items())])
        net = invoiced.get("invoice", 0) - invoiced.get("credit", 0)
        console.print(
            f"invoiced NOK {format_ore(invoiced.get('invoice', 0))}, credited NOK "
            f"{format_ore(invoiced.get('credit', 0))}, net NOK {format_ore(net)}; every "
            f"completed municipality billed exactly NOK {format_ore(fee)}: "
            f"{'yes' if completed_ok else 'NO'}"
        )
        console.print(
            f"{payments} payments (NOK {format_ore(received)}) imported from the bank's "
            f"camt.054 files in var/bank/; invoices still open: {unpaid}"
        )
        console.print(
            f"open breaches {len(data['breaches_open'])}, mail waiting "
            f"{data['mail']['queued']}, failed {data['mail']['failed']}"
        )
        console.print(
            f"{mails} mails written to {settings.outbox_dir}/ (as .eml unless SMTP is "
            f"configured); {len(documents)} invoice documents in {folder}/"
        )
        by_channel: dict[str, list[str]] = {}
        for channel, status, count in deliveries:
            if channel == "ehf" and status == "pending" and handed_over:
                where = (
                    f"the folder drop {settings.access_point_folder}/"
                    if settings.access_point == "folder"
                    else f"the {settings.access_point} access point"
                )
                by_channel.setdefault(channel, []).append(
                    f"{handed_over} handed over to {where}, awaiting confirmation"
                )
                count -= handed_over
            if count:
                by_channel.setdefault(channel, []).append(f"{count} {status}")
        console.print(
            "delivery: "
            + ("; ".join(f"{c}: {', '.join(parts)}" for c, parts in by_channel.items()) or "none")
        )
        console.print(
            "audit: " + ("history intact" if not findings else f"{len(findings)} findings")
        )
        console.print("")
        return last


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    console.print(grid)


def _midnight(day: date):  # noqa: ANN202
    return datetime.combine(day, datetime.min.time(), get_settings().tz)


def run_demo(share: float = 0.4, seed: int = 2024) -> DemoResult:
    """Play the programme (or, on a database played before, only report); the caller shows
    the status overview for ``DemoResult.as_of`` after it."""
    # The demo hands its EHF to the folder drop (var/ehf-outbox/), unless the environment
    # chooses an access point: every validated EHF reaches the adapter, and says so.
    chosen = "KULTURSKOLE_ACCESS_POINT" in os.environ
    # Prefect's temporary server gets 20 s to start by default: too few on a busy 2-core machine
    # (it then fails the whole demo after the contracts); an administrator's setting wins.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not chosen:
        os.environ["KULTURSKOLE_ACCESS_POINT"] = "folder"
    try:
        return Demo(share, seed).run()
    finally:
        if not chosen:
            os.environ.pop("KULTURSKOLE_ACCESS_POINT", None)


def _programme_leader(session: Session) -> str:
    """The programme leader's account (made the first time; its password is never shown)."""
    email, name = PROGRAMME_LEADER
    if not any(account.email == email for account in list_users(session)):
        add_user(session, email, name, "admin", secrets.token_urlsafe(24))
    return email


def demo_login() -> tuple[str, str]:
    """The demo's administrator account on the demo's database, with a newly generated password:
    made the first time, its password replaced on every later run. Returns (e-mail, password)."""
    password = secrets.token_urlsafe(12)
    with unit_of_work(current_engine()) as session:
        if any(account.email == DEMO_LOGIN for account in list_users(session)):
            set_password(session, DEMO_LOGIN, password)
        else:
            add_user(session, DEMO_LOGIN, "Demo Administrator", "admin", password)
    return DEMO_LOGIN, password
