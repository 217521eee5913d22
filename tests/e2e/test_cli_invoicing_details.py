"""`kulturskole cases invoicing-details`: set, show, and refusals that change nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.builders.cases import apply_case
from tests.e2e.test_cli import everything, ok, refused
from tests.support.cli import run

DETAILS = (
    "--reference",
    "Bestilling 2024-117",
    "--email",
    "Faktura@Trondheim.Kommune.example.no",
    "--address",
    "Postboks 2300 Torgarden, 7004 Trondheim",
)


@pytest.fixture
def applied(engine: Engine, programme_loaded: str) -> str:
    apply_case(engine, "5001")
    return "5001"


def shown(cli: CliRunner, number: str = "5001") -> dict:
    return json.loads(ok(run(cli, "cases", "invoicing-details", number, "--json")).stdout)


def test_without_options_it_shows_the_defaults_from_the_municipality(
    applied: str, cli: CliRunner
) -> None:
    data = shown(cli)
    assert data["name"] == "Trondheim kommune"  # not SSB's "Trondheim - Tråante"
    assert data["org_number"] == "942110464"
    assert data["peppol_id"] == "0192:942110464"
    assert (data["email"], data["address"], data["reference"]) == (None, [], None)
    assert data["defaults"] == ["name", "org_number", "peppol_id"]
    text = ok(run(cli, "cases", "invoicing-details", "5001")).stdout
    assert "Trondheim kommune (default)" in text and "coordinator's name is used" in text


def test_setting_the_details_stores_normalised_lines_and_writes_history(
    applied: str, cli: CliRunner
) -> None:
    result = ok(run(cli, "cases", "invoicing-details", "5001", *DETAILS, "--as-of", "2024-06-01"))
    assert "5001: changed email, address, reference" in result.stdout
    data = shown(cli)
    assert data["address"] == ["Postboks 2300 Torgarden", "7004 Trondheim"]
    assert data["email"] == "Faktura@trondheim.kommune.example.no"  # domain normalised
    assert data["reference"] == "Bestilling 2024-117"
    again = ok(run(cli, "cases", "invoicing-details", "5001", *DETAILS, "--as-of", "2024-06-01"))
    assert "nothing changed" in again.stdout

    other = ("--orgnr", "974 760 673", "--name", "Trondheim kommune, Kulturenheten")
    ok(run(cli, "cases", "invoicing-details", "5001", *other, "--address", "Gate 1\n7010 Sted"))
    data = shown(cli)
    assert data["org_number"] == "974760673" and data["peppol_id"] == "0192:974760673"
    assert data["name"] == "Trondheim kommune, Kulturenheten"
    assert data["address"] == ["Gate 1", "7010 Sted"] and data["defaults"] == ["peppol_id"]

    history = json.loads(ok(run(cli, "cases", "history", "5001", "--json")).stdout)
    changes = [e for e in history if e["action"] == "invoicing-details-changed"]
    assert [e["details"]["changed"] for e in changes] == [
        ["email", "address", "reference"],
        ["name", "org_number", "address"],
    ]
    assert changes[1]["details"]["org_number"] == "974760673"
    assert "Bestilling" not in json.dumps(history)  # free text may name a person: not copied
    assert ok(run(cli, "audit", "verify")).stdout.startswith("history intact")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--orgnr", "942110465"), "organisation number '942110465' is invalid"),
        (("--orgnr", "12345"), "organisation number '12345' is invalid"),
        (("--email", "faktura@"), "e-mail address 'faktura@' is invalid"),
        (("--peppol-id", "942110464"), "Peppol id '942110464' is invalid"),
        (("--peppol-id", "0192:942110465"), "scheme 0192 takes an organisation number"),
        (("--address", "Postboks 2300 Torgarden"), "must end with the postcode and place"),
        (("--reference", "x" * 101), "longer than 100 characters"),
    ],
)
def test_bad_input_is_refused_with_one_line_and_nothing_changes(
    engine: Engine, applied: str, cli: CliRunner, args: tuple[str, ...], says: str
) -> None:
    before = everything(engine)
    error = refused(run(cli, "cases", "invoicing-details", "5001", *DETAILS, *args))
    assert says in error, error
    assert everything(engine) == before


def test_an_unknown_municipality_or_one_that_has_not_applied_is_refused(
    engine: Engine, applied: str, cli: CliRunner
) -> None:
    before = everything(engine)
    assert "9998" in refused(run(cli, "cases", "invoicing-details", "9998", *DETAILS))
    error = refused(run(cli, "cases", "invoicing-details", "0301", *DETAILS))
    assert "has not applied" in error, error
    assert everything(engine) == before
