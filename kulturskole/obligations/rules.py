"""The obligation rules, each with its name, its text and its check, evaluated as of a date.

A rule returns None when the case keeps it, else a ``Finding`` with the evidence. Everything a
rule needs is loaded for all cases of the programme at once (``Facts``), so a run over 10 000
cases makes a handful of queries, not one per case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Attendance,
    Case,
    Deliverable,
    GroupMember,
    HistoryEntry,
    Invoice,
    Person,
    Programme,
    Visit,
)
from notifications.breach_text import evidence_sentences

RULE_TEXT = {
    "gathering-attendance": "Kommunegruppen skal delta på alle fellessamlinger.",
    "coordinator-meetings": "Koordinatoren skal delta på alle koordinatorsamlinger.",
    "group-composition": (
        "Kommunegruppen skal ha minst {min_group_size} deltakere og én koordinator, og "
        "skoleeier skal være representert."
    ),
    "development-plan": "Kommunen skal utarbeide en utviklingsplan for programperioden.",
    "meeting-plan": "Kommunen skal ha en langsiktig møteplan for arbeidet mellom samlingene.",
    "visit-missed": "Kommunegruppen skal ta imot veiledningsbesøkene fra veilederen.",
    "invoice-overdue": "Deltakeravgiften skal betales innen forfall.",
}
# Rules that apply while a case is contracted but not yet active
CONTRACTED_RULES = ("group-composition",)


@dataclass(frozen=True)
class Finding:
    rule: str
    # Norwegian, for the warning and the administrator; or what writes it, called when first
    # read: only a new breach uses the text, and most findings are of breaches already open.
    text: str | Callable[[], str]
    details: dict[str, Any]

    @property
    def evidence(self) -> str:
        if callable(self.text):
            object.__setattr__(self, "text", self.text())
        return self.text  # type: ignore[return-value]


@dataclass
class Facts:
    """What the rules look at, for every case of a programme."""

    as_of: date
    programme: Programme
    since: dict[int, date] = field(default_factory=dict)  # participating since (contract)
    attendance: dict[int, dict[str, Any]] = field(default_factory=dict)  # rows: .present, .members
    roles: dict[int, list[tuple[str, str | None]]] = field(default_factory=dict)
    # The group's history: (effective date, member id, added) in history order, per case.
    group_changes: dict[int, list[tuple[date, int, bool]]] = field(default_factory=dict)
    deliverables: dict[int, dict[str, date]] = field(default_factory=dict)
    missed_visits: dict[int, list[Visit]] = field(default_factory=dict)
    overdue: dict[int, list[Invoice]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, programme: Programme, as_of: date) -> Facts:
        facts = cls(as_of, programme)
        in_programme = Case.programme_id == programme.id
        for case_id, day in session.execute(
            select(HistoryEntry.case_id, HistoryEntry.effective_on)
            .join(Case, Case.id == HistoryEntry.case_id)
            .where(in_programme, HistoryEntry.to_state == "contracted")
        ):
            facts.since[case_id] = day
        attendance: dict[int, dict[str, Any]] = defaultdict(dict)
        # Only what the rules read of a record (present, members): rows, not ORM objects.
        for row in session.execute(
            select(Attendance.case_id, Attendance.event_id, Attendance.present, Attendance.members)
            .join(Case, Case.id == Attendance.case_id)
            .where(in_programme)
        ):
            attendance[row.case_id][row.event_id] = row
        facts.attendance = attendance
        roles: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        for case_id, role, email in session.execute(
            select(GroupMember.case_id, GroupMember.role, Person.email)
            .join(Person, Person.id == GroupMember.person_id)
            .join(Case, Case.id == GroupMember.case_id)
            .where(in_programme)
        ):
            roles[case_id].append((role, email))
        facts.roles = roles
        changes: dict[int, list[tuple[date, int, bool]]] = defaultdict(list)
        for case_id, day, action, details in session.execute(
            select(
                HistoryEntry.case_id,
                HistoryEntry.effective_on,
                HistoryEntry.action,
                HistoryEntry.details,
            )
            .join(Case, Case.id == HistoryEntry.case_id)
            .where(in_programme, HistoryEntry.action.in_(("member-added", "member-removed")))
            .order_by(HistoryEntry.case_id, HistoryEntry.seq)
        ):
            changes[case_id].append((day, details["member_id"], action == "member-added"))
        facts.group_changes = changes
        deliverables: dict[int, dict[str, date]] = defaultdict(dict)
        for case_id, what, day in session.execute(
            select(Deliverable.case_id, Deliverable.what, Deliverable.delivered_on)
            .join(Case, Case.id == Deliverable.case_id)
            .where(in_programme)
        ):
            deliverables[case_id][what] = day
        facts.deliverables = deliverables
        missed: dict[int, list[Visit]] = defaultdict(list)
        for visit in session.scalars(
            select(Visit)
            .join(Case, Case.id == Visit.case_id)
            .where(in_programme, Visit.status == "missed")
        ):
            missed[visit.case_id].append(visit)
        facts.missed_visits = missed
        days = programme.rules.obligations.invoice_overdue_days
        overdue: dict[int, list[Invoice]] = defaultdict(list)
        for invoice in session.scalars(
            select(Invoice)
            .join(Case, Case.id == Invoice.case_id)
            .where(
                in_programme,
                Invoice.kind == "invoice",
                Invoice.status.in_(("issued", "sent")),
                Invoice.due_date < as_of - timedelta(days=days),
            )
        ):
            overdue[invoice.case_id].append(invoice)
        facts.overdue = overdue
        return facts

    def group_size(self, case_id: int, day: date) -> int:
        """How many members the case's group had at the end of ``day``, by its history (the
        members recorded then); without a recorded group history, the group as it is now."""
        changes = self.group_changes.get(case_id)
        if not changes:
            return len(self.roles.get(case_id, []))
        members: set[int] = set()
        for effective_on, member_id, added in changes:
            if effective_on > day:
                continue  # entries are in history order; a later one may be back-dated
            if added:
                members.add(member_id)
            else:
                members.discard(member_id)
        return len(members)


def rule_text(rule: str, programme: Programme) -> str:
    size = programme.rules.participation.min_group_size
    return RULE_TEXT[rule].format(min_group_size=size)


def evaluate(case_id: int, state: str, facts: Facts) -> dict[str, Finding | None]:
    """Every rule that applies to the case in its state: None where it holds."""
    rules = RULE_TEXT if state == "active" else CONTRACTED_RULES
    return {rule: CHECKS[rule](case_id, facts) for rule in rules}


def _ended_events(facts: Facts, case_id: int, kind: str) -> list[Any]:
    since = facts.since.get(case_id)
    return [
        e
        for e in facts.programme.events
        if e.kind == kind
        and e.end is not None
        and e.end < facts.as_of
        and (since is None or e.end >= since)
    ]


def _gathering_attendance(case_id: int, facts: Facts) -> Finding | None:
    """Every joint gathering that has ended: as many present as the rule requires — by default
    the whole group, as recorded on the gathering's first day (the source: "kommunegruppen
    deltar på alle fellessamlinger")."""
    rule = facts.programme.rules.obligations.gathering_attendance
    short = []
    for event in _ended_events(facts, case_id, "joint-gathering"):
        row = facts.attendance.get(case_id, {}).get(event.id)
        present = row.present if row else 0
        group = facts.group_size(case_id, event.start)
        needed = rule.needed(group)
        if present < needed:
            short.append(
                {
                    "event": event.id,
                    "title": event.title,
                    "start": event.start.isoformat(),
                    "end": event.end.isoformat(),
                    "present": present,
                    "group": group,
                    "needed": needed,
                }
            )
    if not short:
        return None
    return Finding(
        "gathering-attendance",
        # the letters' own sentences («Bare to av de seks i kommunegruppen deltok på
        # fellessamling 1, 24.–25. september 2024.»), from the same data
        lambda: " ".join(
            evidence_sentences(
                "gathering-attendance",
                {"gatherings": short},
                facts.programme.events,
                min_group_size=facts.programme.rules.participation.min_group_size,
            )
        ),
        {"required": rule.required, "events": [g["event"] for g in short], "gatherings": short},
    )


