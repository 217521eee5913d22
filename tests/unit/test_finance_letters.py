"""The invoice, credit note, payment reminder, warning, termination and post-termination
cancellation letters, and the invoice document, read as a Norwegian public body writes them
(issue 13): each fix asserted on the rendered text, plain and HTML."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2.exceptions import UndefinedError

from kulturskole.invoicing.documents import invoice_html
from kulturskole.invoicing.ehf import ehf_xml
from kulturskole.invoicing.paperwork import invoice_data, stamp
from kulturskole.invoicing.validation import validate
from notifications.breach_text import RULES, evidence_sentences, rule_words
from notifications.render import kroner, render, tall
from notifications.words import event_name, ordenstall
from tests.builders.programmes import programme_in_memory
from tests.unit.test_invoice_paperwork import first_instalment, oslo
from tests.unit.test_templates import context_for

NBSP = "\u00a0"
PROGRAMME = programme_in_memory()
EVENTS = PROGRAMME.events


def read(page: str) -> str:
    """What a reader sees in an HTML body: tags out (inline ones without a space), entities
    resolved, whitespace runs made one space (no-break spaces kept)."""
    page = re.sub(r"<(style|title)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"</?(strong|em|a|span)\b[^>]*>", "", page)
    page = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"[ \t\r\n]+", " ", page).strip()


def bodies(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """The plain text (whitespace made single spaces) and the HTML as read."""
    result = render(name, context)
    return re.sub(r"[ \t\r\n]+", " ", result.text), read(result.html)


def warning(**breach: Any) -> dict[str, Any]:
    context = context_for("obligation_warning")
    context["breach"] = {**context["breach"], **breach}
    return context


def termination(**changes: Any) -> dict[str, Any]:
    context = context_for("termination")
    context["termination"] = {**context["termination"], **changes}
    return context


# --- 1. the invoice mail -------------------------------------------------------------------------


def test_invoice_mail_names_the_instalment_in_words_and_the_fee_in_whole_kroner() -> None:
    for body in bodies("invoice", context_for("invoice")):
        assert (
            "Fakturaen gjelder det første av tre avdrag på deltakeravgiften "
            f"(20{NBSP}000{NBSP}kroner for hele programperioden)." in body
        )
        assert "del 1 av 3" not in body and f"20{NBSP}000,00" not in body
        assert f"Beløp: 6{NBSP}666,67{NBSP}kr" in body or f"Beløp 6{NBSP}666,67{NBSP}kr" in body
    # The subject keeps the short label "avdrag 1 av 3" (a label, not running text)
    subject = render("invoice", context_for("invoice")).subject
    assert "deltakeravgift, avdrag 1 av 3 –" in subject
    third = context_for("invoice")
    third["invoice"] = {**third["invoice"], "instalment": 3}
    assert "det tredje av tre avdrag" in render("invoice", third).text
    single = context_for("invoice")
    single["invoice"] = {**single["invoice"], "instalments": 1}
    text = render("invoice", single).text
    assert "Fakturaen gjelder deltakeravgiften for hele programperioden." in text
    assert "av én avdrag" not in text


# --- 2. the invoice document ---------------------------------------------------------------------


def test_invoice_document_says_what_the_instalment_follows_and_charges_no_vat_rate() -> None:
    invoice = first_instalment()
    stamp(invoice, PROGRAMME, oslo())
    data = invoice_data(PROGRAMME, invoice)
    seen = read(invoice_html(data))
    assert "Gjelder Fellessamling 1, 24.–25. september 2024" in seen
    assert "Leveringssted" not in seen  # the programme file names no place
    assert f"Å betale 6{NBSP}666,67{NBSP}kr" in seen
    assert "(NOK)" not in seen
    assert "Merverdiavgift 0 %" not in seen and "Sum uten merverdiavgift" not in seen
    assert "Merverdiavgift: ingen (selger er ikke registrert i Merverdiavgiftsregisteret)" in seen
    # The EHF still validates, with no event title as a delivery address
    xml = ehf_xml(data)
    assert validate(xml) == []
    assert b"DeliveryLocation" not in xml and b"Gjelder: Fellessamling 1" in xml


# --- 3. credit note and payment reminder ---------------------------------------------------------


def test_credit_note_refund_names_amounts_in_kroner_and_speaks_to_dere() -> None:
    context = context_for(
        "credit_note",
        refund={"amount_ore": 250_000, "invoice_amount_ore": 666_667, "account": None},
    )
    for body in bodies("credit_note", context):
        assert f"Vi har mottatt 2{NBSP}500{NBSP}kroner i betaling for faktura 17" in body
        assert f"(av fakturabeløpet på 6{NBSP}666,67{NBSP}kroner)" in body
        assert "Dette beløpet betaler vi tilbake til dere." in body
        assert "Kreditnotadato" in body
        assert "Spørsmål om kreditnotaen kan rettes til" in body
    # Each paragraph of the plain text stands apart (the refund once ran into the next one)
    text = render("credit_note", context).text
    assert "Resten av fakturaen skal ikke betales.\n\nKreditnotaen sendes bare på e-post" in text
    for ehf in (True, False):
        text = render("invoice", context_for("invoice", ehf=ehf)).text
        assert "(20\u00a0000\u00a0kroner for hele programperioden).\n\nFakturanummer:" in text
        assert "Oppgi KID når dere betaler.\n\nFakturaen sendes" in text


def test_payment_reminder_asks_for_the_outstanding_amount_and_says_dere() -> None:
    second = context_for("payment_reminder")
    second["reminder"] = {**second["reminder"], "ordinal": 2}
    for body in bodies("payment_reminder", second):
        assert (
            f"Vi ber om at det utestående beløpet, 4{NBSP}666,67{NBSP}kroner, betales til "
            "kontonummer 1503.12.34567 innen 23. november 2024." in body
        )
        assert "Oppgi KID 5001000016 når dere betaler." in body
        assert "Har dere betalt i mellomtiden, kan dere se bort fra denne påminnelsen." in body
        assert "Dette er andre påminnelse om fakturaen." in body
        assert "kan du" not in body


# --- 4. the warning letter -----------------------------------------------------------------------


def test_evidence_is_a_plain_sentence_from_the_rules_data() -> None:
    gathering = {"title": EVENTS[2].title, "start": "2024-09-24", "end": "2024-09-25"}
    assert EVENTS[2].id == "joint-gathering-1"
    nobody = {"gatherings": [gathering | {"present": 0, "group": 6, "needed": 6}]}
    assert evidence_sentences("gathering-attendance", nobody, EVENTS, min_group_size=4) == [
        "Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024."
    ]
    two = {"gatherings": [gathering | {"present": 2, "group": 6, "needed": 6}]}
    assert evidence_sentences("gathering-attendance", two, EVENTS, min_group_size=4) == [
        "Bare to av de seks i kommunegruppen deltok på fellessamling 1, 24.–25. september 2024."
    ]
    relaxed = {"gatherings": [gathering | {"present": 1, "group": 6, "needed": 2}]}
    assert evidence_sentences("gathering-attendance", relaxed, EVENTS, min_group_size=4) == [
        "Bare en av de seks i kommunegruppen deltok på fellessamling 1, 24.–25. september 2024; "
        "minst to skal delta."
    ]
    # A breach stored by the older rule (lists of events and counts) reads the same way
    older = {"events": ["joint-gathering-1"], "present": [1], "needed": 2, "text": "Færre enn 2"}
    assert evidence_sentences("gathering-attendance", older, EVENTS, min_group_size=4) == [
        "Bare en fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024; "
        "minst to skal delta."
    ]
    meeting = {"events": ["coordinator-meeting-1"]}
    assert evidence_sentences("coordinator-meetings", meeting, EVENTS, min_group_size=4) == [
        "Koordinatoren deltok ikke på koordinatorsamling 1, 21. august 2024."
    ]
    group = {"members": 3, "coordinators": 0, "school_owner": False}
    assert evidence_sentences("group-composition", group, EVENTS, min_group_size=4) == [
        "Kommunegruppen har tre deltakere; avtalen krever minst fire.",
        "Kommunegruppen har ingen koordinator.",
        "Skoleeier er ikke representert i kommunegruppen.",
    ]
    plan = {"due": "2025-01-31"}
    assert evidence_sentences("development-plan", plan, EVENTS, min_group_size=4) == [
        "Utviklingsplanen skulle vært levert innen 31. januar 2025, og vi har ikke mottatt den."
    ]
    visit = SimpleNamespace(
        start=datetime(2024, 10, 8, 8, 0, tzinfo=UTC),
        end=datetime(2024, 10, 8, 10, 30, tzinfo=UTC),
        mode="physical",
        reason="Ingen møtte.",
    )
    [sentence] = evidence_sentences(
        "visit-missed", {"visits": [7]}, EVENTS, min_group_size=4, visits={7: visit}
    )
    assert sentence.startswith("Veiledningsbesøket tirsdag 8. oktober 2024 kl. 10")
    assert sentence.endswith("ble ikke gjennomført. Registrert årsak: Ingen møtte.")


def test_evidence_without_the_data_falls_back_to_the_rules_own_text() -> None:
    stored = {"text": "Koordinatoren deltok ikke på koordinatorsamling 2."}
    assert evidence_sentences("coordinator-meetings", stored, EVENTS, min_group_size=4) == [
        "Koordinatoren deltok ikke på koordinatorsamling 2."
    ]
    assert evidence_sentences("coordinator-meetings", {}, EVENTS, min_group_size=4) == []


def test_a_warning_for_an_absence_asks_for_an_explanation_and_a_plan_by_the_date() -> None:
    words = rule_words("gathering-attendance")
    context = warning(
        evidence=["Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024."],
        undoable=words.undoable,
        request=words.request,
        remedy_by=date(2024, 10, 10),
    )
    for body in bodies("obligation_warning", context):
        assert "Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024." in body
        assert (
            "Dette kan ikke gjøres om i ettertid. Vi ber derfor om å få en skriftlig redegjørelse "
            "for fraværet og en plan for hvordan kommunegruppen skal delta på de neste "
            "fellessamlingene, innen 10. oktober 2024." in body
        )
        assert "rettet innen" not in body and "Dette bygger vi på" not in body


def test_a_warning_for_what_can_be_put_right_asks_for_it_by_the_date() -> None:
    words = rule_words("development-plan")
    context = warning(
        rule="development-plan",
        evidence=["Utviklingsplanen skulle vært levert innen 31. januar 2025."],
        undoable=words.undoable,
        request=words.request,
        remedy_by=date(2025, 2, 14),
    )
    for body in bodies("obligation_warning", context):
        assert "Vi ber om at dere sender oss utviklingsplanen innen 14. februar 2025." in body
        assert "ikke gjøres om" not in body
        assert "Er forholdet ikke rettet innen fristen, vil programledelsen vurdere" in body


def test_a_rule_that_cannot_terminate_prints_no_termination_threat() -> None:
    words = rule_words("meeting-plan")
    context = warning(
        rule="meeting-plan",
        can_terminate=False,
        evidence=["Den langsiktige møteplanen skulle vært levert innen 31. oktober 2024."],
        undoable=words.undoable,
        request=words.request,
    )
    for body in bodies("obligation_warning", context):
        assert "øyeblikkelig virkning" not in body and "«Forpliktelser»" not in body
        assert "si opp" not in body and "sies opp" not in body and "avslutte" not in body


def test_a_warning_refuses_evidence_given_as_one_string_and_an_unpaid_invoice_threat() -> None:
    with pytest.raises(ValueError, match="list of sentences"):
        render("obligation_warning", warning(evidence="Færre enn 2 fra kommunegruppen deltok"))
    with pytest.raises(ValueError, match="list of sentences"):
        render("obligation_warning", warning(evidence=[]))
    with pytest.raises(ValueError, match="never threatens termination"):
        render("obligation_warning", warning(rule="invoice-overdue", can_terminate=True))


def test_every_rule_has_norwegian_words_and_an_unknown_rule_has_none() -> None:
    for rule, words in RULES.items():
        assert words.about and words.request and "-" not in words.about, rule
    with pytest.raises(ValueError, match="no Norwegian wording"):
        rule_words("some-new-rule")


# --- 5. the termination letter -------------------------------------------------------------------


def test_termination_names_the_warning_it_follows_and_the_instalments_not_invoiced() -> None:
    for body in bodies("termination", termination()):
        assert (
            "og til varselet vi sendte 2. desember 2024 om kommunegruppens deltakelse på "
            "fellessamlingene." in body
        )
        assert "Ingen fra kommunegruppen deltok på fellessamling 2." in body
        assert "Fristen i varselet var 16. desember 2024." in body
        assert (
            "De to gjenstående avdragene av deltakeravgiften, etter fellessamling 3 "
            "(12.–13. februar 2025) og fellessamling 5 (11.–12. september 2025), blir ikke "
            "fakturert." in body
        )
        assert "De to veiledningsbesøkene som var avtalt etter denne datoen, er avlyst" in body
        assert "Takk for innsatsen" not in body
        assert "gathering-attendance" not in body and "brudd 1" not in body


def test_termination_states_one_instalment_left_those_still_invoiced_and_unpaid_invoices() -> None:
    instalments = {
        "total": 3,
        "invoiced": [1],
        "unpaid": [240001, 240002],
        "still_invoiced": [{"number": 2, "regarding": "fellessamling 3 (12.–13. februar 2025)"}],
        "not_invoiced": [{"number": 3, "regarding": "fellessamling 5 (11.–12. september 2025)"}],
    }
    context = termination(instalments=instalments, visits_cancelled=1, warning=None)
    for body in bodies("termination", context):
        assert (
            "Det gjenstående avdraget av deltakeravgiften, etter fellessamling 5 "
            "(11.–12. september 2025), blir ikke fakturert." in body
        )
        assert (
            "Avdraget etter fellessamling 3 (12.–13. februar 2025), som ble holdt mens avtalen "
            "gjaldt, blir fakturert som vanlig." in body
        )
        assert "Fakturaene 240001 og 240002, som alt er sendt, skal betales som vanlig." in body
        assert "Veiledningsbesøket som var avtalt etter denne datoen, er avlyst" in body
        assert "til varselet vi sendte" not in body and "Fristen i varselet" not in body


def test_a_termination_with_nothing_left_to_invoice_says_nothing_of_instalments() -> None:
    nothing = {"total": 3, "invoiced": [1, 2, 3], "unpaid": [], "still_invoiced": []}
    context = termination(instalments=nothing | {"not_invoiced": []}, visits_cancelled=0)
    for body in bodies("termination", context):
        assert "avdrag" not in body and "veiledningsbesøk" not in body


def test_a_termination_context_missing_its_instalments_is_refused() -> None:
    context = termination()
    del context["termination"]["instalments"]
    with pytest.raises(UndefinedError):
        render("termination", context)


# --- 6. a visit cancelled by a termination -------------------------------------------------------


def test_a_visit_cancelled_by_a_termination_offers_no_new_time() -> None:
    context = context_for("visit_cancelled", reason_kind="termination")
    for body in bodies("visit_cancelled", context):
        assert "nytt tidspunkt" not in body
        assert "Avtalen om deltakelse i programmet er avsluttet" in body
    for body in bodies("visit_cancelled", context_for("visit_cancelled")):
        assert "nytt tidspunkt" in body  # an ordinary cancellation still offers one


# --- 7. formal openings --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["obligation_warning", "termination"])
def test_warning_and_termination_open_formally(name: str) -> None:
    result = render(name, context_for(name))
    opening = result.text.split("\n\n")[0]
    assert opening.startswith("Til Trondheim") and "\nv/" in opening
    assert "Hei" not in result.text and ">Hei " not in result.html
    assert read(result.html).count("Til Trondheim") == 1


# --- 8. numbers, amounts and names in running text -----------------------------------------------


def test_numbers_up_to_twelve_in_words_and_whole_kroner() -> None:
    assert [tall(n) for n in (1, 2, 7, 12, 13)] == ["en", "to", "sju", "tolv", "13"]
    assert [ordenstall(n) for n in (1, 2, 3, 12, 13)] == [
        "første",
        "andre",
        "tredje",
        "tolvte",
        "13.",
    ]
    assert kroner(2_000_000) == f"20{NBSP}000{NBSP}kroner"
    assert kroner(666_667) == f"6{NBSP}666,67{NBSP}kroner"
    with pytest.raises(TypeError):
        kroner(20000.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ordenstall(True)
    assert event_name("Fellessamling 1: oppstart av regionale program") == "Fellessamling 1"
    assert event_name("Koordinatorsamling 2", in_sentence=True) == "koordinatorsamling 2"


def test_the_letters_use_the_municipality_name_as_given() -> None:
    for name in ("obligation_warning", "termination", "payment_reminder"):
        context = context_for(name)
        context["municipality"] = {"number": "1515", "name": "Herøy"}
        for body in bodies(name, context):
            assert "Herøy kommune" in body and "Møre og Romsdal" not in body
