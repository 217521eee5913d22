"""The one state machine every case follows.

One shared ``transitions.Machine(model=None)`` holds the rules; cases are fired through it
one at a time (no machine per row). The guard raises :class:`ConditionsNotMet` naming every
unmet condition, so that a refusal explains itself.
"""

from __future__ import annotations

from transitions import EventData, Machine, MachineError

from kulturskole.config import get_settings
from models import Case
from states.conditions import CONDITIONS, Context, Unmet
from states.errors import ConditionsNotMet, TransitionNotAllowed

STATES = ["applied", "selected", "contracted", "active", "completed", "terminated", "declined"]
"""``declined``: the application ended without participation, either not selected by the
council (``reject``) or withdrawn by the municipality (``withdraw``); the history says which."""

TRANSITIONS = [
    {"trigger": "select", "source": "applied", "dest": "selected"},
    {"trigger": "reject", "source": "applied", "dest": "declined"},
    {"trigger": "withdraw", "source": ["applied", "selected"], "dest": "declined"},
    {"trigger": "contract", "source": "selected", "dest": "contracted"},
    {"trigger": "activate", "source": "contracted", "dest": "active"},
    {"trigger": "complete", "source": "active", "dest": "completed"},
    {"trigger": "terminate", "source": ["selected", "contracted", "active"], "dest": "terminated"},
]
TRIGGERS = tuple(dict.fromkeys(t["trigger"] for t in TRANSITIONS))


def _guard(event: EventData) -> bool:
    case: Case = event.model
    unmet = unmet_conditions(case, event.event.name, event.kwargs["ctx"])
    if unmet:
        raise ConditionsNotMet(event.event.name, unmet, _subject(case))
    return True


MACHINE = Machine(
    model=None,
    states=STATES,
    transitions=[{**t, "conditions": [_guard]} for t in TRANSITIONS],
    initial="applied",
    model_attribute="state",
    auto_transitions=False,
    send_event=True,
)


def allowed_triggers(state: str) -> list[str]:
    """Triggers that can fire from ``state``, in the machine's order."""
    return [t for t in TRIGGERS if t in MACHINE.get_triggers(state)]


def unmet_conditions(case: Case, trigger: str, ctx: Context) -> list[Unmet]:
    return [message for check in CONDITIONS[trigger] if (message := check(case, ctx))]


def explain(case: Case, trigger: str, ctx: Context | None = None) -> list[Unmet]:
    """What stands in the way of ``trigger``: an empty list means it would fire. Each item is
    the English sentence, with its Norwegian wording in ``.nb``.

    Without a context, as of today on the programme's calendar (Europe/Oslo) with no inputs.

    Raises :class:`TransitionNotAllowed` when the trigger cannot fire from the current state
    at all, naming the triggers that can.
    """
    _require_allowed(case, trigger)
    return unmet_conditions(case, trigger, ctx or Context(as_of=get_settings().today()))


def fire(case: Case, trigger: str, ctx: Context) -> tuple[str, str]:
    """Move ``case`` by ``trigger``; returns (from_state, to_state) or raises a domain error."""
    _require_allowed(case, trigger)
    before = case.state
    try:
        MACHINE.events[trigger].trigger(case, ctx=ctx)
    except MachineError as exc:  # pragma: no cover - _require_allowed checks first
        raise TransitionNotAllowed(trigger, case.state, allowed_triggers(case.state)) from exc
    return before, case.state


def _require_allowed(case: Case, trigger: str) -> None:
    if trigger not in TRIGGERS or trigger not in MACHINE.get_triggers(case.state):
        raise TransitionNotAllowed(
            trigger, case.state, allowed_triggers(case.state), _subject(case)
        )


def _subject(case: Case) -> str:
    municipality = getattr(case, "municipality", None)
    number = case.municipality_number
    return f"{number} {municipality.name}" if municipality is not None else str(number or "")


def mermaid() -> str:
    """The state diagram, generated from the same definition (no graph machine at run time)."""
    from transitions.extensions.diagrams import GraphMachine

    class _Diagram:
        pass

    graph = GraphMachine(
        model=_Diagram(),
        states=STATES,
        transitions=TRANSITIONS,
        initial="applied",
        auto_transitions=False,
        graph_engine="mermaid",
        title="Case",
    )
    text = graph.model.get_graph().draw(None)
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"
