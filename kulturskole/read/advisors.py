"""The council's advisors (veiledere) with their counties, capacity and number of cases."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Advisor, Case


class AdvisorRow(TypedDict):
    name: str
    email: str
    phone: str | None
    counties: list[str]
    max_physical_per_day: int
    max_digital_per_day: int
    cases: int  # cases in any programme with this advisor


def list_advisors(session: Session) -> list[AdvisorRow]:
    """Every advisor by name."""
    counts = dict(
        session.execute(select(Case.advisor_id, func.count()).group_by(Case.advisor_id)).all()
    )
    return [
        AdvisorRow(
            name=advisor.name,
            email=advisor.email,
            phone=advisor.phone,
            counties=advisor.counties,
            max_physical_per_day=advisor.max_physical_per_day,
            max_digital_per_day=advisor.max_digital_per_day,
            cases=counts.get(advisor.id, 0),
        )
        for advisor in session.scalars(select(Advisor).order_by(Advisor.name))
    ]
