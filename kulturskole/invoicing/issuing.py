"""Issuing the due instalments: set-based, in batches, each batch one transaction.

An instalment is due for a case on the first Norwegian business day after the event that
triggers it (a physical joint gathering) ended (kulturskole.invoicing.business_days); the
invoice is dated on the run's date, which must be a business day: a run on a Saturday or a
holiday issues nothing and reports the next business day. Its due date is the issue date plus
the programme's payment terms, as it falls (business_days says why). It is due if the case
was contracted or active on the day the event ended — its state on that day is
read from its history, so a run on a later date gives the same answer. A case terminated before
that day is not invoiced, and a county branch never is (it is part of the council itself).
Numbers are taken from the series row under a lock in the same transaction as the invoices:
overlapping runs wait for each other, re-check what is already invoiced, and a rolled-back
batch gives its numbers back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from kulturskole.db import unit_of_work
from kulturskole.history import Acting, Pending, record_many
from kulturskole.invoicing.business_days import next_business_day, why_not
from kulturskole.invoicing.instalments import split, trigger_events
from kulturskole.invoicing.numbering import take_number
from kulturskole.invoicing.report import RunReport
from kulturskole.services.programmes import format_ore, get_programme
from models import Case, GroupMember, HistoryEntry, Invoice, Programme
from states.groups import PARTICIPATING


@dataclass(frozen=True)
class Due:
    case_id: int
    municipality: str
    name: str
    instalment: int
    event_id: str
    event_end: date
    amount_ore: int


def run(
    engine: Engine,
    acting: Acting,
    programme_id: str | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = 250,
) -> RunReport:
    """Issue every due instalment as of ``acting.as_of``; with ``dry_run`` change nothing."""
    with unit_of_work(engine, dry_run=dry_run) as session:
        programme = get_programme(session, programme_id)
        programme_id = programme.id
        due, report = find_due(session, programme, acting.as_of, dry_run)
    if dry_run:  # what would be issued; numbers, KIDs and documents only for real
        report.issued = [_planned(d) for d in due]
        return report
    for start in range(0, len(due), batch_size):
        with unit_of_work(engine) as session:
            programme = session.get(Programme, programme_id)
            _issue_batch(session, programme, due[start : start + batch_size], acting, report)
    return report


def find_due(
    session: Session,
    programme: Programme,
    as_of: date,
    dry_run: bool = False,
    *,
    business_days_only: bool = True,
) -> tuple[list[Due], RunReport]:
    """What a run as of ``as_of`` would issue. On a day that is not a business day nothing (the
    report says why and names the next); ``business_days_only=False`` gives what is due all the
    same (the status page: what the next business day will issue)."""
    report = RunReport(programme.id, as_of, dry_run)
    closed = why_not(as_of)
    if closed is not None and business_days_only:
        report.not_a_business_day = (
            f"{as_of.isoformat()} is not a business day ({closed}); "
            f"the next is {next_business_day(as_of).isoformat()}"
        )
        return [], report
    triggers = trigger_events(programme.rules.invoicing.after, programme.events)
    amounts = split(programme.fee_ore, programme.rules.invoicing.instalments)
    ended = [
        (number, event)
        for number, event in enumerate(triggers, start=1)
        if event.end is not None and event.end < as_of
    ]
    if not ended:
        return [], report
    cases = session.execute(
        select(Case.id, Case.municipality_number, Case.state)
        .where(Case.programme_id == programme.id, _invoiced_applicant())
        .order_by(Case.municipality_number)
    ).all()
    names = dict(
        session.execute(
            select(Case.id, _municipality_name()).where(Case.programme_id == programme.id)
        ).all()
    )
    timeline = _state_timelines(session, programme.id)
    standing = _standing(session, programme.id)
    due: list[Due] = []
    for case_id, number, _state in cases:
        for instalment, event in ended:
            state = _state_on(timeline[case_id], event.end)
            if state in PARTICIPATING:
                if (case_id, instalment) in standing:
                    report.already_invoiced += 1
                    continue
                due.append(
                    Due(
                        case_id,
                        number,
                        names[case_id],
                        instalment,
                        event.id,
                        event.end,
                        amounts[instalment - 1],
                    )
                )
            elif state == "terminated" or _ever(timeline[case_id], PARTICIPATING):
                report.skipped.append(
                    {
                        "municipality": number,
                        "name": names[case_id],
                        "instalment": instalment,
                        "reason": f"{state} when {event.id} ended on {event.end.isoformat()}",
                        # the reason's parts, for a reader in another language (the console)
                        "state": state,
                        "event": event.id,
                        "ended_on": event.end.isoformat(),
                    }
                )
    return due, report


def instalments_on_termination(session: Session, case: Case, as_of: date) -> dict[str, Any]:
    """What becomes of the fee's instalments when ``case`` is terminated as of ``as_of``, by the
    rule ``find_due`` applies (for the termination letter): {total, invoiced: [instalments],
    unpaid: [invoice numbers], still_invoiced: [{number, event}], not_invoiced: [{number,
    event}]}. An instalment whose event ended before that day, with the case taking part then, is
    still invoiced; one whose event ends later is not; invoices issued stand."""
    rules = case.programme.rules.invoicing
    invoices = session.scalars(
        select(Invoice).where(
            Invoice.case_id == case.id, Invoice.kind == "invoice", Invoice.status != "credited"
        )
    ).all()
    invoiced = {i.instalment for i in invoices}
    timeline = [
        (effective_on, to_state)
        for effective_on, to_state in session.execute(
            select(HistoryEntry.effective_on, HistoryEntry.to_state)
            .where(HistoryEntry.case_id == case.id, HistoryEntry.to_state.is_not(None))
            .order_by(HistoryEntry.seq)
        )
    ]
    still, gone = [], []
    triggers = trigger_events(rules.after, case.programme.events)
    for number, event in enumerate(triggers[: rules.instalments], start=1):
        if number in invoiced:
            continue
        if event.end is not None and event.end < as_of:
            if _state_on(timeline, event.end) in PARTICIPATING:
                still.append({"number": number, "event": event})
        else:
            gone.append({"number": number, "event": event})
    return {
        "total": rules.instalments,
        "invoiced": sorted(invoiced),
        "unpaid": sorted(i.number for i in invoices if i.status in ("issued", "sent")),
        "still_invoiced": still,
        "not_invoiced": gone,
    }


def _issue_batch(
    session: Session, programme: Programme, batch: list[Due], acting: Acting, report: RunReport
) -> None:
    take_number(session, programme, count=0)  # lock the series before looking
    standing = _standing(session, programme.id, case_ids=[d.case_id for d in batch])
    cases = {
        c.id: c
        for c in session.scalars(
            select(Case)
            .where(Case.id.in_([d.case_id for d in batch]))
            .options(
                selectinload(Case.members).selectinload(GroupMember.person),
                selectinload(Case.contact),
                selectinload(Case.municipality),
                selectinload(Case.invoicing_details),
            )
            .with_for_update(of=Case)
        )
    }
    terms = programme.rules.invoicing.payment_terms_days
    to_issue = [d for d in batch if (d.case_id, d.instalment) not in standing]
    report.already_invoiced += len(batch) - len(to_issue)  # another run got there first
    if not to_issue:
        return
    series, first = take_number(session, programme, count=len(to_issue))
    # The batch's documents are made first, then written with statements per batch (the
    # invoices, their deliveries, mails and history entries by executemany): per invoice, only
    # the documents' own work is left (the HTML, the EHF and its validation, the mail; the PDF
    # is laid out when the mail is delivered). Imported here: what is due (find_due, the status
    # page) does not need the templates and the EHF builder.
    from kulturskole.invoicing.paperwork import invoice_data, make_documents, stamp, store_many

    papers = []
    for number, due in enumerate(to_issue, start=first):
        case = cases[due.case_id]
        invoice = Invoice(
            series=series,
            number=number,
            kind="invoice",
            case_id=case.id,
            instalment=due.instalment,
            amount_ore=due.amount_ore,
            issue_date=acting.as_of,
            due_date=acting.as_of + timedelta(days=terms),
            status="issued",
            trigger_event_id=due.event_id,
        )
        stamp(invoice, programme, case)
        papers.append(make_documents(programme, case, invoice, invoice_data(programme, invoice)))
    store_many(session, papers, acting, cases=cases)
    record_many(
        session,
        acting,
        [
            Pending(
                due.case_id,
                "invoice-issued",
                details={
                    "series": series,
                    "number": paper.invoice.number,
                    "instalment": due.instalment,
                    "amount_ore": due.amount_ore,
                    "kid": paper.invoice.kid,
                    "event": due.event_id,
                    "ehf": paper.invoice.ehf_xml is not None,
                },
            )
            for due, paper in zip(to_issue, papers, strict=True)
        ],
        cases=cases,
    )
    for due, paper in zip(to_issue, papers, strict=True):
        invoice = paper.invoice
        entry = _planned(due) | {
            "number": invoice.number,
            "kid": invoice.kid,
            "due_date": invoice.due_date.isoformat(),
        }
        if paper.warning:
            entry["warning"] = paper.warning
        report.issued.append(entry)


def _planned(due: Due) -> dict[str, Any]:
    return {
        "municipality": due.municipality,
        "name": due.name,
        "instalment": due.instalment,
        "event": due.event_id,
        "amount_ore": due.amount_ore,
        "amount": format_ore(due.amount_ore),
    }


def _invoiced_applicant() -> Any:
    """Municipalities pay the fee; a county branch is part of the council and is never invoiced
    (kulturskole.services.applicants)."""
    from models import Municipality

    return Case.municipality_number.in_(
        select(Municipality.number).where(Municipality.kind == "municipality")
    )


def _municipality_name() -> Any:
    from models import Municipality

    return (
        select(Municipality.name)
        .where(Municipality.number == Case.municipality_number)
        .scalar_subquery()
    )


def _state_timelines(session: Session, programme_id: str) -> dict[int, list[tuple[date, str]]]:
    """Per case, its transitions in order: (effective date, state entered)."""
    rows = session.execute(
        select(HistoryEntry.case_id, HistoryEntry.effective_on, HistoryEntry.to_state)
        .join(Case, Case.id == HistoryEntry.case_id)
        .where(Case.programme_id == programme_id, HistoryEntry.to_state.is_not(None))
        .order_by(HistoryEntry.case_id, HistoryEntry.seq)
    )
    timelines: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for case_id, effective_on, to_state in rows:
        timelines[case_id].append((effective_on, to_state))
    return timelines


def _state_on(timeline: list[tuple[date, str]], day: date) -> str | None:
    """The state the case was in at the end of ``day`` (the last transition effective by then)."""
    state = None
    for effective_on, to_state in timeline:
        if effective_on <= day:
            state = to_state
    return state


def _ever(timeline: list[tuple[date, str]], states: Iterable[str]) -> bool:
    return any(to_state in states for _, to_state in timeline)


def _standing(
    session: Session, programme_id: str, case_ids: list[int] | None = None
) -> set[tuple[int, int]]:
    """(case, instalment) pairs that are invoiced: a standing invoice, or one credited without
    being reopened for a new invoice."""
    query = (
        select(Invoice.case_id, Invoice.instalment)
        .join(Case, Case.id == Invoice.case_id)
        .where(
            Case.programme_id == programme_id,
            Invoice.kind == "invoice",
            or_(
                Invoice.status != "credited",
                and_(Invoice.status == "credited", Invoice.reissue.is_(False)),
            ),
        )
    )
    if case_ids is not None:
        query = query.where(Invoice.case_id.in_(case_ids))
    return {(case_id, instalment) for case_id, instalment in session.execute(query)}
