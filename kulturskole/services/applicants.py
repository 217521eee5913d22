"""Applicants (søkere): a municipality or a county branch of the council (fylkesavdeling).

"Alle kommuner og fylkesavdelinger i Norsk kulturskoleråd kan søke om deltakelse." A county
branch is registered in the applicant register (``models.municipality``) with the number
"F" + its fylkesnummer ("F50") when it first applies: the counties are those of the imported
municipality register, so there is no second list to keep in step with it. Its name is the
council's name for it ("Norsk kulturskoleråd Trøndelag", kulturskole.names).

A county branch is part of the council itself: it has no organisation number and is not
invoiced the participation fee (kulturskole.invoicing.issuing leaves it out). Everything else
— selection, contract, gatherings, visits, obligations — is the same as for a municipality.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturskole.errors import InvalidInput, NotFound
from kulturskole.names import county_branch_name
from models import Municipality

COUNTY_BRANCH = "county-branch"
_BRANCH_NUMBER = re.compile(r"[Ff]([0-9]{2})")
_COUNTY_NUMBER = re.compile(r"[0-9]{1,2}")


def county_branch_number(county: str) -> str:
    """The register number of a county's branch: "50" → "F50", "3" → "F03", "F50" → "F50"."""
    text = (county or "").strip()
    if match := _BRANCH_NUMBER.fullmatch(text):
        return f"F{match[1]}"
    if _COUNTY_NUMBER.fullmatch(text):
        return f"F{int(text):02d}"
    raise InvalidInput(
        f"county {county!r} is not a county number (fylkesnummer, two digits such as 50)"
    )


def is_county_branch_number(number: str) -> bool:
    return bool(_BRANCH_NUMBER.fullmatch((number or "").strip()))


def counties(session: Session) -> list[tuple[str, str]]:
    """(fylkesnummer, fylkesnavn) of every county in the municipality register, by number."""
    rows = session.execute(
        select(Municipality.county_number, Municipality.county_name)
        .where(Municipality.kind == "municipality")
        .group_by(Municipality.county_number, Municipality.county_name)
        .order_by(Municipality.county_number)
    )
    return [(number, name) for number, name in rows]


def county_branch(session: Session, county: str) -> Municipality:
    """The county branch of ``county`` ("50" or "F50"), registered now if it was not yet.

    A county that is not in the municipality register is refused, naming the valid ones."""
    number = county_branch_number(county)
    existing = session.get(Municipality, number)
    if existing is not None:
        return existing
    known = dict(counties(session))
    if not known:
        raise NotFound(
            "the municipality register is empty; import it with "
            "`kulturskole municipalities import FILE` (it gives the counties too)"
        )
    county_number = number[1:]
    if county_number not in known:
        valid = ", ".join(f"{n} {name}" for n, name in known.items())
        raise InvalidInput(f"no county {county_number} in the register; valid counties: {valid}")
    branch = Municipality(
        number=number,
        name=county_branch_name(known[county_number]),
        county_number=county_number,
        county_name=known[county_number],
        org_number=None,
        kind=COUNTY_BRANCH,
    )
    session.add(branch)
    session.flush()
    return branch
