"""Words for running text that the render filters do not give: ordinals up to twelve in words
("det første av tre avdrag"; registered as the template filter ``ordenstall`` by
``notifications.render``) and an event's short name ("fellessamling 1"). Counts in words are
``notifications.render.tall``, amounts in running text ``notifications.render.kroner``.
"""

from __future__ import annotations

__all__ = ["FILTERS", "event_name", "ordenstall"]

_ORDINALS = (
    "nullte", "første", "andre", "tredje", "fjerde", "femte", "sjette", "sjuende", "åttende",
    "niende", "tiende", "ellevte", "tolvte",
)  # fmt: skip


def _whole(number: int) -> int:
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"expected a whole number, got {type(number).__name__}: {number!r}")
    return number


def ordenstall(number: int) -> str:
    """1st–12th in words ("første", "andre", … "tolvte"), later ones as "13."."""
    number = _whole(number)
    if 1 <= number <= 12:
        return _ORDINALS[number]
    return f"{number}."


#: Template filters this module provides (``notifications.render`` registers them).
FILTERS = {"ordenstall": ordenstall}


def event_name(title: str, *, in_sentence: bool = False) -> str:
    """An event's short name, the part of its title before a colon ("Fellessamling 1: oppstart
    av regionale program" → "Fellessamling 1"); ``in_sentence``: with a small first letter, as
    inside a sentence ("deltok på fellessamling 1")."""
    name = str(title).split(":", 1)[0].strip() or str(title).strip()
    return name[:1].lower() + name[1:] if in_sentence else name
