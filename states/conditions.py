"""The conditions each trigger asks of a case, from the programme's founding document.

A condition returns ``None`` when it holds, or a sentence saying what is missing. Programme
facts (the minimum group size, the period) come from the programme, never from this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from models import Case

INITIATORS = ("leadership", "coordinator")


@dataclass(frozen=True)
class Context:
    """What the caller knows at the moment of firing: the effective date and the inputs."""

    as_of: date
    reason: str | None = None
    initiated_by: str | None = None


Check = Callable[[Case, Context], str | None]


def _members_with(case: Case, role: str) -> list:
    return [m for m in case.members if m.role == role]


# --- select: the three selection criteria --------------------------------------------------
def wants_development(case: Case, _ctx: Context) -> str | None:
    if not (case.motivation or "").strip():
        return (
            "the application does not state the wish to develop the culture school "
            "as part of the municipality's services (motivation)"
        )
    return None


def ties_to_development_area(case: Case, _ctx: Context) -> str | None:
    if not (case.development_area or "").strip():
        return "the application does not name the county branch's development area it ties to"
    return None


def in_county_dialogue(case: Case, _ctx: Context) -> str | None:
    if not case.county_dialogue:
        return "the application does not confirm dialogue with the county branch"
    return None


# --- contract: the preparations and the signatures ------------------------------------------
def group_large_enough(case: Case, _ctx: Context) -> str | None:
    needed = case.programme.rules.participation.min_group_size
    if len(case.members) < needed:
        return f"the group has {len(case.members)} members, at least {needed} are needed"
    return None


def one_coordinator(case: Case, _ctx: Context) -> str | None:
    count = len(_members_with(case, "coordinator"))
    if count == 0:
        return "no coordinator is named"
    if count > 1:
        return f"the group has {count} coordinators, exactly one is needed"
    return None


def school_owner_represented(case: Case, _ctx: Context) -> str | None:
    if not _members_with(case, "school-owner"):
        return "the school owner is not represented in the group"
    return None


def role_mapping_done(case: Case, _ctx: Context) -> str | None:
    if not case.role_mapping_done:
        return "the role mapping (kartlegging) is not recorded as done"
    return None


def coordinator_reachable(case: Case, _ctx: Context) -> str | None:
    coordinators = _members_with(case, "coordinator")
    if len(coordinators) != 1:
        return None  # one_coordinator already says what is wrong
    person = coordinators[0].person
    lacking = [
        label
        for label, value in (
            ("name", person.name),
            ("e-mail", person.email),
            ("phone", person.phone),
        )
        if not (value or "").strip()
    ]
    if lacking:
        return "the coordinator's contact details lack " + ", ".join(lacking)
    return None


def signed(case: Case, _ctx: Context) -> str | None:
    lacking = []
    if case.chief_executive_signatory_id is None:
        lacking.append("the chief executive's signature")
    if case.culture_school_head_signatory_id is None:
        lacking.append("the culture school head's signature")
    if case.signed_on is None:
        lacking.append("the date signed")
    if lacking:
        return "the contract lacks " + ", ".join(lacking)
    return None


# --- activate / complete: the programme's calendar ------------------------------------------
def period_started(case: Case, ctx: Context) -> str | None:
    start = case.programme.period_start
    if ctx.as_of < start:
        return f"the programme period starts on {start.isoformat()} (as of {ctx.as_of.isoformat()})"
    return None


def period_ended(case: Case, ctx: Context) -> str | None:
    end = case.programme.period_end
    if ctx.as_of <= end:
        return f"the programme period ends on {end.isoformat()} (as of {ctx.as_of.isoformat()})"
    return None


# --- terminate: with immediate effect, with a reason and who asked for it ---------------------
def reason_given(_case: Case, ctx: Context) -> str | None:
    if not (ctx.reason or "").strip():
        return "a reason is required"
    return None


def initiator_known(_case: Case, ctx: Context) -> str | None:
    if ctx.initiated_by not in INITIATORS:
        return "who initiated it is required (" + " or ".join(INITIATORS) + ")"
    return None


CONDITIONS: dict[str, tuple[Check, ...]] = {
    "select": (wants_development, ties_to_development_area, in_county_dialogue),
    "reject": (),
    "withdraw": (),
    "contract": (
        group_large_enough,
        one_coordinator,
        school_owner_represented,
        role_mapping_done,
        coordinator_reachable,
        signed,
    ),
    "activate": (period_started,),
    "complete": (period_ended,),
    "terminate": (reason_given, initiator_known),
}
