"""Breaches: opened once when a rule fails, warned about, resolved when the rule holds again,
waived by an administrator, or ended by a decided termination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.orm import Session, selectinload

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.history import Acting, Pending, record, record_many
from kulturskole.obligations.report import MonitorReport
from kulturskole.obligations.rules import Facts, evaluate, rule_text
from kulturskole.services.cases import transition
from kulturskole.services.programmes import get_programme
from models import Breach, Case, GroupMember, Municipality, Programme, Visit
from models.definition import NEVER_TERMINATING
from notifications.breach_text import evidence_sentences, rule_words
from notifications.case_mail import (
    chief_executive,
    common_context,
    coordinator_or_contact,
    programme_contact,
)
from notifications.outbox import Outgoing, queue_many
from states.groups import PARTICIPATING, TERMINABLE


def monitor(
    engine: Engine, acting: Acting, programme_id: str | None = None, *, dry_run: bool = False
) -> MonitorReport:
    """Evaluate every rule for every contracted or active case, in one transaction."""
    with unit_of_work(engine, dry_run=dry_run) as session:
        programme = get_programme(session, programme_id)
        report = MonitorReport(programme.id, acting.as_of, dry_run)
        _monitor(session, programme, acting, report)
    return report


def _monitor(session: Session, programme: Programme, acting: Acting, report: MonitorReport) -> None:
    obligations = programme.rules.obligations
    grace = timedelta(days=obligations.grace_days)
    terminating = set(obligations.terminating_rules) - set(NEVER_TERMINATING)
    facts = Facts.load(session, programme, acting.as_of)
    # What the rules and the report need of every case: its state and its municipality (row
    # locks taken as before). The cases themselves, with their group and contacts, are loaded
    # only for the warnings to write (_warned_cases).
    cases = {
        row.id: row
        for row in session.execute(
            select(Case.id, Case.state, Case.municipality_number, Municipality.name)
            .join(Municipality, Municipality.number == Case.municipality_number)
            .where(Case.programme_id == programme.id, Case.state.in_(PARTICIPATING))
            .with_for_update(of=Case)
        )
    }
    open_breaches = {
        (b.case_id, b.rule): b
        for b in session.scalars(
            select(Breach).where(Breach.status == "open", Breach.case_id.in_(list(cases)))
        )
    }
    # A waived breach is not opened again for the same evidence (a new missed visit is new).
    waived = {
        (b.case_id, b.rule, _evidence_key(b.evidence))
        for b in session.scalars(
            select(Breach).where(Breach.status == "waived", Breach.case_id.in_(list(cases)))
        )
    }
    # Decide everything first, then write it in batches (statements per batch, not per case);
    # each case's history reads as when it was written case by case: per rule in order, a
    # resolution, or an opening followed by its warning's "mail-queued".
    steps: dict[int, list[tuple[str, Any]]] = {}  # case id → ("resolved"|"opened", …) in order
    opening: list[dict[str, Any]] = []
    for case_id, case in sorted(cases.items(), key=lambda item: item[1].municipality_number):
        for rule, finding in evaluate(case_id, case.state, facts).items():
            breach = open_breaches.get((case_id, rule))
            where = {"municipality": case.municipality_number, "name": case.name, "rule": rule}
            if finding is None and breach is not None:
                steps.setdefault(case_id, []).append(("resolved", breach))
                report.resolved.append(where | {"id": breach.id})
            elif finding is not None and breach is None:
                if (case_id, rule, _evidence_key(finding.details)) in waived:
                    continue
                row = {
                    "case_id": case_id,
                    "rule": rule,
                    "status": "open",
                    "opened_on": acting.as_of,
                    "remedy_by": acting.as_of + grace,
                    "evidence": {"text": finding.evidence, **finding.details},
                    "closed_on": None,
                    "reason": None,
                    "decision": None,
                    "decided_by": None,
                    "awaiting_flow_run_id": None,
                }
                opening.append(row)
                steps.setdefault(case_id, []).append(("opened", (row, finding)))
                report.opened.append(
                    where
                    | {
                        "id": None,  # set when written
                        "evidence": finding.evidence,
                        "remedy_by": row["remedy_by"].isoformat(),
                    }
                )
            elif finding is not None:
                report.still_open += 1
                if rule in terminating and acting.as_of > breach.remedy_by:
                    report.awaiting.append(_breach_row(breach, case))
    _write(session, programme, acting, cases, steps, opening, report)


@dataclass(frozen=True)
class _Opened:
    """A breach just inserted: what its warning reads (a Breach's attributes)."""

    id: int
    case_id: int
    rule: str
    remedy_by: date
    evidence: dict[str, Any]


def _write(
    session: Session,
    programme: Programme,
    acting: Acting,
    cases: dict[int, Any],
    steps: dict[int, list[tuple[str, Any]]],
    opening: list[dict[str, Any]],
    report: MonitorReport,
) -> None:
    """Write the run's resolutions, new breaches, history and warnings: one executemany each,
    in rounds (a case's first step in round one, its second in round two, …) so that each
    chain keeps its order; a run costs a few statements per round, not per case."""
    table = Breach.__table__
    resolved = [b for todo in steps.values() for kind, b in todo if kind == "resolved"]
    if resolved:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(status="resolved", closed_on=acting.as_of),
            [{"b_id": b.id} for b in resolved],
        )
    # Ids matched back by (case, rule): one open breach per case and rule (uq_breach_open).
    ids = (
        {
            (case_id, rule): breach_id
            for breach_id, case_id, rule in session.execute(
                insert(table).returning(table.c.id, table.c.case_id, table.c.rule), opening
            )
        }
        if opening
        else {}
    )
    for entry, row in zip(report.opened, opening, strict=True):  # the report follows `opening`
        entry["id"] = ids[(row["case_id"], row["rule"])]
    visits = _missed_visits(session, opening)
    warned = _warned_cases(
        session, {row["case_id"] for row in opening if row["rule"] not in REMINDED_BY_FINANCE}
    )
    rounds = max((len(todo) for todo in steps.values()), default=0)
    for i in range(rounds):
        history: list[Pending] = []
        warnings: list[Outgoing] = []
        for case_id, todo in steps.items():
            if i >= len(todo):
                continue
            kind, what = todo[i]
            if kind == "resolved":
                history.append(
                    Pending(
                        case_id, "breach-resolved", details={"breach": what.id, "rule": what.rule}
                    )
                )
                continue
            row, finding = what
            breach = _Opened(
                ids[(case_id, row["rule"])],
                case_id,
                row["rule"],
                row["remedy_by"],
                row["evidence"],
            )
            history.append(
                Pending(
                    case_id,
                    "breach-opened",
                    reason=finding.evidence,
                    details={
                        "breach": breach.id,
                        "rule": breach.rule,
                        "remedy_by": breach.remedy_by.isoformat(),
                    },
                )
            )
            if breach.rule not in REMINDED_BY_FINANCE:
                warnings.append(_warning(warned[case_id], breach, programme, visits))
        # The cases' heads are read and moved by id: the session's Case objects stay clean.
        record_many(session, acting, history)
        queue_many(session, warnings, acting)


