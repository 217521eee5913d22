"""The shared state machine and its guards, on cases held in memory (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from kulturskole import PROGRAMMES_DIR
from kulturskole.programme_file import parse_programme_file
from models import Case, GroupMember, InvoicingDetails, Person, Programme
from states.conditions import Context
from states.errors import ConditionsNotMet, TransitionNotAllowed
from states.machine import MACHINE, STATES, TRIGGERS, allowed_triggers, explain, fire, mermaid

SHIPPED = parse_programme_file(PROGRAMMES_DIR / "regionale-2024-2025.yaml").to_json()


def definition(min_group_size: int) -> dict[str, object]:
    """The shipped definition, as stored, with another minimum group size."""
    return SHIPPED | {"participation": {"min_group_size": min_group_size}}


PROGRAMME = Programme(
    id="p",
    title="P",
    period_start=date(2024, 8, 1),
    period_end=date(2025, 12, 31),
    fee_ore=2_000_000,
    definition=definition(4),
)


def make_case(state: str = "applied", **fields: object) -> Case:
    defaults = {
        "motivation": "Utvikle kulturskolen",
        "development_area": "Inkludering",
        "county_dialogue": True,
    }
    case = Case(programme=PROGRAMME, municipality_number="0301", **{**defaults, **fields})
    case.state = state
    return case


def member(role: str, email: str, phone: str | None = "91234567") -> GroupMember:
    return GroupMember(role=role, person=Person(name=email.split("@")[0], email=email, phone=phone))


def contract_ready(case: Case) -> Case:
    case.members = [
        member("coordinator", "k@x.no"),
        member("school-owner", "s@x.no"),
        member("culture-school-head", "h@x.no"),
        member("other", "o@x.no"),
    ]
    case.role_mapping_done = True
    case.chief_executive_signatory = Person(name="CE")
    case.chief_executive_signatory_id = 1
    case.culture_school_head_signatory = Person(name="CSH")
    case.culture_school_head_signatory_id = 2
    case.signed_on = date(2024, 6, 1)
    case.director_signatory = Person(name="Director")
    case.director_signatory_id = 3
    case.director_signed_on = date(2024, 6, 2)
    case.invoicing_details = InvoicingDetails(reference="Bestilling 4711", email="faktura@x.no")
    return case


AS_OF = Context(as_of=date(2024, 9, 1))


def test_new_case_starts_applied() -> None:
    assert Case().state == "applied"


def test_one_machine_serves_every_case_and_keeps_none() -> None:
    first, second = make_case(), make_case()
    fire(first, "select", AS_OF)
    assert (first.state, second.state) == ("selected", "applied")
    assert MACHINE.models == []


def test_select_refused_names_each_missing_answer() -> None:
    case = make_case(motivation=" ", development_area=None, county_dialogue=False)
    with pytest.raises(ConditionsNotMet) as refused:
        fire(case, "select", AS_OF)
    assert len(refused.value.unmet) == 3
    message = str(refused.value)
    assert "motivation" in message and "development area" in message and "dialogue" in message
    assert case.state == "applied"


def test_contract_refused_lists_every_unmet_condition() -> None:
    case = make_case("selected")
    case.members = [member("coordinator", "a@x.no", phone=None), member("coordinator", "b@x.no")]
    unmet = explain(case, "contract", AS_OF)
    assert "the group has 2 members, at least 4 are needed" in unmet
    assert "the group has 2 coordinators, exactly one is needed" in unmet
    assert "the school owner is not represented in the group" in unmet
    assert any("role mapping" in u for u in unmet)
    assert any("chief executive's signature" in u and "date signed" in u for u in unmet)


def test_coordinator_without_phone_blocks_contract() -> None:
    case = contract_ready(make_case("selected"))
    case.members[0].person.phone = None
    assert explain(case, "contract", AS_OF) == ["the coordinator's contact details lack phone"]


def test_minimum_group_size_comes_from_the_programme() -> None:
    programme = Programme(
        id="q",
        title="Q",
        period_start=date(2024, 8, 1),
        period_end=date(2025, 12, 31),
        fee_ore=1,
        definition=definition(5),
    )
    case = contract_ready(make_case("selected"))
    case.programme = programme
    assert explain(case, "contract", AS_OF) == ["the group has 4 members, at least 5 are needed"]


def test_contract_fires_when_everything_is_in_place() -> None:
    case = contract_ready(make_case("selected"))
    assert fire(case, "contract", AS_OF) == ("selected", "contracted")


def test_the_contract_needs_the_buyers_reference_and_invoice_address_when_the_file_says_so() -> (
    None
):
    case = contract_ready(make_case("selected"))
    case.invoicing_details = None
    unmet = explain(case, "contract", AS_OF)
    assert unmet == [
        "the invoicing details lack the buyer's reference and the invoice e-mail address"
    ]
    assert unmet[0].nb == (
        "fakturaopplysningene mangler kommunens referanse (deres ref.) og e-postadressen for "
        "faktura"
    )
    case.invoicing_details = InvoicingDetails(reference="Bestilling 4711")
    assert explain(case, "contract", AS_OF) == [
        "the invoicing details lack the invoice e-mail address"
    ]


def test_a_programme_that_does_not_require_the_reference_contracts_without_it() -> None:
    stored = SHIPPED | {"invoicing": SHIPPED["invoicing"] | {"buyer_reference_required": False}}
    case = contract_ready(make_case("selected"))
    case.programme = Programme(
        id="r",
        title="R",
        period_start=date(2024, 8, 1),
        period_end=date(2025, 12, 31),
        fee_ore=1,
        definition=stored,
    )
    case.invoicing_details = None
    assert explain(case, "contract", AS_OF) == []


def test_activate_waits_for_the_period_to_start() -> None:
    case = make_case("contracted")
    with pytest.raises(ConditionsNotMet, match="starts on 2024-08-01"):
        fire(case, "activate", Context(as_of=date(2024, 7, 31)))
    assert fire(case, "activate", Context(as_of=date(2024, 8, 1))) == ("contracted", "active")


def test_complete_only_after_the_period_has_ended() -> None:
    case = make_case("active")
    with pytest.raises(ConditionsNotMet, match="ends on 2025-12-31"):
        fire(case, "complete", Context(as_of=date(2025, 12, 31)))
    assert fire(case, "complete", Context(as_of=date(2026, 1, 1)))[1] == "completed"


def test_terminate_needs_reason_and_initiator() -> None:
    case = make_case("active")
    with pytest.raises(ConditionsNotMet) as refused:
        fire(case, "terminate", AS_OF)
    assert refused.value.unmet == [
        "a reason is required",
        "who initiated it is required (leadership or coordinator)",
    ]
    done = fire(case, "terminate", Context(AS_OF.as_of, reason="Brudd", initiated_by="leadership"))
    assert done == ("active", "terminated")


def test_impossible_trigger_names_the_allowed_ones() -> None:
    case = make_case("active")
    with pytest.raises(TransitionNotAllowed) as refused:
        fire(case, "select", AS_OF)
    assert refused.value.allowed == ["complete", "terminate"]
    assert "allowed from active: complete, terminate" in str(refused.value)


@pytest.mark.parametrize("state", ["completed", "terminated", "declined"])
def test_end_states_allow_nothing(state: str) -> None:
    case = make_case(state)
    assert allowed_triggers(state) == []
    with pytest.raises(TransitionNotAllowed, match="end state"):
        fire(case, "terminate", Context(AS_OF.as_of, reason="x", initiated_by="leadership"))


def test_unknown_trigger_is_refused_not_crashing() -> None:
    with pytest.raises(
        TransitionNotAllowed, match="allowed from applied: select, reject, withdraw"
    ):
        explain(make_case(), "activate_now", AS_OF)


def test_declined_is_reached_by_reject_or_withdraw() -> None:
    assert fire(make_case(), "reject", AS_OF)[1] == "declined"
    assert fire(make_case("selected"), "withdraw", AS_OF)[1] == "declined"


def test_mermaid_diagram_covers_every_state_and_trigger() -> None:
    diagram = mermaid()
    assert diagram.startswith("---") and "stateDiagram-v2" in diagram
    for state in STATES:
        assert f'state "{state}" as {state}' in diagram
    for trigger in TRIGGERS:
        assert f": {trigger}" in diagram


def test_explain_without_context_is_as_of_today() -> None:
    case = make_case("contracted")
    assert explain(case, "activate") == []  # the 2024 period started long before today
    assert explain(make_case("active"), "terminate") == [
        "a reason is required",
        "who initiated it is required (leadership or coordinator)",
    ]
