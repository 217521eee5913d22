"""What must happen in the same transaction when a case changes state (reactions).

``transition()`` (kulturskole/services/cases.py) fires the trigger, writes the history entry
and then runs every reaction registered for the change, in the order they were registered:
the mail queued, open breaches closed, future visits cancelled. The reactions live with their
domains and are registered once, by ``kulturskole.bootstrap.wire()``; the service layer knows
only this registry, so it imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kulturskole.history import Acting
from models import Case


@dataclass(frozen=True)
class Change:
    """A transition that has just happened to a case."""

    trigger: str
    before: str
    after: str
    reason: str | None = None
    initiated_by: str | None = None


Reaction = Callable[[Session, Case, Change, Acting], None]


@dataclass(frozen=True)
class _Entry:
    reaction: Reaction
    trigger: str | None
    to_state: str | None

    def matches(self, change: Change) -> bool:
        return (self.trigger is None or self.trigger == change.trigger) and (
            self.to_state is None or self.to_state == change.after
        )


class NotWired(RuntimeError):
    """No reaction is registered: an entry point forgot ``kulturskole.bootstrap.wire()``.

    A programming error, not a user's mistake: a transition without its reactions would
    change the state and leave the mail unsent and the visits in the calendar."""


_registry: list[_Entry] = []


def register(
    reaction: Reaction, *, trigger: str | None = None, to_state: str | None = None
) -> None:
    """Run ``reaction`` after every transition that fires ``trigger`` and/or ends in
    ``to_state`` (neither: after every transition). Registering the same again does nothing."""
    entry = _Entry(reaction, trigger, to_state)
    if entry not in _registry:
        _registry.append(entry)


def require_wired() -> None:
    if not _registry:
        raise NotWired(
            "no reactions are registered, so a transition would skip its mail, breaches and "
            "visits: call kulturskole.bootstrap.wire() at the entry point"
        )


def react(session: Session, case: Case, change: Change, acting: Acting) -> None:
    """Run the reactions registered for ``change``, in the order they were registered."""
    require_wired()
    for entry in list(_registry):
        if entry.matches(change):
            entry.reaction(session, case, change, acting)
