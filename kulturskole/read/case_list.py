"""The console's case list: a programme's cases filtered and searched in SQL, sorted and paged
over their ids, each with its county, advisor, open breaches and unpaid invoices.

A page costs a handful of queries however many cases there are: the programme, the matching
cases' sort fields (their number is the total), and the page's rows with their counts, computed
for those cases only. The page is chosen in Python: the Norwegian sort key (``sort_key``) over
10 000 names is a few milliseconds here and was most of a page's time as nested SQL replace()
calls (Python lower-cases every letter, SQLite's lower() only ASCII: the Norwegian and Sámi
capitals are folded explicitly, so both agree on the register's names). A download is one
query, sorted in SQL by the same key. Names sort as a Norwegian reads
them (Æ, Ø, Å after Z; "Kárášjohka" among the K's), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from kulturskole.db import is_sqlite
from kulturskole.errors import InvalidInput
from kulturskole.services.programmes import format_ore, get_programme
from models import Advisor, Breach, Case, Invoice, Municipality
from states.machine import STATES

SORTS = ("name", "number", "state", "county", "applied_on")
PER_PAGE = 100
NO_ADVISOR = "none"  # the advisor filter's value for cases without an advisor
UNPAID = ("issued", "sent")

# Lower case for the letters SQLite's lower() leaves alone, and the Sámi letters read as the
# Latin ones they are written with; the sort key then puts å after ø (ù sorts just after ø).
_FOLD = (("Æ", "æ"), ("Ø", "ø"), ("Å", "å"), ("Á", "a"), ("á", "a"), ("Š", "s"), ("š", "s"))
_FOLD += (("Ŋ", "n"), ("ŋ", "n"), ("Č", "c"), ("č", "c"), ("Đ", "d"), ("đ", "d"))
_FOLD += (("Ŧ", "t"), ("ŧ", "t"), ("Ž", "z"), ("ž", "z"))


@dataclass(frozen=True)
class CaseFilter:
    """What the list is narrowed to; every field left empty means "all"."""

    q: str | None = None  # part of the name, or the start of the kommunenummer
    state: str | None = None
    county: str | None = None  # fylkesnummer
    advisor: str | None = None  # the advisor's e-mail, or NO_ADVISOR
    breach: bool = False  # only cases with an open breach
    unpaid: bool = False  # only cases with an unpaid invoice


class CaseListRow(TypedDict):
    municipality: str
    name: str
    kind: str  # "municipality" or "county-branch" (models.municipality)
    county_number: str
    county: str
    state: str
    applied_on: str
    advisor: str | None  # the advisor's name
    open_breaches: int
    unpaid_invoices: int
    unpaid_amount: str  # NOK with two decimals


class CaseListPage(TypedDict):
    rows: list[CaseListRow]
    total: int  # cases matching the filter
    page: int  # 1-based, within 1..pages
    pages: int
    per_page: int


class County(TypedDict):
    number: str
    name: str


class AdvisorOption(TypedDict):
    email: str
    name: str


class FilterOptions(TypedDict):
    states: list[str]
    counties: list[County]  # the counties of the programme's cases
    advisors: list[AdvisorOption]  # every advisor


def search_cases(
    session: Session,
    filters: CaseFilter = CaseFilter(),
    *,
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
    programme_id: str | None = None,
) -> CaseListPage:
    """One page of the cases matching ``filters``, in the order asked for."""
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    programme = get_programme(session, programme_id)
    candidates = (
        session.connection().execute(_sort_fields(session, filters, programme.id, sort)).all()
    )
    total = len(candidates)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    ids = _in_order(candidates, sort, descending)[(page - 1) * per_page : page * per_page]
    found = {}
    if ids:
        query = _matching(session, filters, programme.id, case_ids=ids)
        found = {row.id: row for row in session.execute(query.add_columns(Case.id))}
    return CaseListPage(
        rows=[_row(found[i]) for i in ids], total=total, page=page, pages=pages, per_page=per_page
    )


def sort_key(text: str) -> str:
    """The Norwegian order by code points, as ``_sort_key`` computes it in SQL."""
    return _sort_key_of(text)


@lru_cache(maxsize=65_536)
def _sort_key_of(text: str) -> str:
    return fold(text).replace("å", "\u00f9")


_STATE_ORDER = {state: i for i, state in enumerate(STATES)}


def _in_order(rows: list[tuple], sort: str, descending: bool) -> list[int]:
    """The ids of ``rows`` (``_sort_fields``'s tuples) as ``_ordered`` sorts them in SQL: the
    chosen field (descending if asked), then the name and the kommunenummer ascending (two
    stable sorts; plain tuples, as SQLAlchemy's rows cost more to read than the sort)."""
    keyed = sorted((_sort_key_of(row[2]), row[1], row[0]) for row in rows)
    ids = [id_ for _, _, id_ in keyed]
    if sort == "name" and not descending:
        return ids
    at = 1 if sort == "number" else -1  # the field asked for is last; the name for "name"
    field = {row[0]: row[at] for row in rows}
    first = {
        "name": lambda id_: _sort_key_of(field[id_]),
        "number": lambda id_: field[id_],
        "state": lambda id_: _STATE_ORDER.get(field[id_], 99),
        "county": lambda id_: _sort_key_of(field[id_]),
        "applied_on": lambda id_: field[id_],
    }[sort]
    ids.sort(key=first, reverse=descending)
    return ids


def _sort_fields(session: Session, filters: CaseFilter, programme_id: str, sort: str) -> Select:
    """The matching cases' id, kommunenummer, name and the field ``sort`` asks for; the counts'
    subqueries are joined only when a filter asks for them."""
    breaches, unpaid = _counts()
    extra = {
        "state": [Case.state],
        "county": [Municipality.county_name],
        "applied_on": [Case.applied_on],
    }.get(sort, [])
    query = (
        select(Case.id, Case.municipality_number, Municipality.name, *extra)
        .join(Municipality, Municipality.number == Case.municipality_number)
        .where(Case.programme_id == programme_id)
    )
    if filters.advisor and filters.advisor != NO_ADVISOR:
        query = query.outerjoin(Advisor, Advisor.id == Case.advisor_id)
    if filters.breach:
        query = query.outerjoin(breaches, breaches.c.case_id == Case.id)
    if filters.unpaid:
        query = query.outerjoin(unpaid, unpaid.c.case_id == Case.id)
    return query.where(*_conditions(session, filters, breaches, unpaid))


def matching_cases(
    session: Session,
    filters: CaseFilter = CaseFilter(),
    *,
    sort: str = "name",
    descending: bool = False,
    programme_id: str | None = None,
) -> list[CaseListRow]:
    """Every case matching ``filters``, in order (a download of the list)."""
    query = _ordered(session, _matching(session, filters, programme_id), sort, descending)
    return [_row(row) for row in session.execute(query)]


def filter_options(session: Session, programme_id: str | None = None) -> FilterOptions:
    programme = get_programme(session, programme_id)
    counties = sorted(
        session.execute(
            select(Municipality.county_number, Municipality.county_name)
            .where(
                Municipality.number.in_(
                    select(Case.municipality_number).where(Case.programme_id == programme.id)
                )
            )
            .distinct()
        ).all(),
        key=lambda county: (sort_key(county[1]), county[0]),
    )
    advisors = session.execute(
        select(Advisor.email, Advisor.name).order_by(_sort_key(session, Advisor.name))
    )
    return FilterOptions(
        states=list(STATES),
        counties=[County(number=n, name=name) for n, name in counties],
        advisors=[AdvisorOption(email=e, name=name) for e, name in advisors],
    )


def fold(text: str) -> str:
    """What the search compares: lower case, Sámi letters as Latin ones (as ``_folded``)."""
    text = text.lower()
    for before, after in _FOLD:
        text = text.replace(before, after)
    return text


# --- the query ------------------------------------------------------------------------------
def _counts(case_ids: list[int] | None = None) -> tuple[Any, Any]:
    """Open breaches and unpaid invoices per case (of ``case_ids`` only, when given)."""
    breaches = select(Breach.case_id, func.count().label("n")).where(Breach.status == "open")
    unpaid = select(
        Invoice.case_id, func.count().label("n"), func.sum(Invoice.amount_ore).label("ore")
    ).where(Invoice.kind == "invoice", Invoice.status.in_(UNPAID))
    if case_ids is not None:
        breaches = breaches.where(Breach.case_id.in_(case_ids))
        unpaid = unpaid.where(Invoice.case_id.in_(case_ids))
    return (
        breaches.group_by(Breach.case_id).subquery(),
        unpaid.group_by(Invoice.case_id).subquery(),
    )


def _matching(
    session: Session,
    filters: CaseFilter,
    programme_id: str | None,
    case_ids: list[int] | None = None,
) -> Select:
    programme = get_programme(session, programme_id)
    breaches, unpaid = _counts(case_ids)
    query = (
        select(
            Case.municipality_number,
            Municipality.name,
            Municipality.kind,
            Municipality.county_number,
            Municipality.county_name,
            Case.state,
            Case.applied_on,
            Advisor.name.label("advisor"),
            func.coalesce(breaches.c.n, 0).label("open_breaches"),
            func.coalesce(unpaid.c.n, 0).label("unpaid_invoices"),
            func.coalesce(unpaid.c.ore, 0).label("unpaid_ore"),
        )
        .join(Municipality, Municipality.number == Case.municipality_number)
        .outerjoin(Advisor, Advisor.id == Case.advisor_id)
        .outerjoin(breaches, breaches.c.case_id == Case.id)
        .outerjoin(unpaid, unpaid.c.case_id == Case.id)
        .where(Case.programme_id == programme.id)
    )
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    return query.where(*_conditions(session, filters, breaches, unpaid))


def _conditions(session: Session, filters: CaseFilter, breaches: Any, unpaid: Any) -> list:
    where: list[ColumnElement[bool]] = []
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        where.append(
            or_(
                Case.municipality_number.startswith(text, autoescape=True),
                _folded(Municipality.name).contains(fold(text), autoescape=True),
            )
        )
    if filters.state:
        if filters.state not in STATES:
            raise InvalidInput(f"unknown state {filters.state!r}; use one of {', '.join(STATES)}")
        where.append(Case.state == filters.state)
    if filters.county:
        where.append(Municipality.county_number == filters.county)
    if filters.advisor == NO_ADVISOR:
        where.append(Case.advisor_id.is_(None))
    elif filters.advisor:
        where.append(func.lower(Advisor.email) == filters.advisor.strip().lower())
    if filters.breach:
        where.append(breaches.c.n > 0)
    if filters.unpaid:
        where.append(unpaid.c.n > 0)
    return where


def _ordered(session: Session, query: Select, sort: str, descending: bool) -> Select:
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    name = _sort_key(session, Municipality.name)
    first = {
        "name": name,
        "number": Case.municipality_number,
        "state": case({state: i for i, state in enumerate(STATES)}, value=Case.state, else_=99),
        "county": _sort_key(session, Municipality.county_name),
        "applied_on": Case.applied_on,
    }[sort]
    return query.order_by(first.desc() if descending else first, name, Case.municipality_number)


def _folded(column: Any) -> ColumnElement[str]:
    folded = func.lower(column)
    for before, after in _FOLD:
        folded = func.replace(folded, before, after)
    return folded


def _sort_key(session: Session, column: Any) -> ColumnElement[str]:
    """A Norwegian alphabetical order by code points: folded, with å moved after ø."""
    key = func.replace(_folded(column), "å", "\u00f9")
    return key if is_sqlite(session) else key.collate("C")


def _row(row: Any) -> CaseListRow:
    return CaseListRow(
        municipality=row.municipality_number,
        name=row.name,
        kind=row.kind,
        county_number=row.county_number,
        county=row.county_name,
        state=row.state,
        applied_on=row.applied_on.isoformat(),
        advisor=row.advisor,
        open_breaches=row.open_breaches,
        unpaid_invoices=row.unpaid_invoices,
        unpaid_amount=format_ore(int(row.unpaid_ore)),
    )
