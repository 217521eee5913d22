"""A breach brought about through the services, as the monitor finds it."""

from __future__ import annotations

from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.obligations import breaches
from kulturskole.obligations.attendance import record_attendance
from kulturskole.services import cases as service
from tests.builders.cases import GROUP
from tests.builders.invoicing import active, on


def absent_from_first_gathering(engine: Engine) -> int:
    """0301 active, absent from the first gathering; warned on 2024-09-26, remedy by 10 October
    (the grace period is over on 2024-10-11). The breach's id."""
    active(engine, "0301")
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        record_attendance(
            session, case, "coordinator-meeting-1", 1, [GROUP[0][1]], on("2024-08-22")
        )
    [opened] = breaches.monitor(engine, on("2024-09-26")).opened
    return opened["id"]
