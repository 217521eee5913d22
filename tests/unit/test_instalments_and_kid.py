"""The fee in exact instalments, the events that make each one due, and the KID on the invoice."""

from __future__ import annotations

from pathlib import Path

import pytest
from stdnum import luhn

from kulturskole.invoicing.instalments import split, trigger_events
from kulturskole.invoicing.kid import is_valid, kid_for
from tests.builders.programmes import PROGRAMME_FILE, programme_in_memory

# --- the split -------------------------------------------------------------------------------


def test_the_fee_splits_exactly_with_the_extra_ore_first() -> None:
    assert split(2_000_000, 3) == [666_667, 666_667, 666_666]


@pytest.mark.parametrize(
    ("total", "parts"), [(2_500_000, 3), (1_000_001, 4), (1, 3), (0, 2), (99_999_999, 7)]
)
def test_uneven_fees_still_add_up(total: int, parts: int) -> None:
    amounts = split(total, parts)
    assert sum(amounts) == total and len(amounts) == parts
    assert max(amounts) - min(amounts) <= 1 and amounts == sorted(amounts, reverse=True)


def test_kid_is_prefix_customer_and_number_with_a_luhn_check_digit() -> None:
    kid = kid_for(240017, "5001", "24")
    assert kid[:-1] == "24" + "5001" + "0240017" and is_valid(kid)
    assert kid[-1] == luhn.calc_check_digit("2450010240017")
    assert not is_valid(kid[:-1] + str((int(kid[-1]) + 1) % 10))
    assert all(is_valid(kid_for(n, "0301", "9")) for n in range(1, 2000))
    with pytest.raises(ValueError):
        kid_for(10**7, "0301")


def test_without_a_prefix_the_kid_starts_with_the_customer() -> None:
    assert kid_for(17, "0301") == "03010000017" + luhn.calc_check_digit("03010000017")


@pytest.mark.parametrize(
    ("customer", "prefix"), [("301", None), ("03011", None), ("0301", "12345"), ("0301", "a")]
)
def test_a_customer_or_prefix_of_the_wrong_shape_is_refused(
    customer: str, prefix: str | None
) -> None:
    with pytest.raises(ValueError):
        kid_for(1, customer, prefix)


def test_the_same_number_to_two_customers_or_in_two_series_gives_two_kids() -> None:
    kids = {kid_for(1, "0301", "1"), kid_for(1, "5001", "1"), kid_for(1, "0301", "2")}
    assert len(kids) == 3
    # prefixes of different length cannot meet: the KIDs differ in length
    assert len(kid_for(1, "0301", "1")) != len(kid_for(1, "0301", "12"))


# --- new: edges of the split and the KID ------------------------------------------------------


def test_one_instalment_is_the_whole_fee_and_an_even_fee_splits_evenly() -> None:
    assert split(2_000_000, 1) == [2_000_000]
    assert split(2_000_001, 3) == [666_667, 666_667, 666_667]


@pytest.mark.parametrize(("total", "parts"), [(2_000_000, 0), (2_000_000, -1), (-1, 3)])
def test_no_instalments_or_a_negative_fee_is_refused(total: int, parts: int) -> None:
    with pytest.raises(ValueError):
        split(total, parts)


def test_the_number_is_seven_digits_and_a_check_digit_for_the_whole_number_range() -> None:
    assert kid_for(1, "0000") == "000000000018"  # 1 doubled is 2; 8 makes the sum 10
    assert kid_for(9_999_999, "0301")[4:-1] == "9999999"
    assert len(kid_for(1, "0301", "24")) == len(kid_for(9_999_999, "0301", "24")) == 14
    with pytest.raises(ValueError):
        kid_for(0, "0301")


@pytest.mark.parametrize("kid", ["", "8", "0000001a", "00000017", "1" * 26, " 00000018"])
def test_a_kid_that_is_too_short_too_long_not_digits_or_wrongly_checked_is_invalid(
    kid: str,
) -> None:
    assert not is_valid(kid)


def test_every_single_digit_typo_in_a_kid_is_caught() -> None:
    kid = kid_for(1234, "5001", "24")
    for position in range(len(kid)):
        for digit in "0123456789":
            if digit != kid[position]:
                typo = kid[:position] + digit + kid[position + 1 :]
                assert not is_valid(typo), typo


# --- which events make an instalment due ------------------------------------------------------


def test_the_instalments_follow_the_physical_joint_gatherings_in_time_order() -> None:
    programme = programme_in_memory()
    after = trigger_events(programme.rules.invoicing.after, list(reversed(programme.events)))
    assert [e.id for e in after] == ["joint-gathering-1", "joint-gathering-3", "joint-gathering-5"]
    assert all(e.kind == "joint-gathering" and e.mode == "physical" for e in after)


def test_six_instalments_after_every_joint_gathering_have_six_triggers(tmp_path: Path) -> None:
    text = PROGRAMME_FILE.read_text(encoding="utf-8")
    block = "  instalments: 3\n  after:\n    kind: joint-gathering\n    mode: physical\n"
    assert block in text
    edited = tmp_path / "programme.yaml"
    every = "  instalments: 6\n  after:\n    kind: joint-gathering\n"
    edited.write_text(text.replace(block, every), "utf-8")
    programme = programme_in_memory(edited)
    after = trigger_events(programme.rules.invoicing.after, programme.events)
    assert [e.id for e in after] == [f"joint-gathering-{n}" for n in range(1, 7)]
