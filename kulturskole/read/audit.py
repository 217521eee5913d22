"""The audit of history: every case's hash chain checked (``audit verify``), one row per case.

Built on ``kulturskole.history.verify``, which walks every chain in one pass; this module only
groups its findings by case and counts each case's entries (one aggregate query).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturskole.history import verify
from models import Case, HistoryEntry, Municipality


class AuditFinding(TypedDict):
    seq: int | None  # the entry concerned; None: the chain as a whole (its head)
    problem: str  # as ``audit verify`` words it


class CaseAudit(TypedDict):
    case_id: int
    municipality: str
    name: str
    programme: str
    entries: int
    intact: bool
    findings: list[AuditFinding]


class AuditReport(TypedDict):
    intact: bool  # every chain verifies
    cases: int
    entries: int
    broken: int  # cases with at least one finding
    rows: list[CaseAudit]  # the broken cases first, then by programme and kommunenummer


def audit_history(session: Session) -> AuditReport:
    """Check every case's history chain; the result per case and in sum."""
    found: dict[int, list[AuditFinding]] = defaultdict(list)
    for finding in verify(session):
        found[finding.case_id].append(AuditFinding(seq=finding.seq, problem=finding.problem))
    counts = (
        select(HistoryEntry.case_id, func.count().label("entries"))
        .group_by(HistoryEntry.case_id)
        .subquery()
    )
    query = (
        select(
            Case.id,
            Case.programme_id,
            Case.municipality_number,
            Municipality.name,
            func.coalesce(counts.c.entries, 0),
        )
        .join(Municipality, Municipality.number == Case.municipality_number)
        .outerjoin(counts, counts.c.case_id == Case.id)
        .order_by(Case.programme_id, Case.municipality_number)
    )
    rows = [
        CaseAudit(
            case_id=case_id,
            municipality=number,
            name=name,
            programme=programme,
            entries=entries,
            intact=case_id not in found,
            findings=found.get(case_id, []),
        )
        for case_id, programme, number, name, entries in session.execute(query)
    ]
    rows.sort(key=lambda row: row["intact"])  # stable: broken first, each part in order
    broken = sum(1 for row in rows if not row["intact"])
    return AuditReport(
        intact=not found,
        cases=len(rows),
        entries=sum(row["entries"] for row in rows),
        broken=broken,
        rows=rows,
    )
