"""Why a case could not move: the triggers allowed, or the conditions not met."""

from __future__ import annotations

from collections.abc import Sequence

from kulturskole.errors import KulturskoleError


class TransitionNotAllowed(KulturskoleError):
    """The trigger does not exist, or cannot fire from the case's current state."""

    def __init__(self, trigger: str, state: str, allowed: Sequence[str], subject: str = "") -> None:
        self.trigger, self.state, self.allowed = trigger, state, list(allowed)
        who = f" {subject}" if subject else ""
        if self.allowed:
            options = f"allowed from {state}: {', '.join(self.allowed)}"
        else:
            options = f"{state} is an end state: no trigger is allowed"
        super().__init__(f"cannot {trigger}{who}: it is {state}; {options}")


class ConditionsNotMet(KulturskoleError):
    """A guard refused: every unmet condition is named."""

    def __init__(self, trigger: str, unmet: Sequence[str], subject: str = "") -> None:
        self.trigger, self.unmet = trigger, list(unmet)
        who = f" {subject}" if subject else ""
        super().__init__(f"cannot {trigger}{who}: " + "; ".join(self.unmet))
