"""One case as the console shows it: its detail, what each allowed trigger still lacks (in
English and Norwegian), its history with the names behind actors and ids, whether its chain
verifies, and its invoices, visits, attendance, breaches and mail.

A page is one call: a few queries per section, none per history entry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturskole.history import Finding, verify_case
from kulturskole.read.attendance import AttendanceRow, list_attendance
from kulturskole.read.breaches import BreachRow, list_breaches
from kulturskole.read.cases import CaseDetail, detail_of
from kulturskole.read.contract import (
    ContractMeetingRow,
    SignedContractRow,
    contract_meeting_row,
    signed_contract_row,
)
from kulturskole.read.history import HistoryRow, entries_of, history_row
from kulturskole.read.invoices import InvoiceRow, list_invoices
from kulturskole.read.mail import MessageRow, list_messages
from kulturskole.read.visits import VisitRow, list_visits
from kulturskole.services.cases import find_case
from models import Advisor, Case, Person, User
from states.conditions import Context, in_norwegian
from states.machine import TRANSITIONS, allowed_triggers, explain

_DESTINATION = {t["trigger"]: t["dest"] for t in TRANSITIONS}


class Missing(TypedDict):
    trigger: str
    to_state: str  # where it leads
    unmet: list[str]  # in English, as `cases show` prints them; empty: it would fire
    unmet_nb: list[str]  # the same in Norwegian


class ChainProblem(TypedDict):
    seq: int | None  # None: the chain's end does not match the case's head
    problem: str  # in English, as `audit verify` prints it


class ChainCheck(TypedDict):
    intact: bool
    entries: int
    problems: list[ChainProblem]


class Balance(TypedDict):
    """The case's account, NOK with two decimals."""

    invoiced: str  # invoices less credit notes
    paid: str
    outstanding: str  # invoices neither paid nor credited


class AdvisorData(TypedDict):
    name: str
    email: str


class CasePage(TypedDict):
    case: CaseDetail
    county: str
    kind: str  # the applicant: "municipality" or "county-branch" (models.municipality)
    advisor: AdvisorData | None
    missing: list[Missing]  # each trigger allowed from the state, in the machine's order
    history: list[HistoryRow]  # oldest first
    actors: dict[str, str]  # an actor who is a console account (by e-mail) → the person's name
    people: dict[int, str]  # person ids named in the history → names (as stored now)
    advisors: dict[int, str]  # advisor ids named in the history → names
    chain: ChainCheck
    events: dict[str, str]  # the programme's event ids → titles
    invoices: list[InvoiceRow]
    balance: Balance
    visits: list[VisitRow]
    attendance: list[AttendanceRow]
    breaches: list[BreachRow]
    mail: list[MessageRow]
    contract_meeting: ContractMeetingRow | None  # avtale- og kontraktsmøte
    signed_contract: SignedContractRow | None  # the PDF stored when the case was contracted


def case_page(
    session: Session, number: str, as_of: date, programme_id: str | None = None
) -> CasePage:
    """Municipality ``number``'s case as of ``as_of`` (what the triggers lack on that date)."""
    case = find_case(session, number, programme_id)
    history = [history_row(entry) for entry in entries_of(session, case.id)]
    advisor = session.get(Advisor, case.advisor_id) if case.advisor_id else None
    invoices = list_invoices(session, case_id=case.id)
    return CasePage(
        case=detail_of(case, as_of),
        county=case.municipality.county_name,
        kind=case.municipality.kind,
        advisor=AdvisorData(name=advisor.name, email=advisor.email) if advisor else None,
        missing=missing_in_words(case, as_of),
        history=history,
        actors=actor_names(session, {row["actor"] for row in history}),
        people=_names(session, Person, _ids(history, "person_id")),
        advisors=_names(session, Advisor, _ids(history, "advisor_id")),
        chain=chain_check(session, case, len(history)),
        events={event.id: event.title for event in case.programme.events},
        invoices=invoices,
        balance=balance(invoices),
        visits=list_visits(session, case_id=case.id),
        attendance=list_attendance(session, case_id=case.id),
        breaches=list_breaches(session, case_id=case.id),
        mail=list_messages(session, case_id=case.id),
        contract_meeting=contract_meeting_row(session, case.id),
        signed_contract=signed_contract_row(session, case.id),
    )


def missing_in_words(case: Case, as_of: date) -> list[Missing]:
    """What each trigger allowed from the case's state still lacks, in both languages."""
    ctx = Context(as_of=as_of)
    result = []
    for trigger in allowed_triggers(case.state):
        unmet = explain(case, trigger, ctx)
        result.append(
            Missing(
                trigger=trigger,
                to_state=_DESTINATION[trigger],
                unmet=[str(m) for m in unmet],
                unmet_nb=[in_norwegian(m) for m in unmet],
            )
        )
    return result


def balance(invoices: list[InvoiceRow]) -> Balance:
    def total(rows: list[InvoiceRow]) -> str:
        return f"{sum((Decimal(row['amount']) for row in rows), Decimal('0.00')):.2f}"

    standing = [row for row in invoices if row["kind"] == "invoice"]
    return Balance(
        invoiced=total(invoices),
        paid=total([row for row in standing if row["status"] == "paid"]),
        outstanding=total([row for row in standing if row["status"] in ("issued", "sent")]),
    )


def actor_names(session: Session, actors: set[str]) -> dict[str, str]:
    """The console accounts among ``actors`` (e-mail addresses) with their holders' names."""
    wanted = {actor.lower(): actor for actor in actors if "@" in actor}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.email, User.name).where(func.lower(User.email).in_(list(wanted)))
    )
    return {wanted[email.lower()]: name for email, name in rows}


def chain_check(session: Session, case: Case, entries: int) -> ChainCheck:
    findings: list[Finding] = verify_case(session, case.id)
    return ChainCheck(
        intact=not findings,
        entries=entries,
        problems=[ChainProblem(seq=f.seq, problem=f.problem) for f in findings],
    )


def _ids(history: list[HistoryRow], suffix: str) -> set[int]:
    """Every id in the entries' details whose key ends in ``suffix`` ("person_id" …)."""
    return {
        value
        for row in history
        for key, value in row["details"].items()
        if key.endswith(suffix) and isinstance(value, int)
    }


def _names(session: Session, model: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())
