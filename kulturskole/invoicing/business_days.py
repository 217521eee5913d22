"""Norwegian business days (virkedager) for invoicing: Monday to Friday except the public
holidays of Norway (the ``holidays`` package: new year, Easter, 1 and 17 May, Ascension,
Whit Monday, Christmas) and the two bank holidays 24 and 31 December, on which the banks'
settlement is closed and municipal finance offices are too.

An invoice is dated on a business day: an instalment is issued on the first business day after
the gathering that triggers it ended (a run on a Saturday issues nothing and says when the
next business day is). The due date is the issue date plus the payment terms and is printed as
it falls; when it falls on a day that is not a business day, a payment on the next business day
is on time (Norwegian practice, cf. finansavtaleloven's rules on deadlines), which
:func:`on_time_until` gives for anyone counting overdue days.
"""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any


@cache
def _norway() -> Any:  # noqa: ANN401 - holidays.Norway, a HolidayBase subclass
    """``holidays.Norway``, loaded from its own module: ``holidays.countries`` imports all of its
    250 countries (0.15 s, which was half of a run with nothing to invoice). The package's
    ``holidays.Norway`` all the same if its files are laid out otherwise
    (tests/unit/test_business_days.py compares the two)."""
    spec = importlib.util.find_spec("holidays")
    path = Path(spec.origin).parent / "countries" / "norway.py" if spec and spec.origin else None
    if path is not None and path.is_file():
        module_spec = importlib.util.spec_from_file_location("kulturskole._norway", path)
        if module_spec is not None and module_spec.loader is not None:
            module = importlib.util.module_from_spec(module_spec)
            try:
                module_spec.loader.exec_module(module)
                return module.Norway
            except (ImportError, AttributeError):
                pass
    import holidays

    return holidays.Norway


@cache
def _holidays(year: int) -> frozenset[date]:
    public = _norway()(years=year)
    return frozenset(public) | {date(year, 12, 24), date(year, 12, 31)}


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def why_not(day: date) -> str | None:
    """Why ``day`` is not a business day ("Saturday", "Good Friday"), or None when it is."""
    if day.weekday() >= 5:
        return day.strftime("%A")
    if day in _holidays(day.year):
        name = _norway()(years=day.year).get(day)
        return name or ("Christmas Eve" if day.month == 12 and day.day == 24 else "New Year's Eve")
    return None


def next_business_day(after: date) -> date:
    """The first business day after ``after`` (never ``after`` itself)."""
    day = after + timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def on_time_until(due: date) -> date:
    """The last day a payment due on ``due`` is on time: ``due``, or the next business day."""
    return due if is_business_day(due) else next_business_day(due)
