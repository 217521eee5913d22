"""Splitting the fee into instalments, exactly, and which events make each one due."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.definition import InvoiceTrigger


def split(total_ore: int, parts: int) -> list[int]:
    """Split ``total_ore`` into ``parts`` amounts that add up to it exactly; the first ones
    carry the extra øre: 2 000 000 over 3 → 666 667 + 666 667 + 666 666."""
    if parts < 1:
        raise ValueError("at least one instalment")
    if total_ore < 0:
        raise ValueError("the fee cannot be negative")
    base, extra = divmod(total_ore, parts)
    return [base + 1 if i < extra else base for i in range(parts)]


def trigger_events(after: InvoiceTrigger, events: Sequence[Any]) -> list[Any]:
    """The events after which an instalment is invoiced, in time order (instalment 1, 2, …).

    From the programme file: ``invoicing.after`` names the kind and mode (the physical joint
    gatherings). Tentative events have no end yet and cannot trigger anything.
    """
    matching = [e for e in events if after.matches(e)]
    return sorted(matching, key=lambda e: (e.start is None, e.start, e.id))
