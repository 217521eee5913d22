"""The case page's timeline in words: each kind of history entry said in Norwegian, with the
people, advisors, events, visits and mail its ids point to; and the chain check's findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kulturskole.web.labels import ACTIONS
from kulturskole.web.pages.case import chain_problem
from kulturskole.web.timeline import DESCRIBE, timeline


def page(*entries: dict[str, Any], **extra: Any) -> dict[str, Any]:
    history = [
        {
            "seq": seq,
            "at": "2024-09-24T07:00:00.000000Z",
            "effective_on": "2024-09-24",
            "actor": "tester",
            "from_state": None,
            "to_state": None,
            "reason": None,
            "details": {},
            "flow_run_id": None,
            **entry,
        }
        for seq, entry in enumerate(entries, start=1)
    ]
    return {
        "history": history,
        "actors": {},
        "people": {7: "Ola Koordinator", 8: "Kommunedirektør Hansen", 9: "Per Leder"},
        "advisors": {3: "Anne Berg", 4: "Bjørn Dal"},
        "events": {"visit-window-1": "Veiledningsbesøk 1", "joint-gathering-1": "Fellessamling 1"},
        "visits": [{"id": 5, "window": "visit-window-1", "start": "2024-09-30T10:00:00+02:00"}],
        "mail": [{"id": 11, "subject": "Velkommen til programmet"}],
        **extra,
    }


def said(action: str, details: dict[str, Any], **entry: Any) -> list[str]:
    [item] = timeline(page({"action": action, "details": details, **entry}))
    return [line["text"] for line in item["lines"]]


def test_every_action_with_details_is_described() -> None:
    quiet = {"role-mapping-done"}  # nothing to say beyond its title
    assert set(ACTIONS) - set(DESCRIBE) == quiet


@pytest.mark.parametrize(
    ("action", "details", "lines"),
    [
        (
            "member-added",
            {"member_id": 1, "person_id": 7, "role": "coordinator"},
            ["Ola Koordinator – Koordinator"],
        ),
        (
            "member-changed",
            {"member_id": 1, "person_id": 7, "role": "other", "changed": ["phone", "role"]},
            ["Ola Koordinator – Annen rolle", "Endret: telefon, rolle"],
        ),
        (
            "signed",
            {
                "chief_executive_person_id": 8,
                "culture_school_head_person_id": 9,
                "signed_on": "2024-06-10",
            },
            [
                "Kommunedirektør: Kommunedirektør Hansen",
                "Kulturskoleleder: Per Leder",
                "Signert 10. juni 2024",
            ],
        ),
        (
            "advisor-assigned",
            {"advisor_id": 4, "previous_advisor_id": 3, "how": "by county"},
            ["Veileder: Bjørn Dal (før: Anne Berg), etter fylke"],
        ),
        (
            "visit-scheduled",
            {
                "visit": 5,
                "window": "visit-window-1",
                "advisor_id": 3,
                "start": "2024-09-30T10:00:00+02:00",
                "mode": "physical",
            },
            ["Veiledningsbesøk 1: 30.09.2024 kl. 10.00, fysisk, med Anne Berg"],
        ),
        ("visit-done", {"visit": 5}, ["Veiledningsbesøk 1, 30.09.2024 kl. 10.00"]),
        (
            "attendance-recorded",
            {"event": "joint-gathering-1", "present": 3, "previous_present": 2, "members": 1},
            ["Fellessamling 1: 3 til stede (før: 2)", "1 av dem navngitt"],
        ),
        (
            "deliverable-delivered",
            {"what": "development-plan", "delivered_on": "2025-01-21", "filename": "plan.pdf"},
            ["Utviklingsplan levert 21. januar 2025 (plan.pdf)"],
        ),
        (
            "invoice-issued",
            {"series": "fk", "number": 98, "instalment": 1, "amount_ore": 666667, "kid": "984"},
            ["Faktura 98, avdrag 1: 6\xa0666,67\xa0kr", "KID 984"],
        ),
        (
            "payment-received",
            {
                "series": "fk",
                "number": 98,
                "amount_ore": 400000,
                "balance_ore": 266667,
                "reference": "ocr:1:1:1",
            },
            [
                "Innbetaling til faktura 98: 4\xa0000,00\xa0kr, restbeløp 2\xa0666,67\xa0kr",
                "Ref. ocr:1:1:1",
            ],
        ),
        (
            "invoice-credited",
            {"series": "fk", "invoice": 98, "credit_note": 99, "amount_ore": 666667},
            ["Faktura 98 kreditert med kreditnota 99: 6\xa0666,67\xa0kr"],
        ),
        (
            "payment-reminder-sent",
            {
                "series": "fk",
                "number": 98,
                "reminder": 2,
                "balance_ore": 466667,
                "new_due_date": "2024-11-23",
            },
            [
                "Betalingspåminnelse 2 for faktura 98: 4\xa0666,67\xa0kr utestående",
                "Ny forfallsdato 23. november 2024",
            ],
        ),
        (
            "refund-due",
            {"series": "fk", "invoice": 98, "credit_note": 99, "amount_ore": 250000},
            ["Til tilbakebetaling for faktura 98: 2\xa0500,00\xa0kr"],
        ),
        (
            "refund-paid",
            {"invoice": 98, "amount_ore": 250000, "paid_on": "2024-10-25", "reference": "U-1"},
            ["Tilbakebetalt 2\xa0500,00\xa0kr for faktura 98 25. oktober 2024", "Ref. U-1"],
        ),
        (
            "breach-opened",
            {"breach": 2, "rule": "coordinator-meetings", "remedy_by": "2024-09-05"},
            ["Deltakelse på koordinatorsamlinger", "Frist for å rette opp: 5. september 2024"],
        ),
        (
            "mail-sent",
            {"message": 11, "template": "welcome", "attempts": 2},
            ["Velkommen: «Velkommen til programmet» (forsøk 2)"],
        ),
        ("terminate", {"initiated_by": "leadership"}, ["Initiativ: Kommunens ledelse"]),
    ],
)
def test_an_entry_is_said_in_words(action: str, details: dict, lines: list[str]) -> None:
    assert said(action, details) == lines


def test_an_invoice_line_links_to_its_pdf() -> None:
    [item] = timeline(page({"action": "invoice-paid", "details": {"series": "fk", "number": 98}}))
    assert item["lines"][0]["href"] == "/invoices/fk/98/pdf"


def test_the_decider_and_the_actor_are_named_when_they_are_console_accounts() -> None:
    details = {"breach": 2, "rule": "group-composition", "decision": "approve"}
    details["decided_by"] = "kari@kulturskoleradet.no"
    [item] = timeline(
        page(
            {"action": "breach-decided", "details": details, "actor": "kari@kulturskoleradet.no"},
            actors={"kari@kulturskoleradet.no": "Kari Admin"},
        )
    )
    assert item["actor"] == "Kari Admin" and item["actor_id"] == "kari@kulturskoleradet.no"
    assert item["lines"][-1]["text"] == "Avslutning godkjent av Kari Admin"


def test_an_unknown_action_and_unknown_ids_are_shown_as_they_are() -> None:
    [item] = timeline(page({"action": "something-new", "details": {"x": [1, 2]}}))
    assert item["title"] == "something-new" and item["lines"] == []
    assert item["details"] == [("x", "[1, 2]")]
    assert said("member-removed", {"person_id": 99, "role": "elected"}) == [
        "person 99 – Folkevalgt"
    ]


def test_mail_entries_are_minor_and_a_flow_run_without_prefect_has_no_link(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PREFECT_UI_URL", raising=False)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    # no local server either (a developer's `kulturskole server start` in this checkout)
    monkeypatch.setenv("KULTURSKOLE_PREFECT_DIR", str(tmp_path / "prefect"))
    [item] = timeline(
        page({"action": "mail-queued", "details": {"message": 11}, "flow_run_id": "abc"})
    )
    assert item["minor"] is True
    assert (item["flow_run_id"], item["flow_run_url"]) == ("abc", None)


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        ({"seq": 3, "problem": "missing (removed)"}, "Hendelse 3 mangler (er fjernet)"),
        (
            {"seq": 4, "problem": "content changed after it was written"},
            "Hendelse 4 er endret etter at den ble skrevet",
        ),
        (
            {"seq": 5, "problem": "does not follow the entry before it"},
            "Hendelse 5 henger ikke sammen med hendelsen før",
        ),
        (
            {"seq": None, "problem": "ends at entry 7, but the case records 8 entries"},
            "Kjeden slutter ved hendelse 7, men saken har registrert 8 hendelser "
            "(de siste er fjernet)",
        ),
    ],
)
def test_the_chain_checks_findings_in_norwegian(problem: dict, text: str) -> None:
    assert chain_problem(problem) == text