def _warned_cases(session: Session, ids: set[int]) -> dict[int, Case]:
    """The cases that get a warning, with what the warning reads (municipality, group members
    and their people, contact), in one query and its eager loads."""
    if not ids:
        return {}
    return {
        c.id: c
        for c in session.scalars(
            select(Case)
            .where(Case.id.in_(sorted(ids)))
            .options(
                selectinload(Case.municipality),
                selectinload(Case.members).selectinload(GroupMember.person),
                selectinload(Case.contact),
            )
        )
    }


def _missed_visits(session: Session, opening: list[dict[str, Any]]) -> dict[int, Visit]:
    """The visits the new missed-visit breaches name, read at once (breach_evidence reads them
    breach by breach)."""
    ids = {
        visit_id
        for row in opening
        if row["rule"] == "visit-missed"
        for visit_id in row["evidence"].get("visits") or ()
    }
    if not ids:
        return {}
    return {v.id: v for v in session.scalars(select(Visit).where(Visit.id.in_(sorted(ids))))}


# Rules whose breach is recorded (for the console's breach list, resolved when the rule holds
# again) but warned about by another letter: an unpaid invoice gets payment reminders to the
# invoice address (kulturskole.payments.reminders), not an obligation warning to the coordinator.
REMINDED_BY_FINANCE = ("invoice-overdue",)


def _evidence_key(evidence: dict[str, Any]) -> str:
    import json

    facts = {k: v for k, v in (evidence or {}).items() if k != "text"}
    return json.dumps(facts, sort_keys=True, default=str)


def _warning(
    case: Case, breach: Breach | _Opened, programme: Programme, visits: dict[int, Visit]
) -> Outgoing:
    """The warning about a new breach, for the outbox. Its evidence is ``breach_evidence``'s:
    the same sentences from the same data, with the named visits given from one read."""
    to = coordinator_or_contact(case)
    words = rule_words(breach.rule)
    evidence = breach.evidence or {}
    named = evidence.get("visits") if breach.rule == "visit-missed" else None
    context = common_context(case, to) | {
        "breach": {
            "rule": breach.rule,
            "rule_text": rule_text(breach.rule, programme),
            "evidence": evidence_sentences(
                breach.rule,
                evidence,
                programme.events,
                min_group_size=programme.rules.participation.min_group_size,
                visits={i: visits[i] for i in named if i in visits} if named else {},
            ),
            "remedy_by": breach.remedy_by,
            "can_terminate": can_terminate(breach.rule, programme),
            "undoable": words.undoable,
            "request": words.request,
        }
    }
    return Outgoing(
        key=f"breach/{breach.id}/warning",
        template="obligation_warning",
        context=context,
        to=[to],
        cc=[*chief_executive(case), programme_contact(programme)],
        case_id=case.id,
    )


