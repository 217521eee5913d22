"""The municipality register (kommuner)."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Municipality


class MunicipalityRow(TypedDict):
    number: str
    name: str
    county_number: str
    county_name: str
    org_number: str | None


def list_municipalities(session: Session, *, county: str | None = None) -> list[MunicipalityRow]:
    """Every municipality by kommunenummer, optionally only those of one county number (the
    county branches that have applied are applicants, not municipalities: not listed)."""
    query = (
        select(Municipality)
        .where(Municipality.kind == "municipality")
        .order_by(Municipality.number)
    )
    if county:
        query = query.where(Municipality.county_number == county)
    return [
        MunicipalityRow(
            number=m.number,
            name=m.name,
            county_number=m.county_number,
            county_name=m.county_name,
            org_number=m.org_number,
        )
        for m in session.scalars(query)
    ]