def _coordinator_meetings(case_id: int, facts: Facts) -> Finding | None:
    coordinators = {
        (email or "").casefold()
        for role, email in facts.roles.get(case_id, [])
        if role == "coordinator"
    }
    missed = []
    for event in _ended_events(facts, case_id, "coordinator-meeting"):
        row = facts.attendance.get(case_id, {}).get(event.id)
        # Who took part is known when names were recorded; otherwise one present will do.
        named = {m.casefold() for m in (row.members if row else [])}
        took_part = (
            row is not None and row.present > 0 and (not named or bool(named & coordinators))
        )
        if not took_part:
            missed.append(event)
    if not missed:
        return None
    return Finding(
        "coordinator-meetings",
        "Koordinatoren deltok ikke på: "
        + "; ".join(f"{e.title} ({e.end:%d.%m.%Y})" for e in missed)
        + ".",
        {"events": [e.id for e in missed]},
    )


def _group_composition(case_id: int, facts: Facts) -> Finding | None:
    roles = [role for role, _ in facts.roles.get(case_id, [])]
    size = facts.programme.rules.participation.min_group_size
    lacking = []
    if len(roles) < size:
        lacking.append(f"gruppen har {len(roles)} deltakere, minst {size} trengs")
    if roles.count("coordinator") != 1:
        lacking.append(f"gruppen har {roles.count('coordinator')} koordinatorer, én trengs")
    if "school-owner" not in roles:
        lacking.append("skoleeier er ikke representert")
    if not lacking:
        return None
    return Finding(
        "group-composition",
        "Kommunegruppen: " + "; ".join(lacking) + ".",
        {
            "members": len(roles),
            "coordinators": roles.count("coordinator"),
            "school_owner": "school-owner" in roles,
        },
    )