def can_terminate(rule: str, programme: Programme) -> bool:
    """Whether a breach of ``rule``, left open, can lead to a termination proposal."""
    return rule in programme.rules.obligations.terminating_rules and rule not in NEVER_TERMINATING


def find_breach(session: Session, breach_id: int) -> Breach:
    breach = session.get(Breach, breach_id, with_for_update=True)
    if breach is None:
        raise NotFound(f"no breach {breach_id}")
    return breach


def waive(session: Session, breach_id: int, reason: str, acting: Acting) -> Breach:
    breach = find_breach(session, breach_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reason is required to waive a breach")
    if breach.status != "open":
        raise InvalidInput(f"breach {breach_id} is {breach.status}, not open")
    breach.status, breach.closed_on, breach.reason = "waived", acting.as_of, reason
    case = session.get(Case, breach.case_id, with_for_update=True)
    record(
        session,
        case,
        acting,
        "breach-waived",
        reason=reason,
        details={"breach": breach.id, "rule": breach.rule},
    )
    return breach


def decide(
    session: Session,
    breach_id: int,
    approve: bool,
    reason: str,
    decided_by: str,
    acting: Acting,
) -> tuple[Breach, bool]:
    """An administrator's decision on terminating over a breach. Approval terminates the case
    with immediate effect (visits cancelled, no further instalments, termination notice);
    rejection keeps the case and gives a new grace period. Returns (breach, applied): a breach
    already decided and closed is left as it is (False), so a resumed flow run after a CLI
    decision does nothing twice."""
    breach = find_breach(session, breach_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reason is required for the decision")
    if breach.status != "open":
        if breach.decided_by is not None:
            return breach, False
        raise InvalidInput(f"breach {breach_id} is {breach.status}, not open")
    case = session.get(Case, breach.case_id, with_for_update=True)
    if approve and not can_terminate(breach.rule, case.programme):
        raise InvalidInput(
            f"breach {breach_id} ({breach.rule}) cannot lead to termination; waive it or let "
            "it be resolved"
        )
    breach.decision, breach.decided_by, breach.reason = (
        "approve" if approve else "reject",
        decided_by,
        reason,
    )
    breach.awaiting_flow_run_id = None
    record(
        session,
        case,
        acting,
        "breach-decided",
        reason=reason,
        details={
            "breach": breach.id,
            "rule": breach.rule,
            "decision": breach.decision,
            "decided_by": decided_by,
        },
    )
    if approve:
        breach.status, breach.closed_on = "terminated", acting.as_of
        if case.state in TERMINABLE:
            transition(
                session,
                case,
                "terminate",
                acting,
                initiated_by="leadership",
                reason=f"Brudd på forpliktelsen om {rule_words(breach.rule).about}: {reason}",
            )
    else:
        grace = case.programme.rules.obligations.grace_days
        breach.remedy_by = acting.as_of + timedelta(days=grace)
    return breach, True


def breach_json(breach: Breach, case: Case) -> dict[str, Any]:
    return _breach_row(breach, case, case.municipality.name)


def _breach_row(breach: Breach, case: Any, name: str | None = None) -> dict[str, Any]:
    """breach_json from what is known of the case: its municipality's number and name (given,
    or the row's ``name``)."""
    return {
        "id": breach.id,
        "municipality": case.municipality_number,
        "name": case.name if name is None else name,
        "rule": breach.rule,
        "status": breach.status,
        "opened_on": breach.opened_on.isoformat(),
        "remedy_by": breach.remedy_by.isoformat(),
        "evidence": (breach.evidence or {}).get("text"),
        "decision": breach.decision,
        "decided_by": breach.decided_by,
        "closed_on": breach.closed_on.isoformat() if breach.closed_on else None,
    }


def close_for_termination(session: Session, case: Case, acting: Acting) -> int:
    """A terminated case's open breaches end with it."""
    breaches = session.scalars(
        select(Breach).where(Breach.case_id == case.id, Breach.status == "open")
    ).all()
    for breach in breaches:
        breach.status, breach.closed_on = "terminated", acting.as_of
    return len(breaches)
