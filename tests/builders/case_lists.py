"""Many cases at once, and a small programme of cases that differ in every column of the
console's case list (state, county, advisor, open breach, unpaid invoice), through the service
layer as users make them."""

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
from kulturskole.visits import advisors as advisor_service
from models import Invoice, Municipality
from tests.builders.cases import GROUP, acting
from tests.builders.invoicing import active, fire, on
from tests.builders.visits import ANNE, BJORN, TWO_ADVISORS, import_advisors, schedule

# Names that sort differently in Norwegian than by code points or by an English collation.
NAMED = {
    "0301": "Oslo",
    "1149": "Karmøy",
    "1508": "Ålesund",
    "1867": "Bø",
    "3124": "Aremark",
    "3218": "Ås",
    "4601": "Bergen",
    "4613": "Bømlo",
    "4626": "Øygarden",
    "4643": "Årdal",
    "5057": "Ørland",
    "5058": "Åfjord",
    "5607": "Vadsø",
    "5610": "Kárášjohka - Karasjok",
}
IN_NORWEGIAN_ORDER = [
    "Aremark",
    "Bergen",
    "Bø",
    "Bømlo",
    "Kárášjohka - Karasjok",
    "Karmøy",
    "Oslo",
    "Vadsø",
    "Ørland",
    "Øygarden",
    "Åfjord",
    "Ålesund",
    "Årdal",
    "Ås",
]


def apply_many(engine: Engine, numbers: list[str], day: str = "2024-04-15") -> None:
    """Every municipality in ``numbers`` applies, all in one transaction (cheap for hundreds)."""
    with unit_of_work(engine) as session:
        for number in numbers:
            service.apply(
                session,
                number,
                service.Application(
                    contact_name="Kari Søker",
                    contact_email=f"kari.{number}@kommune.example.no",
                    motivation="Utvikle kulturskolen",
                    development_area="Inkludering",
                    county_dialogue=True,
                ),
                acting(day),
            )


def first_municipalities(engine: Engine, count: int) -> list[str]:
    with unit_of_work(engine, readonly=True) as session:
        return list(
            session.scalars(select(Municipality.number).order_by(Municipality.number).limit(count))
        )


@dataclass(frozen=True)
class Varied:
    """What ``varied_cases`` made: who has what."""

    active: tuple[str, ...] = ("0301", "1101")  # Oslo (Anne), Eigersund (Bjørn)
    with_breach: str = "0301"  # missed coordinator meeting 1
    unpaid: str = "0301"  # its instalment 1 is open; Eigersund's is paid
    declined: tuple[str, ...] = ("1149", "4601")  # Karmøy, Bergen: rejected
    without_advisor: str = "1508"  # Ålesund and the rest


def varied_cases(engine: Engine, tmp_path: Path) -> Varied:
    """The NAMED municipalities and Eigersund: two active with advisors, visits, invoices (one
    paid) and one open breach; two declined; the rest applied."""
    made = Varied()
    active(engine, *made.active)
    apply_many(engine, [n for n in NAMED if n not in made.active])
    for number in made.declined:
        fire(engine, number, "reject", "2024-05-15")
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    with unit_of_work(engine) as session:
        for number, email in zip(made.active, (ANNE, BJORN), strict=True):
            case = service.find_case(session, number, for_update=True)
            advisor = advisor_service.find_advisor(session, email)
            advisor_service.assign(session, case, advisor, on("2024-08-01"), "manual")
        eigersund = service.find_case(session, "1101", for_update=True)
        record_attendance(
            session, eigersund, "coordinator-meeting-1", 1, [GROUP[0][1]], on("2024-08-22")
        )
    breaches.monitor(engine, on("2024-09-02"))
    schedule(engine, "2024-09-26")
    issuing.run(engine, on("2024-09-26"))
    _pay(engine, "1101")
    return made


def _pay(engine: Engine, number: str) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, number)
        invoice = session.scalars(select(Invoice).where(Invoice.case_id == case.id)).one()
        record_payment(
            session, invoice.number, date(2024, 10, 1), on("2024-10-01"), series=invoice.series
        )
