"""Importing the municipality register (kommuner) from a CSV file, all or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr

from kulturskole import DATA_DIR
from kulturskole.csvfile import read_rows
from kulturskole.errors import InvalidFile, InvalidInput, NotFound
from models import Municipality

HEADER = ["kommunenummer", "navn", "fylkesnummer", "fylkesnavn", "organisasjonsnummer"]
DEFAULT_FILE = DATA_DIR / "kommuner_2024.csv"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    without_org_number: list[str] = field(default_factory=list)


def read_file(path: Path) -> list[Municipality]:
    """Parse and validate the whole file; the first bad line refuses it, naming line and reason."""
    result: list[Municipality] = []
    seen: dict[str, int] = {}
    for line, row in read_rows(path, HEADER):
        try:
            municipality = _parse_row(row)
        except InvalidInput as exc:
            raise InvalidFile(f"{path}:{line}: {exc}") from None
        if municipality.number in seen:
            raise InvalidFile(
                f"{path}:{line}: kommunenummer {municipality.number} already given on line "
                f"{seen[municipality.number]}"
            )
        seen[municipality.number] = line
        result.append(municipality)
    if not result:
        raise InvalidFile(f"{path}: no municipalities in the file")
    return result


def _parse_row(row: list[str]) -> Municipality:
    if len(row) != len(HEADER):
        raise InvalidInput(f"expected {len(HEADER)} fields, found {len(row)}")
    number, name, county_number, county_name, org = (cell.strip() for cell in row)
    if not re.fullmatch(r"[0-9]{4}", number):
        raise InvalidInput(f"kommunenummer {number!r} is not 4 digits")
    if not re.fullmatch(r"[0-9]{2}", county_number):
        raise InvalidInput(f"fylkesnummer {county_number!r} is not 2 digits")
    if number[:2] != county_number:
        raise InvalidInput(
            f"kommunenummer {number} does not belong to county {county_number} "
            f"(its first two digits are the county number)"
        )
    if not name:
        raise InvalidInput("navn is empty")
    if not county_name:
        raise InvalidInput("fylkesnavn is empty")
    if org:
        try:
            org = orgnr.validate(org)
        except StdnumError as exc:
            raise InvalidInput(f"organisasjonsnummer {org!r} is invalid: {exc}") from None
    return Municipality(
        number=number,
        name=name,
        county_number=county_number,
        county_name=county_name,
        org_number=org or None,
    )


def import_municipalities(session: Session, path: Path = DEFAULT_FILE) -> ImportReport:
    """Upsert every municipality of the file, or nothing if any line is bad."""
    incoming = read_file(path)
    existing = {m.number: m for m in session.scalars(select(Municipality))}
    report = ImportReport()
    for new in incoming:
        if new.org_number is None:
            report.without_org_number.append(f"{new.number} {new.name}")
        old = existing.get(new.number)
        if old is None:
            session.add(new)
            report.created += 1
            continue
        changed = False
        for attr in ("name", "county_number", "county_name", "org_number"):
            if getattr(old, attr) != getattr(new, attr):
                setattr(old, attr, getattr(new, attr))
                changed = True
        report.updated += changed
        report.unchanged += not changed
    return report


def get_municipality(session: Session, number: str) -> Municipality:
    """An applicant by its number: a municipality ("5001") or a county branch ("F50")."""
    from kulturskole.services.applicants import county_branch_number, is_county_branch_number

    if is_county_branch_number(number):
        branch = session.get(Municipality, county_branch_number(number))
        if branch is None:
            raise NotFound(
                f"county branch {number} has not applied (a county branch is registered when it "
                "applies: `kulturskole cases apply --county NN …`)"
            )
        return branch
    if not re.fullmatch(r"[0-9]{4}", number or ""):
        raise InvalidInput(
            f"municipality number {number!r} is not 4 digits (kommunenummer), nor a county "
            "branch (F and the fylkesnummer, as F50)"
        )
    municipality = session.get(Municipality, number)
    if municipality is None:
        raise NotFound(
            f"no municipality {number} in the register; "
            "import it with `kulturskole municipalities import FILE`"
        )
    return municipality
