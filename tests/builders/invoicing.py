"""Cases brought to `active` through the service layer, for the invoicing tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.history import Acting
from kulturskole.programme_file import parse_programme_file
from kulturskole.services import cases as service
from models import Invoice, Municipality
from tests.builders.cases import acting, ready_for_contract
from tests.builders.programmes import PROGRAMME_FILE


def active(engine: Engine, *numbers: str) -> None:
    for number in numbers:
        ready_for_contract(engine, number)
        with unit_of_work(engine) as session:
            case = service.find_case(session, number, for_update=True)
            service.transition(session, case, "contract", acting("2024-06-10"))
            service.transition(session, case, "activate", acting("2024-08-01"))


def fire(engine: Engine, number: str, trigger: str, day: str, **kwargs: str) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, number, for_update=True)
        service.transition(session, case, trigger, acting(day), **kwargs)


def municipalities(engine: Engine, count: int) -> list[str]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(select(Municipality.number).order_by(Municipality.number).limit(count))
        )


def invoices(engine: Engine) -> list[Invoice]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Invoice).order_by(Invoice.series, Invoice.number)))


FIRST_NUMBER = parse_programme_file(PROGRAMME_FILE).invoicing.first_number  # 240001 when shipped


def nr(k: int) -> int:
    """The k-th number of the series (1: the first), as the programme file starts it."""
    return FIRST_NUMBER + k - 1


def on(day: str) -> Acting:
    return Acting("tester", date.fromisoformat(day))
