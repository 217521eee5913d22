"""County branches (fylkesavdelinger) are named as the council names them, from the county's
Norwegian name, and no name function makes them a kommune."""

from __future__ import annotations

import csv

import pytest

from kulturskole import DATA_DIR
from kulturskole.names import county_branch_name, invoice_name, is_county_branch_name, own_name


@pytest.mark.parametrize(
    ("county", "branch"),
    [
        ("Trøndelag - Trööndelage", "Norsk kulturskoleråd Trøndelag"),
        ("Troms - Romsa - Tromssa", "Norsk kulturskoleråd Troms"),
        ("Finnmark - Finnmárku - Finmarkku", "Norsk kulturskoleråd Finnmark"),
        ("Møre og Romsdal", "Norsk kulturskoleråd Møre og Romsdal"),
    ],
)
def test_the_branch_is_the_council_and_the_countys_norwegian_name(county: str, branch: str):
    assert county_branch_name(county) == branch
    assert is_county_branch_name(branch)
    assert own_name(branch) == branch and invoice_name(branch) == branch


def test_every_county_of_the_register_gives_a_branch_name() -> None:
    with (DATA_DIR / "fylker_2024.csv").open(encoding="utf-8") as file:
        counties = [row["fylkesnavn"] for row in csv.DictReader(file)]
    names = [county_branch_name(county) for county in counties]
    assert len(set(names)) == len(counties) == 15
    assert all(" - " not in name and not name.endswith("kommune") for name in names)


def test_a_municipality_is_no_county_branch() -> None:
    assert not is_county_branch_name("Trondheim - Tråante")
    with pytest.raises(ValueError):
        county_branch_name(" ")
