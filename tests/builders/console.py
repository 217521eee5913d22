"""A programme under way, as the console shows it on 11 October 2024: built through the services.

- 0301 Oslo and 4601 Bergen are active; their coordinators were at coordinator meeting 1, and an
  advisor has visits planned for both.
- Bergen's group stayed away from joint gathering 1 (ended 25 September): a breach of a rule that
  can lead to termination, opened on 26 September with 14 days' grace. On 11 October that grace
  has run out, so the termination awaits a decision.
- Both were invoiced instalment 1 on 26 September; Oslo paid on 5 October, Bergen has not.
- 1103 Stavanger has applied; 5001 Trondheim applied without county dialogue and was declined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from kulturskole.invoicing.ledger import record_payment
from kulturskole.obligations import breaches
from kulturskole.obligations.attendance import record_attendance
from kulturskole.services import cases as service
from kulturskole.visits import scheduling
from models import Breach, Invoice
from tests.builders.cases import GROUP, apply_case
from tests.builders.invoicing import active, fire, on
from tests.builders.visits import import_advisors

TODAY = date(2024, 10, 11)
COORDINATOR = GROUP[0][1]


@dataclass(frozen=True)
class ProgrammeUnderWay:
    breach_id: int  # Bergen's, awaiting a decision
    series: str  # the invoices' number series
    oslo_invoice: int
    bergen_invoice: int


def attend(engine: Engine, number: str, event: str, present: int, day: str) -> None:
    members = [COORDINATOR] if event.startswith("coordinator") and present else []
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        record_attendance(session, case, event, present, members, on(day))


def programme_under_way(engine: Engine, folder: Path) -> ProgrammeUnderWay:
    active(engine, "0301", "4601")
    for number in ("0301", "4601"):
        attend(engine, number, "coordinator-meeting-1", 1, "2024-08-22")
    import_advisors(engine, folder, "Anne Berg,anne.berg@kulturskoleradet.no,,03 46,,")
    scheduling.run(engine, on("2024-09-20"))
    attend(engine, "0301", "joint-gathering-1", 4, "2024-09-26")
    attend(engine, "4601", "joint-gathering-1", 0, "2024-09-26")
    issuing.run(engine, on("2024-09-26"))
    breaches.monitor(engine, on("2024-09-26"))
    apply_case(engine, "1103")
    apply_case(engine, "5001", dialogue=False)
    fire(engine, "5001", "reject", "2024-05-15", reason="Mangler dialog med fylkesavdelingen")
    with unit_of_work(engine) as session:
        numbers = dict(
            session.execute(
                select(Invoice.case_id, Invoice.number).where(Invoice.kind == "invoice")
            ).all()
        )
        oslo = service.find_case(session, "0301")
        bergen = service.find_case(session, "4601")
        series = session.scalars(select(Invoice.series)).first()
        record_payment(session, numbers[oslo.id], date(2024, 10, 5), on("2024-10-05"))
        breach_id = session.scalars(
            select(Breach.id).where(Breach.case_id == bergen.id, Breach.status == "open")
        ).one()
    awaiting = breaches.monitor(engine, on(TODAY.isoformat())).awaiting
    assert [a["id"] for a in awaiting] == [breach_id], awaiting
    return ProgrammeUnderWay(breach_id, series, numbers[oslo.id], numbers[bergen.id])
