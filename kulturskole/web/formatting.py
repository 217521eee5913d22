"""Filters for the console's templates: the read side's ISO dates and decimal strings, shown
nb_NO ("24. september 2024", "6 666,67 kr", "24. september 2024 kl. 09.00").

They build on the filters of the letters (``notifications.render``), so the console and what a
municipality receives format alike. Empty values are shown as "–".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal

from notifications import render

EMPTY = "–"
LOCALE = "nb_NO"


def _as_date(value: Any) -> date | datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, date | datetime):
        return value
    text = str(value)
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def dato(value: Any) -> str:
    """ "2024-09-24" → "24. september 2024"."""
    day = _as_date(value)
    return EMPTY if day is None else render.dato(day)


def dato_kort(value: Any) -> str:
    """ "2024-09-24" → "24.09.2024"."""
    day = _as_date(value)
    return EMPTY if day is None else render.dato_kort(day)


def tidspunkt(value: Any) -> str:
    """A UTC timestamp ("2024-09-24T07:00:00Z") in Europe/Oslo: "24.09.2024 kl. 09.00"."""
    moment = _as_date(value)
    if moment is None:
        return EMPTY
    if not isinstance(moment, datetime):
        return render.dato_kort(moment)
    return f"{render.dato_kort(moment)} kl. {render.klokkeslett(moment).replace(':', '.')}"


def kroner(value: Any) -> str:
    """ "6666.67" (NOK, as the read side gives it) or øre as int → "6 666,67 kr"."""
    if value in (None, ""):
        return EMPTY
    if isinstance(value, int):
        return render.kr(value)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return render.kr(amount)


def tall(value: Any) -> str:
    """A count with Norwegian digit grouping: 10000 → "10 000"."""
    if value in (None, ""):
        return EMPTY
    return format_decimal(value, locale=LOCALE)


def ja_nei(value: Any) -> str:
    return "ja" if value else "nei"


FILTERS = {
    "dato": dato,
    "dato_kort": dato_kort,
    "tidspunkt": tidspunkt,
    "kroner": kroner,
    "tall": tall,
    "ja_nei": ja_nei,
}
