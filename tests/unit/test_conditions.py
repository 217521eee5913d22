"""Each condition of the machine on its own, on a case held in memory: None when it holds, else
the sentence an administrator reads in `explain` (the machine's own tests: test_machine.py)."""

from __future__ import annotations

from datetime import date

import pytest

from models import Case, GroupMember, Person
from states import conditions as c
from states.conditions import CONDITIONS, Context
from states.machine import TRIGGERS
from tests.builders.programmes import programme_in_memory

PROGRAMME = programme_in_memory()
TODAY = Context(as_of=date(2024, 9, 1))


def member(
    role: str, name: str | None = "Ola", email: str | None = "o@x.no", phone: str | None = "9"
) -> GroupMember:
    return GroupMember(role=role, person=Person(name=name, email=email, phone=phone))


def case(*members: GroupMember, **fields: object) -> Case:
    made = Case(programme=PROGRAMME, municipality_number="0301", **fields)
    made.members = list(members)
    return made


def test_every_trigger_of_the_machine_has_its_conditions_listed() -> None:
    assert set(CONDITIONS) == set(TRIGGERS)


@pytest.mark.parametrize(
    ("person", "lacking"),
    [
        (("Ola", "o@x.no", "9"), None),
        (("Ola", "o@x.no", " "), "the coordinator's contact details lack phone"),
        ((None, "", "9"), "the coordinator's contact details lack name, e-mail"),
    ],
)
def test_the_coordinator_must_be_reachable_by_name_e_mail_and_phone(
    person: tuple[str | None, str | None, str | None], lacking: str | None
) -> None:
    assert c.coordinator_reachable(case(member("coordinator", *person)), TODAY) == lacking


def test_reachability_is_not_asked_twice_when_the_coordinator_count_is_wrong() -> None:
    assert c.coordinator_reachable(case(), TODAY) is None
    assert c.one_coordinator(case(), TODAY) == "no coordinator is named"
    two = case(member("coordinator", phone=None), member("coordinator", phone=None))
    assert c.coordinator_reachable(two, TODAY) is None
    assert c.one_coordinator(two, TODAY) == "the group has 2 coordinators, exactly one is needed"


def test_the_group_size_is_the_programme_files() -> None:
    three = case(*(member("other") for _ in range(3)))
    assert c.group_large_enough(three, TODAY) == "the group has 3 members, at least 4 are needed"
    assert c.group_large_enough(case(*(member("other") for _ in range(4))), TODAY) is None


def test_the_contract_names_each_missing_signature_and_the_date() -> None:
    unsigned = case()
    assert c.signed(unsigned, TODAY) == (
        "the contract lacks the chief executive's signature, the culture school head's "
        "signature, the date signed, the council director's signature"
    )
    half = case(
        chief_executive_signatory_id=1,
        signed_on=date(2024, 6, 1),
        director_signatory_id=3,
        director_signed_on=date(2024, 6, 2),
    )
    assert c.signed(half, TODAY) == "the contract lacks the culture school head's signature"


def test_the_contract_is_complete_only_with_the_directors_signature_and_its_date() -> None:
    municipality = {
        "chief_executive_signatory_id": 1,
        "culture_school_head_signatory_id": 2,
        "signed_on": date(2024, 6, 1),
    }
    assert c.signed(case(**municipality), TODAY) == (
        "the contract lacks the council director's signature"
    )
    undated = case(**municipality, director_signatory_id=3)
    assert c.signed(undated, TODAY) == "the contract lacks the council director's signature"
    complete = case(**municipality, director_signatory_id=3, director_signed_on=date(2024, 6, 2))
    assert c.signed(complete, TODAY) is None


def test_the_period_starts_on_its_first_day_and_ends_after_its_last() -> None:
    started = case()
    assert c.period_started(started, Context(date(2024, 8, 1))) is None
    assert c.period_started(started, Context(date(2024, 7, 31))) == (
        "the programme period starts on 2024-08-01 (as of 2024-07-31)"
    )
    assert c.period_ended(started, Context(date(2025, 12, 31))) == (
        "the programme period ends on 2025-12-31 (as of 2025-12-31)"
    )
    assert c.period_ended(started, Context(date(2026, 1, 1))) is None


@pytest.mark.parametrize("initiator", ["leadership", "coordinator"])
def test_a_termination_needs_a_reason_and_one_of_the_two_initiators(initiator: str) -> None:
    assert c.reason_given(case(), Context(TODAY.as_of, reason="  ")) == "a reason is required"
    assert c.reason_given(case(), Context(TODAY.as_of, reason="Brudd")) is None
    assert c.initiator_known(case(), Context(TODAY.as_of, initiated_by=initiator)) is None
    assert c.initiator_known(case(), Context(TODAY.as_of, initiated_by="county")) == (
        "who initiated it is required (leadership or coordinator)"
    )
