"""Cases brought through the service layer, step by step, as a municipality and the council do."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from kulturskole.services import cases as service
from kulturskole.services.invoicing_details import set_invoicing_details
from models import Case


def acting(day: str = "2024-04-15") -> Acting:
    return Acting(actor="tester", as_of=date.fromisoformat(day))


def apply_case(engine: Engine, number: str = "0301", *, dialogue: bool = True) -> None:
    with unit_of_work(engine) as session:
        service.apply(
            session,
            number,
            service.Application(
                contact_name="Kari Søker",
                contact_email=f"kari.{number}@kommune.example.no",
                motivation="Utvikle kulturskolen som del av tjenestetilbudet",
                development_area="Inkludering",
                county_dialogue=dialogue,
            ),
            acting(),
        )


GROUP = [
    ("Ola Koordinator", "ola@kommune.example.no", "+47 912 34 567", "coordinator"),
    ("Eva Eier", "eva@kommune.example.no", "91234568", "school-owner"),
    ("Per Leder", "per@kommune.example.no", "91234569", "culture-school-head"),
    ("Siri Politiker", "siri@kommune.example.no", None, "elected"),
]


def invoicing_details(session: Session, number: str, day: str = "2024-06-01") -> None:
    """The buyer's reference and invoice address, which the programme's contract asks for."""
    set_invoicing_details(
        session,
        number,
        acting(day),
        reference=f"Kulturskolen {number}",
        email=f"faktura.{number}@kommune.example.no",
        address="Postboks 1, 0001 Kommunesenteret",
    )


def ready_for_contract(engine: Engine, number: str = "0301") -> None:
    """Applied, selected, group of four with coordinator and school owner, mapped, signed by
    the municipality and the council's director,
    with the invoicing details the contract needs."""
    apply_case(engine, number)
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
        for name, email, phone, role in GROUP:
            service.set_member(
                session, case, acting("2024-06-01"), name=name, email=email, phone=phone, role=role
            )
        service.record_role_mapping(session, case, acting("2024-06-01"))
        invoicing_details(session, number)
        service.sign(
            session,
            case,
            acting("2024-06-10"),
            chief_executive="Kommunedirektør Hansen",
            culture_school_head="Per Leder",
            signed_on=date(2024, 6, 10),
        )
        service.countersign(session, case, acting("2024-06-10"), signed_on=date(2024, 6, 10))


def state_of(engine: Engine, number: str = "0301") -> str:
    with unit_of_work(engine) as session:
        return service.find_case(session, number).state


def case_row(session: Session, number: str = "0301") -> Case:
    return service.find_case(session, number)
