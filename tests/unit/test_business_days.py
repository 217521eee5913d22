"""Norwegian business days for invoice dates: weekends, public holidays, 24 and 31 December."""

from __future__ import annotations

from datetime import date

import pytest

from kulturskole.invoicing.business_days import (
    is_business_day,
    next_business_day,
    on_time_until,
    why_not,
)


@pytest.mark.parametrize(
    ("ended", "issued"),
    [
        (date(2025, 9, 12), date(2025, 9, 15)),  # gathering 5 ends Friday → Monday
        (date(2024, 9, 25), date(2024, 9, 26)),  # Wednesday → Thursday
        (date(2025, 2, 13), date(2025, 2, 14)),  # Thursday → Friday
        (date(2025, 4, 16), date(2025, 4, 22)),  # Easter: Maundy Thursday to Easter Monday
        (date(2025, 5, 16), date(2025, 5, 19)),  # 17 May on a Saturday, then Sunday
        (date(2024, 12, 23), date(2024, 12, 27)),  # 24, 25, 26 December
        (date(2024, 12, 30), date(2025, 1, 2)),  # 31 December and New Year's Day
    ],
)
def test_the_invoice_is_dated_on_the_first_business_day_after_the_gathering(
    ended: date, issued: date
) -> None:
    assert next_business_day(ended) == issued and is_business_day(issued)


def test_why_a_day_is_not_a_business_day() -> None:
    assert why_not(date(2025, 9, 13)) == "Saturday"
    assert why_not(date(2025, 5, 29)) == "Ascension Day"
    assert why_not(date(2025, 12, 24)) == "Christmas Eve"
    assert why_not(date(2025, 12, 31)) == "New Year's Eve"
    assert why_not(date(2025, 9, 15)) is None


def test_a_due_date_on_a_weekend_is_met_by_paying_on_the_next_business_day() -> None:
    assert on_time_until(date(2025, 10, 15)) == date(2025, 10, 15)  # a Wednesday
    assert on_time_until(date(2025, 10, 18)) == date(2025, 10, 20)  # Saturday → Monday


def test_norway_loaded_alone_is_the_packages_norway() -> None:
    """business_days loads holidays.Norway from its own module (not all 250 countries): the
    same holidays, with the same names, as the package's own class, for a span of years."""
    import holidays

    from kulturskole.invoicing.business_days import _norway

    for year in range(2020, 2036):
        assert dict(_norway()(years=year)) == dict(holidays.Norway(years=year)), year
