"""The Norwegian wording of every condition, as the console shows it; the English sentence (the
string itself, what the CLI prints and the JSON holds) stays as it was."""

from __future__ import annotations

import json
from datetime import date

import pytest

from models import Case, GroupMember, Person
from states import conditions as c
from states.conditions import CONDITIONS, Context, Unmet, in_norwegian
from states.machine import explain
from tests.builders.programmes import programme_in_memory

PROGRAMME = programme_in_memory()
TODAY = Context(as_of=date(2024, 9, 1))


def member(role: str, name: str = "Ola", email: str = "o@x.no", phone: str = "9") -> GroupMember:
    return GroupMember(role=role, person=Person(name=name, email=email, phone=phone))


def case(*members: GroupMember, **fields: object) -> Case:
    made = Case(programme=PROGRAMME, municipality_number="0301", **fields)
    made.members = list(members)
    return made


def test_an_unmet_condition_is_its_english_sentence_with_a_norwegian_wording() -> None:
    message = c.in_county_dialogue(case(), TODAY)
    assert isinstance(message, Unmet)
    assert message == "the application does not confirm dialogue with the county branch"
    assert message.nb == "søknaden bekrefter ikke dialog med fylkesavdelingen"
    assert json.dumps([message]) == (
        '["the application does not confirm dialogue with the county branch"]'
    )
    assert in_norwegian(message) == message.nb
    assert in_norwegian("plain text") == "plain text"


def test_every_unmet_condition_of_an_empty_application_has_a_norwegian_wording() -> None:
    empty = case(state="applied")
    for trigger in CONDITIONS:
        ctx = Context(as_of=date(2024, 7, 1))
        for check in CONDITIONS[trigger]:
            message = check(empty, ctx)
            if message is not None:
                assert message.nb and message.nb != str(message), check.__name__


def test_the_selection_criteria_in_norwegian() -> None:
    applied = case(state="applied")
    assert [m.nb for m in explain(applied, "select", TODAY)] == [
        "søknaden sier ikke at kommunen ønsker å utvikle kulturskolen som en del av kommunens "
        "tjenestetilbud (motivasjon)",
        "søknaden nevner ikke hvilket av fylkesavdelingens utviklingsområder den knytter seg til",
        "søknaden bekrefter ikke dialog med fylkesavdelingen",
    ]


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "kommunegruppen har 0 medlemmer, minst 4 trengs"),
        (1, "kommunegruppen har 1 medlem, minst 4 trengs"),
        (3, "kommunegruppen har 3 medlemmer, minst 4 trengs"),
    ],
)
def test_the_group_size_in_norwegian(count: int, text: str) -> None:
    message = c.group_large_enough(case(*(member("other") for _ in range(count))), TODAY)
    assert message is not None and message.nb == text


def test_the_coordinator_and_the_school_owner_in_norwegian() -> None:
    assert c.one_coordinator(case(), TODAY).nb == "ingen koordinator er oppnevnt"
    two = case(member("coordinator"), member("coordinator"))
    assert c.one_coordinator(two, TODAY).nb == (
        "kommunegruppen har 2 koordinatorer, det skal være nøyaktig én"
    )
    assert c.school_owner_represented(case(), TODAY).nb == (
        "skoleeier er ikke representert i kommunegruppen"
    )
    assert c.role_mapping_done(case(), TODAY).nb == (
        "kartleggingen av roller og ansvar er ikke registrert som gjennomført"
    )


@pytest.mark.parametrize(
    ("person", "text"),
    [
        (("Ola", "o@x.no", " "), "koordinatorens kontaktopplysninger mangler telefonnummer"),
        (
            ("", "", "9"),
            "koordinatorens kontaktopplysninger mangler navn og e-postadresse",
        ),
        (
            ("", "", ""),
            "koordinatorens kontaktopplysninger mangler navn, e-postadresse og telefonnummer",
        ),
    ],
)
def test_the_coordinators_missing_contact_details_in_norwegian(
    person: tuple[str, str, str], text: str
) -> None:
    assert c.coordinator_reachable(case(member("coordinator", *person)), TODAY).nb == text


def test_the_missing_signatures_in_norwegian() -> None:
    assert c.signed(case(), TODAY).nb == (
        "avtalen mangler kommunedirektørens signatur, kulturskolelederens signatur, datoen "
        "den ble signert og direktørens signatur"
    )
    half = case(chief_executive_signatory_id=1, signed_on=date(2024, 6, 1))
    assert c.signed(half, TODAY).nb == (
        "avtalen mangler kulturskolelederens signatur og direktørens signatur"
    )


def test_the_programme_period_in_norwegian_dates() -> None:
    assert c.period_started(case(), Context(date(2024, 7, 31))).nb == (
        "programperioden starter 1. august 2024 (per 31. juli 2024)"
    )
    assert c.period_ended(case(), Context(date(2025, 12, 31))).nb == (
        "programperioden varer til og med 31. desember 2025 (per 31. desember 2025)"
    )


def test_a_termination_without_reason_or_initiator_in_norwegian() -> None:
    assert c.reason_given(case(), TODAY).nb == "en begrunnelse må oppgis"
    assert c.initiator_known(case(), Context(TODAY.as_of, initiated_by="county")).nb == (
        "det må oppgis hvem som tok initiativet (kommunens ledelse eller koordinatoren)"
    )
