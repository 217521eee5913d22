"""Groups of case states that more than one module asks about, named once.

Where the machine knows the answer the group is derived from it, so a changed transition
changes the group with it.
"""

from __future__ import annotations

from states.machine import MACHINE, STATES

PARTICIPATING = ("contracted", "active")
"""Taking part in the programme: invoiced, visited, reminded and held to the obligations."""

END_STATES = tuple(state for state in STATES if not MACHINE.get_triggers(state))
"""Nothing more can happen to the case: ``("completed", "terminated", "declined")``."""

TERMINABLE = tuple(state for state in STATES if "terminate" in MACHINE.get_triggers(state))
"""The states a case can be terminated from: ``("selected", "contracted", "active")``."""
