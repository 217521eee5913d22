"""The municipalities' own names on invoices, from SSB's list forms and data/kommunenavn.csv."""

from __future__ import annotations

import csv

import pytest

from kulturskole import DATA_DIR
from kulturskole.names import invoice_name, own_name, parallel_names
from models import Municipality


@pytest.mark.parametrize(
    ("ssb", "own", "legal"),
    [
        ("Våler (Østfold)", "Våler", "Våler kommune"),
        ("Våler (Innlandet)", "Våler", "Våler kommune"),
        ("Herøy (Nordland)", "Herøy", "Herøy kommune"),
        ("Trondheim - Tråante", "Trondheim", "Trondheim kommune"),
        ("Kárášjohka - Karasjok", "Karasjok", "Karasjok kommune"),
        ("Snåase - Snåsa", "Snåsa", "Snåsa kommune"),
        ("Porsanger - Porsángu - Porsanki", "Porsanger", "Porsanger kommune"),
        ("Oslo", "Oslo", "Oslo kommune"),
        ("Sør-Varanger", "Sør-Varanger", "Sør-Varanger kommune"),
        ("Midtre Gauldal", "Midtre Gauldal", "Midtre Gauldal kommune"),
    ],
)
def test_the_own_name_drops_the_county_and_picks_the_norwegian_form(
    ssb: str, own: str, legal: str
) -> None:
    assert own_name(ssb) == own
    assert invoice_name(ssb) == legal
    municipality = Municipality(number="0000", name=ssb, county_number="00", county_name="x")
    assert invoice_name(municipality) == legal


def test_the_parallel_names_are_kept_for_letters_that_print_both() -> None:
    assert parallel_names("Trondheim - Tråante") == "Tråante"
    assert parallel_names("Gáivuotna - Kåfjord - Kaivuono") == "Gáivuotna - Kaivuono"
    assert parallel_names("Oslo") is None


def test_every_parallel_name_in_the_reference_data_has_its_own_form_in_the_file() -> None:
    with (DATA_DIR / "kommuner_2024.csv").open(encoding="utf-8") as handle:
        names = [row["navn"] for row in csv.DictReader(handle)]
    parallel = [name for name in names if " - " in name]
    assert len(parallel) == 26
    for name in parallel:
        own = own_name(name)
        assert own != name and " - " not in own, name
        assert own in name.split(" - "), name  # a form SSB gives, not a new spelling
    assert not any(" - " in own_name(n) or "(" in own_name(n) for n in names)


def test_an_unknown_parallel_form_is_kept_as_written_rather_than_guessed() -> None:
    assert own_name("Nyby - Ođđasadji") == "Nyby - Ođđasadji"