def _delivered_by(what: str, key: str, name: str):  # noqa: ANN202
    def check(case_id: int, facts: Facts) -> Finding | None:
        due = getattr(facts.programme.rules.obligations, key)
        if due is None:
            return None
        delivered = facts.deliverables.get(case_id, {}).get(what)
        # Delivered, even late, is remedied; the late date stays in the history.
        if facts.as_of <= due or delivered is not None:
            return None
        return Finding(
            what, f"{name} hadde frist {due:%d.%m.%Y} og er ikke levert.", {"due": due.isoformat()}
        )

    return check


def _visit_missed(case_id: int, facts: Facts) -> Finding | None:
    missed = facts.missed_visits.get(case_id)
    if not missed:
        return None
    return Finding(
        "visit-missed",
        "Veiledningsbesøk som ikke ble gjennomført: "
        + "; ".join(f"{v.start:%d.%m.%Y} ({v.reason})" for v in missed)
        + ".",
        {"visits": [v.id for v in missed]},
    )


def _invoice_overdue(case_id: int, facts: Facts) -> Finding | None:
    overdue = facts.overdue.get(case_id)
    if not overdue:
        return None
    return Finding(
        "invoice-overdue",
        "Ubetalt faktura: "
        + "; ".join(f"nr. {i.number}, forfall {i.due_date:%d.%m.%Y}" for i in overdue)
        + ".",
        {"invoices": [i.number for i in overdue]},
    )


CHECKS = {
    "gathering-attendance": _gathering_attendance,
    "coordinator-meetings": _coordinator_meetings,
    "group-composition": _group_composition,
    "development-plan": _delivered_by(
        "development-plan", "development_plan_due", "Utviklingsplanen"
    ),
    "meeting-plan": _delivered_by("meeting-plan", "meeting_plan_due", "Møteplanen"),
    "visit-missed": _visit_missed,
    "invoice-overdue": _invoice_overdue,
}
