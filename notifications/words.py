"""Numbers and amounts as a Norwegian letter writes them in running text.

Numbers up to twelve in words ("tre avdrag", "to av de seks"), larger ones in digits; ordinals
up to twelve in words ("det første av tre avdrag"); whole kroner without øre ("20 000 kroner").
Registered as template filters (``tall``, ``ordenstall``, ``kroner``) by
``notifications.render``. Tables and documents keep the ``kr`` filter ("6 666,67 kr").
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

__all__ = ["FILTERS", "event_name", "kroner", "ordenstall", "tall"]

_LOCALE = "nb_NO"

_CARDINALS = (
    "null", "én", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti", "elleve", "tolv",
)  # fmt: skip
_ORDINALS = (
    "nullte", "første", "andre", "tredje", "fjerde", "femte", "sjette", "sjuende", "åttende",
    "niende", "tiende", "ellevte", "tolvte",
)  # fmt: skip


def _whole(number: int) -> int:
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"expected a whole number, got {type(number).__name__}: {number!r}")
    return number


def tall(number: int, neuter: bool = False) -> str:
    """0–12 in words ("én", "to", … "tolv"; ``neuter``: "ett"), larger numbers in digits with
    Norwegian digit grouping ("13", "1 000")."""
    number = _whole(number)
    if 0 <= number <= 12:
        return "ett" if neuter and number == 1 else _CARDINALS[number]
    return format_decimal(number, locale=_LOCALE)


def ordenstall(number: int) -> str:
    """1st–12th in words ("første", "andre", … "tolvte"), later ones as "13."."""
    number = _whole(number)
    if 1 <= number <= 12:
        return _ORDINALS[number]
    return f"{number}."


def kroner(amount_ore: int) -> str:
    """An amount for running text: "20 000 kroner" when whole, "6 666,67 kroner" otherwise
    (no-break spaces in the digit groups and before "kroner")."""
    amount_ore = _whole(amount_ore)
    whole, ore = divmod(abs(amount_ore), 100)
    sign = "-" if amount_ore < 0 else ""
    if ore:
        digits = format_decimal(Decimal(abs(amount_ore)).scaleb(-2), "#,##0.00", locale=_LOCALE)
    else:
        digits = format_decimal(whole, locale=_LOCALE)
    return f"{sign}{digits}\u00a0kroner"


#: Template filters this module provides (``notifications.render`` registers them).
FILTERS = {"tall": tall, "ordenstall": ordenstall, "kroner": kroner}


def event_name(title: str, *, in_sentence: bool = False) -> str:
    """An event's short name, the part of its title before a colon ("Fellessamling 1: oppstart
    av regionale program" → "Fellessamling 1"); ``in_sentence``: with a small first letter, as
    inside a sentence ("deltok på fellessamling 1")."""
    name = str(title).split(":", 1)[0].strip() or str(title).strip()
    return name[:1].lower() + name[1:] if in_sentence else name
