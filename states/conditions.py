"""The conditions each trigger asks of a case, from the programme's founding document.

A condition returns ``None`` when it holds, or an :class:`Unmet` saying what is missing: the
English sentence the CLI prints (the string itself) with its Norwegian wording for the console
(``.nb``). Programme facts (the minimum group size, the period) come from the programme, never
from this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from models import Case

INITIATORS = ("leadership", "coordinator")
INITIATORS_NB = {"leadership": "kommunens ledelse", "coordinator": "koordinatoren"}


class Unmet(str):
    """What a condition lacks, in English (the string itself: what the CLI prints, the JSON
    holds and the errors say) and in Norwegian bokmål (``nb``: what the console shows)."""

    nb: str

    def __new__(cls, en: str, nb: str) -> Unmet:
        made = super().__new__(cls, en)
        made.nb = nb
        return made


def in_norwegian(message: str) -> str:
    """The Norwegian wording of a condition's message (a plain string is shown as it is)."""
    return getattr(message, "nb", message)


def _og(items: list[str]) -> str:
    """ "a, b og c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def _dato(day: date) -> str:
    return format_date(day, "long", locale="nb_NO")


@dataclass(frozen=True)
class Context:
    """What the caller knows at the moment of firing: the effective date and the inputs."""

    as_of: date
    reason: str | None = None
    initiated_by: str | None = None


Check = Callable[[Case, Context], Unmet | None]


def _members_with(case: Case, role: str) -> list:
    return [m for m in case.members if m.role == role]


# --- select: the three selection criteria --------------------------------------------------
def wants_development(case: Case, _ctx: Context) -> Unmet | None:
    if not (case.motivation or "").strip():
        return Unmet(
            "the application does not state the wish to develop the culture school "
            "as part of the municipality's services (motivation)",
            "søknaden sier ikke at kommunen ønsker å utvikle kulturskolen som en del av "
            "kommunens tjenestetilbud (motivasjon)",
        )
    return None


def ties_to_development_area(case: Case, _ctx: Context) -> Unmet | None:
    if not (case.development_area or "").strip():
        return Unmet(
            "the application does not name the county branch's development area it ties to",
            "søknaden nevner ikke hvilket av fylkesavdelingens utviklingsområder den knytter "
            "seg til",
        )
    return None


def in_county_dialogue(case: Case, _ctx: Context) -> Unmet | None:
    if not case.county_dialogue:
        return Unmet(
            "the application does not confirm dialogue with the county branch",
            "søknaden bekrefter ikke dialog med fylkesavdelingen",
        )
    return None


# --- contract: the preparations and the signatures ------------------------------------------
def group_large_enough(case: Case, _ctx: Context) -> Unmet | None:
    needed = case.programme.rules.participation.min_group_size
    count = len(case.members)
    if count < needed:
        return Unmet(
            f"the group has {count} members, at least {needed} are needed",
            f"kommunegruppen har {count} {'medlem' if count == 1 else 'medlemmer'}, "
            f"minst {needed} trengs",
        )
    return None


def one_coordinator(case: Case, _ctx: Context) -> Unmet | None:
    count = len(_members_with(case, "coordinator"))
    if count == 0:
        return Unmet("no coordinator is named", "ingen koordinator er oppnevnt")
    if count > 1:
        return Unmet(
            f"the group has {count} coordinators, exactly one is needed",
            f"kommunegruppen har {count} koordinatorer, det skal være nøyaktig én",
        )
    return None


def school_owner_represented(case: Case, _ctx: Context) -> Unmet | None:
    if not _members_with(case, "school-owner"):
        return Unmet(
            "the school owner is not represented in the group",
            "skoleeier er ikke representert i kommunegruppen",
        )
    return None


def role_mapping_done(case: Case, _ctx: Context) -> Unmet | None:
    if not case.role_mapping_done:
        return Unmet(
            "the role mapping (kartlegging) is not recorded as done",
            "kartleggingen av roller og ansvar er ikke registrert som gjennomført",
        )
    return None


def coordinator_reachable(case: Case, _ctx: Context) -> Unmet | None:
    coordinators = _members_with(case, "coordinator")
    if len(coordinators) != 1:
        return None  # one_coordinator already says what is wrong
    person = coordinators[0].person
    lacking = [
        (en, nb)
        for en, nb, value in (
            ("name", "navn", person.name),
            ("e-mail", "e-postadresse", person.email),
            ("phone", "telefonnummer", person.phone),
        )
        if not (value or "").strip()
    ]
    if lacking:
        return Unmet(
            "the coordinator's contact details lack " + ", ".join(en for en, _ in lacking),
            "koordinatorens kontaktopplysninger mangler " + _og([nb for _, nb in lacking]),
        )
    return None


def signed(case: Case, _ctx: Context) -> Unmet | None:
    lacking = []
    if case.chief_executive_signatory_id is None:
        lacking.append(("the chief executive's signature", "kommunedirektørens signatur"))
    if case.culture_school_head_signatory_id is None:
        lacking.append(("the culture school head's signature", "kulturskolelederens signatur"))
    if case.signed_on is None:
        lacking.append(("the date signed", "datoen den ble signert"))
    if lacking:
        return Unmet(
            "the contract lacks " + ", ".join(en for en, _ in lacking),
            "avtalen mangler " + _og([nb for _, nb in lacking]),
        )
    return None


def invoicing_details_given(case: Case, _ctx: Context) -> Unmet | None:
    """When the programme file says so (``invoicing.buyer_reference_required``), the contract
    needs the buyer's reference ("deres ref.") and the invoice e-mail address. A county branch
    is part of the council and is never invoiced: it needs neither."""
    if not case.programme.rules.invoicing.buyer_reference_required:
        return None
    if case.municipality is not None and case.municipality.kind == "county-branch":
        return None
    details = getattr(case, "invoicing_details", None)
    lacking = [
        (en, nb)
        for en, nb, field in (
            ("the buyer's reference", "kommunens referanse (deres ref.)", "reference"),
            ("the invoice e-mail address", "e-postadressen for faktura", "email"),
        )
        if not (getattr(details, field, None) or "").strip()
    ]
    if lacking:
        return Unmet(
            "the invoicing details lack " + " and ".join(en for en, _ in lacking),
            "fakturaopplysningene mangler " + _og([nb for _, nb in lacking]),
        )
    return None


# --- activate / complete: the programme's calendar ------------------------------------------
def period_started(case: Case, ctx: Context) -> Unmet | None:
    start = case.programme.period_start
    if ctx.as_of < start:
        return Unmet(
            f"the programme period starts on {start.isoformat()} (as of {ctx.as_of.isoformat()})",
            f"programperioden starter {_dato(start)} (per {_dato(ctx.as_of)})",
        )
    return None


def period_ended(case: Case, ctx: Context) -> Unmet | None:
    end = case.programme.period_end
    if ctx.as_of <= end:
        return Unmet(
            f"the programme period ends on {end.isoformat()} (as of {ctx.as_of.isoformat()})",
            f"programperioden varer til og med {_dato(end)} (per {_dato(ctx.as_of)})",
        )
    return None


# --- terminate: with immediate effect, with a reason and who asked for it ---------------------
def reason_given(_case: Case, ctx: Context) -> Unmet | None:
    if not (ctx.reason or "").strip():
        return Unmet("a reason is required", "en begrunnelse må oppgis")
    return None


def initiator_known(_case: Case, ctx: Context) -> Unmet | None:
    if ctx.initiated_by not in INITIATORS:
        return Unmet(
            "who initiated it is required (" + " or ".join(INITIATORS) + ")",
            "det må oppgis hvem som tok initiativet ("
            + " eller ".join(INITIATORS_NB[i] for i in INITIATORS)
            + ")",
        )
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
        invoicing_details_given,
    ),
    "activate": (period_started,),
    "complete": (period_ended,),
    "terminate": (reason_given, initiator_known),
}
