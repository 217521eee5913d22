"""The contract on the case page: the director's signature, the contract meeting, and the
signed contract as a download for finance and admin only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.builders.cases import ready_for_contract
from tests.e2e.test_cli import transition
from tests.support.pages import page, words
from tests.support.pdf import pdf_text
from tests.support.web import logged_in

pytestmark = pytest.mark.usefixtures("programme_loaded")


@pytest.fixture
def contracted(engine: Engine) -> str:
    ready_for_contract(engine, "0301")
    transition(engine, "contract", "2024-06-20")
    return "0301"


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_and_admin_download_the_signed_contract_from_the_case_page(
    engine: Engine, contracted: str, role: str
) -> None:
    client = logged_in(engine, role)
    tree = page(client, "/cases/0301")
    [link] = tree.xpath('//dd[@id="signed-contract"]/a')
    assert link.get("href") == "/cases/0301/contract.pdf"
    assert link.text == "signert-kontrakt-regionale-2024-2025-0301.pdf"
    assert "lagret 10. juni 2024" in words(tree, '//dd[@id="signed-contract"]')
    response = client.get("/cases/0301/contract.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert (
        'filename="signert-kontrakt-regionale-2024-2025-0301.pdf"'
        in (response.headers["content-disposition"])
    )
    assert "kulturskoleleder: Per Leder" in pdf_text(response.content)


def test_a_viewer_sees_that_the_contract_is_stored_but_may_not_download_it(
    engine: Engine, contracted: str
) -> None:
    client = logged_in(engine, "viewer")
    tree = page(client, "/cases/0301")
    assert not tree.xpath('//dd[@id="signed-contract"]/a')
    assert "signert-kontrakt-regionale-2024-2025-0301.pdf" in words(
        tree, '//dd[@id="signed-contract"]'
    )
    assert client.get("/cases/0301/contract.pdf").status_code == 403


def test_the_case_page_shows_the_directors_signature_and_the_contract_meeting(
    engine: Engine, contracted: str
) -> None:
    tree = page(logged_in(engine, "viewer"), "/cases/0301")
    facts = words(tree, '//section[@id="application"]')
    assert "Signert av direktøren 10. juni 2024 av Morten Christiansen" in facts
    meeting = words(tree, '//dd[@id="contract-meeting"]')
    assert meeting.startswith("01.08.2024 kl. 09.00–10.00")
    assert "med Åste Selnæs Domaas: planlagt" in meeting
    timeline = words(tree, '//section[@id="timeline"]')
    assert "Avtalen signert av direktøren" in timeline
    assert "Signert kontrakt lagret" in timeline
    assert "Avtale- og kontraktsmøte planlagt" in timeline


def test_without_a_signed_contract_the_download_says_why(engine: Engine) -> None:
    ready_for_contract(engine, "0301")
    client = logged_in(engine, "finance")
    assert "ikke lagret" in words(page(client, "/cases/0301"), '//dd[@id="signed-contract"]')
    response = client.get("/cases/0301/contract.pdf")
    assert response.status_code == 404
    assert "har ingen signert kontrakt ennå" in response.text
    assert client.get("/cases/9999/contract.pdf").status_code == 404
