"""Advisors: importing them, assigning one to each case, and blocking days."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturskole.contact import clean_email, clean_name, clean_phone
from kulturskole.csvfile import read_rows
from kulturskole.errors import InvalidFile, InvalidInput, NotFound
from kulturskole.history import Acting, record
from models import BLOCK_SCOPES, Advisor, BlockedPeriod, Case

HEADER = ["name", "email", "phone", "counties", "max_physical_per_day", "max_digital_per_day"]


@dataclass
class AdvisorImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def read_advisors(path: Path, known_counties: set[str]) -> list[dict]:
    """Parse and check the whole file; the first bad line refuses it, naming line and reason."""
    result, seen = [], {}
    for line, row in read_rows(path, HEADER):
        try:
            advisor = _parse(row, known_counties)
        except InvalidInput as exc:
            raise InvalidFile(f"{path}:{line}: {exc}") from None
        key = advisor["email"].casefold()
        if key in seen:
            raise InvalidFile(
                f"{path}:{line}: {advisor['email']} already given on line {seen[key]}"
            )
        seen[key] = line
        result.append(advisor)
    if not result:
        raise InvalidFile(f"{path}: no advisors in the file")
    return result


def _parse(row: list[str], known_counties: set[str]) -> dict:
    if len(row) != len(HEADER):
        raise InvalidInput(f"expected {len(HEADER)} fields, found {len(row)}")
    name, email, phone, counties, physical, digital = (cell.strip() for cell in row)
    county_list = counties.split()
    if not county_list:
        raise InvalidInput("counties is empty (county numbers separated by spaces, e.g. '50 15')")
    for county in county_list:
        if not re.fullmatch(r"[0-9]{2}", county) or county not in known_counties:
            raise InvalidInput(f"county {county!r} is not a county number in the register")
    return {
        "name": clean_name(name),
        "email": clean_email(email),
        "phone": clean_phone(phone) if phone else None,
        "counties": sorted(set(county_list)),
        "max_physical_per_day": _maximum(physical, "max_physical_per_day", 1),
        "max_digital_per_day": _maximum(digital, "max_digital_per_day", 3),
    }


def _maximum(value: str, field: str, default: int) -> int:
    if not value:
        return default
    if not re.fullmatch(r"[0-9]{1,2}", value) or not 0 <= int(value) <= 20:
        raise InvalidInput(f"{field} {value!r} is not a whole number from 0 to 20")
    return int(value)


def import_advisors(session: Session, path: Path) -> AdvisorImport:
    from models import Municipality

    counties = set(session.scalars(select(Municipality.county_number).distinct()))
    incoming = read_advisors(path, counties)
    existing = {a.email.casefold(): a for a in session.scalars(select(Advisor))}
    report = AdvisorImport()
    for data in incoming:
        old = existing.get(data["email"].casefold())
        if old is None:
            session.add(Advisor(**data))
            report.created += 1
            continue
        changed = [k for k, v in data.items() if getattr(old, k) != v]
        for key in changed:
            setattr(old, key, data[key])
        report.updated += bool(changed)
        report.unchanged += not changed
    return report


def find_advisor(session: Session, email: str) -> Advisor:
    email = clean_email(email)
    advisor = session.scalar(select(Advisor).where(func.lower(Advisor.email) == email.lower()))
    if advisor is None:
        raise NotFound(f"no advisor with e-mail {email}; import advisors first")
    return advisor


def assign(session: Session, case: Case, advisor: Advisor, acting: Acting, how: str) -> bool:
    """Make ``advisor`` the case's advisor; a change is history. False when nothing changed."""
    if case.advisor_id == advisor.id:
        return False
    previous = case.advisor_id
    case.advisor_id = advisor.id
    record(
        session,
        case,
        acting,
        "advisor-assigned",
        details={"advisor_id": advisor.id, "previous_advisor_id": previous, "how": how},
    )
    return True


def pick_by_county(advisors: list[Advisor], load: Counter[int], county: str) -> Advisor | None:
    """The advisor covering the county with the fewest cases so far (ties: by name)."""
    covering = [a for a in advisors if county in a.counties]
    if not covering:
        return None
    return min(covering, key=lambda a: (load[a.id], a.name, a.id))


def block(
    session: Session,
    scope: str,
    ref: str | None,
    start: date,
    end: date,
    reason: str,
) -> BlockedPeriod:
    """Block days for everyone, a county, a municipality or an advisor."""
    if scope not in BLOCK_SCOPES:
        raise InvalidInput(f"unknown scope {scope!r}; use one of {', '.join(BLOCK_SCOPES)}")
    if end < start:
        raise InvalidInput(f"the period ends ({end}) before it starts ({start})")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reason is required (e.g. 'Høstferie')")
    if scope == "all":
        ref = None
    elif scope == "county":
        from models import Municipality

        if not ref or not session.scalar(
            select(Municipality.number).where(Municipality.county_number == ref).limit(1)
        ):
            raise InvalidInput(f"county {ref!r} is not a county number in the register")
    elif scope == "municipality":
        from kulturskole.services.municipalities import get_municipality

        get_municipality(session, ref or "")
    else:
        ref = find_advisor(session, ref or "").email
    period = BlockedPeriod(scope=scope, ref=ref, start=start, end=end, reason=reason)
    session.add(period)
    return period


BLOCK_HEADER = ["scope", "ref", "from", "to", "reason"]


def import_blocks(session: Session, path: Path) -> int:
    """Add the blocked periods of a CSV file (scope,ref,from,to,reason), all or nothing."""
    added = 0
    for line, row in read_rows(path, BLOCK_HEADER):
        try:
            if len(row) != len(BLOCK_HEADER):
                raise InvalidInput(f"expected {len(BLOCK_HEADER)} fields, found {len(row)}")
            scope, ref, start, end, reason = (cell.strip() for cell in row)
            try:
                first, last = date.fromisoformat(start), date.fromisoformat(end)
            except ValueError:
                raise InvalidInput(f"dates must be YYYY-MM-DD, not {start!r} / {end!r}") from None
            block(session, scope, ref or None, first, last, reason)
        except (InvalidInput, NotFound) as exc:
            raise InvalidFile(f"{path}:{line}: {exc}") from None
        added += 1
    return added
