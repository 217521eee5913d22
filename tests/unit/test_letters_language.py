"""What a municipality receives reads as a Norwegian public body writes (issue 13, "Language and
facts in the mails"): one test per finding, on the rendered text, plain and HTML; and a spell
list of what must never appear in any mail, run over every golden sample."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from email import message_from_bytes
from email import policy as email_policy
from html import unescape
from types import SimpleNamespace
from typing import Any

import pytest

from kulturskole.names import written_name
from models.definition import Rule
from notifications.compose import compose
from notifications.outbox import reply_to_for
from notifications.render import (
    TEMPLATES,
    i_tid,
    klokkeslett,
    klokkeslett_fra_til,
    kommune,
    kommune_fullt,
    kroner,
    liten_forbokstav,
    naar,
    naar_i_setning,
    render,
    render_document,
    setning,
    tall,
    tidsrom,
)
from tests.golden.contexts import ADVISOR, CONTEXTS, OSLO, common, event, samples


def rendered(kind: str, **overrides: Any):  # noqa: ANN201
    return render(kind, CONTEXTS[kind]() | overrides)


def visible(html: str) -> str:
    """The text an HTML body shows: the head dropped, block tags as line breaks, inline tags
    removed, entities read."""
    body = html.split("<body", 1)[1].split(">", 1)[1]
    text = re.sub(r"</?(?:p|div|td|th|tr|li|ul|ol|h\d|table|tbody|thead|br)\b[^>]*>", "\n", body)
    text = re.sub(r"<[^>]+>", "", text)
    return unescape(text)


def both(result: Any) -> tuple[str, str]:
    """The plain text and the HTML's visible text, each on one line per paragraph."""
    return result.text, re.sub(r"[ \t\r\n]+", " ", visible(result.html))


def flat(text: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", text)


# --- 1. numbers in words, clock times ----------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "null"),
        (1, "en"),
        (2, "to"),
        (3, "tre"),
        (4, "fire"),
        (5, "fem"),
        (6, "seks"),
        (7, "sju"),
        (8, "åtte"),
        (9, "ni"),
        (10, "ti"),
        (11, "elleve"),
        (12, "tolv"),
        (13, "13"),
        (30, "30"),
    ],
)
def test_numbers_up_to_twelve_are_words(number: int, words: str) -> None:
    assert tall(number) == words


def test_one_takes_the_gender_of_its_noun_and_bad_counts_are_refused() -> None:
    assert tall(1, "n") == "ett" and tall(1, "m") == "en" and tall(2, "n") == "to"
    assert tall(20000) == "20\u00a0000"
    for bad in (True, 2.0, "4"):
        with pytest.raises(TypeError):
            tall(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        tall(-1)
    with pytest.raises(ValueError):
        tall(1, "f")


def test_clock_times_are_written_with_a_dot() -> None:
    assert klokkeslett("9:00") == "09.00" and klokkeslett(time(14, 5)) == "14.05"
    assert klokkeslett(datetime(2024, 10, 8, 8, 0, tzinfo=UTC)) == "10.00"
    assert klokkeslett_fra_til("10:00", "12:30") == "kl. 10.00–12.30"
    start = datetime(2024, 9, 30, 10, 0, tzinfo=OSLO)
    assert tidsrom(start, start.replace(hour=12, minute=30)) == (
        "mandag 30. september 2024 kl. 10.00–12.30"
    )
    assert naar(event("inspiration")) == "15. mars 2024 kl. 09.00–14.00"


@pytest.mark.parametrize("sample", sorted(samples()))
def test_no_mail_writes_a_clock_time_with_a_colon(sample: str) -> None:
    kind, build = samples()[sample]
    result = render(kind, build())
    for body in (result.subject, *both(result)):
        assert not re.search(r"\bkl\. ?\d{1,2}:\d{2}", body), (sample, body)


# --- 2. application received -------------------------------------------------------------------


def test_application_received_says_what_was_received() -> None:
    for body in both(rendered("application_received")):
        assert "Vi bekrefter at vi mottok søknaden 15. april 2024." in body
        assert "mottok den" not in body


# --- 3. selected -------------------------------------------------------------------------------


def test_selected_asks_for_at_least_four_members_in_words() -> None:
    for body in both(rendered("selected")):
        assert "en kommunegruppe med minst fire deltakere" in body
        assert "minst 4" not in body


def test_a_subject_reaches_the_reader_with_single_spaces() -> None:
    result = rendered("selected")
    assert result.subject == (
        "Rana kommune er valgt ut til Fremtidens kulturskole – regionale program 2024–2025"
    )
    row = SimpleNamespace(
        to=[{"name": "Kari Nordmann", "address": "kari@rana.kommune.no"}],
        cc=[],
        reply_to={"name": "Åste Selnæs Domaas", "address": "aste.domaas@kulturskoleradet.no"},
        subject=result.subject,
        created_at=datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
        message_id="<1@kulturskoleradet.no>",
        text_body=result.text,
        html_body=result.html,
        attachments=[],
    )
    wire = compose(row, "Norsk kulturskoleråd <ikke-svar@kulturskoleradet.no>").as_bytes()  # type: ignore[arg-type]
    head = wire.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    parsed = message_from_bytes(wire, policy=email_policy.default)
    assert parsed["Subject"] == result.subject and "  " not in parsed["Subject"]
    assert parsed["Reply-To"] == "Åste Selnæs Domaas <aste.domaas@kulturskoleradet.no>"


# --- 4. reminders ------------------------------------------------------------------------------


def test_a_reminder_names_the_event_in_a_sentence_with_day_date_and_days_in_words() -> None:
    text, html = both(rendered("reminder"))
    for body in (text, html):
        assert "Vi minner om koordinatorsamling 1 onsdag 21. august 2024, om sju dager." in body
        assert "Samlingen er digital. Den varer 2,5 timer." in body
        assert "om 7 dager" not in body and "Koordinatorsamling 1," not in body


def test_a_reminder_tomorrow_and_of_a_physical_gathering() -> None:
    kind, build = samples()["reminder-joint-gathering"]
    for body in both(render(kind, build())):
        assert (
            "Vi minner om fellessamling 1: oppstart av regionale program i morgen, "
            "24.–25. september 2024." in body
        )
        assert "Samlingen er fysisk, og hele kommunegruppen skal delta." in body
        assert "Kommunen dekker selv reise og overnatting i forbindelse med samlingen." in body


def test_a_reminder_whose_mode_is_open_says_so_in_a_sentence() -> None:
    for body in both(rendered("reminder", event=event("coordinator-meeting-6"), days_before=3)):
        assert "Vi minner om koordinatorsamling 6 15.–16. oktober 2025, om tre dager." in body
        assert "Det er ennå ikke avklart om samlingen blir fysisk eller digital" in body
        assert "ikke avklart)" not in body and "Form:" not in body


# --- 5. welcome --------------------------------------------------------------------------------


def test_the_welcome_lists_only_what_is_ahead_and_phrases_open_times_naturally() -> None:
    for body in both(rendered("welcome")):
        assert "Inspirasjonssamling" not in body
        assert "Onsdag 21. august 2024" in body and "Koordinatorsamling 1" in body
        assert "(ikke avklart)" not in body and "ikke avklart" not in body
        assert ". Fysisk veiledningsbesøk" not in body
        assert "Tidspunkter som ikke er endelig fastsatt" not in body
        assert "Der tidspunktet ennå ikke er fastsatt" in body
        assert "fysisk veiledningsbesøk eller nettmøte med veileder" in body.casefold()


def test_the_welcome_names_the_group_and_the_advisor() -> None:
    for body in both(rendered("welcome")):
        assert "Kari Nordmann, koordinator" in body and "Per Olsen, kulturskoleleder" in body
        assert "Siri Berg, skoleeier" in body
        assert (
            "Veilederen deres er Ola Hansen (ola.hansen@kulturskoleradet.no, tlf. 900 12 345)"
            in body
        )
    kind, build = samples()["welcome-no-advisor"]
    for body in both(render(kind, build())):
        assert "Vi presenterer veilederen for dere i en egen e-post" in body
        assert "Ola Hansen" not in body
    for body in both(rendered("welcome", members=[])):
        assert "Vi har ennå ikke fått oversikten over kommunegruppen" in body


def test_the_welcome_says_what_the_fee_covers_and_what_the_municipality_pays() -> None:
    for body in both(rendered("welcome")):
        assert (
            "Programmet dekker veiledningsstøtte, faglig innhold og dagpakker på samlingene."
            in body
        )
        assert "Deltakeravgiften er 20\u00a0000\u00a0kroner for hele programperioden" in body
        assert "Den faktureres i tre avdrag." in body
        assert (
            "Kommunen dekker selv reise og overnatting i forbindelse med samlingene, "
            "og eventuelle lønns- og vikarkostnader." in body
        )


def test_the_welcome_announces_the_plans_due_dates() -> None:
    for body in both(rendered("welcome")):
        assert (
            "Kommunegruppen skal lage en langsiktig møteplan innen 31. oktober 2024 og en "
            "utviklingsplan for programperioden innen 31. januar 2025." in body
        )
    only = rendered("welcome", meeting_plan_due=None)
    assert "lage en utviklingsplan for programperioden innen 31. januar 2025." in only.text
    neither = rendered("welcome", meeting_plan_due=None, development_plan_due=None)
    assert "Planer dere skal levere" not in neither.text


# --- 6. visits ---------------------------------------------------------------------------------


def test_the_visit_reminder_does_not_charge_travel_and_reports_absence_to_the_advisor() -> None:
    kind, build = samples()["reminder-visit"]
    result = render(kind, build())
    assert result.subject == "Påminnelse: veiledningsbesøk tirsdag 8. oktober 2024 kl. 10.00–12.30"
    for body in both(result):
        assert (
            "Vi minner om veiledningsbesøket tirsdag 8. oktober 2024 kl. 10.00–12.30, "
            "om sju dager." in body
        )
        assert "Veilederen kommer til dere." in body
        assert "Reise og overnatting" not in body and "reise og overnatting" not in body
        assert (
            "Får dere forfall, gi beskjed til veilederen, Ola Hansen "
            "(ola.hansen@kulturskoleradet.no" in body
        )
        assert "Gi beskjed til Åste" not in body
    assert result.text.count("Ola Hansen\nveileder, Norsk kulturskoleråd") == 1  # signed by them
    kind, build = samples()["reminder-visit-digital"]
    for body in both(render(kind, build())):
        assert "Vi minner om nettmøtet med veilederen tirsdag 8. oktober 2024" in body
        assert "Lenken får dere av veilederen før møtet." in body


def test_visit_mails_use_dotted_times_and_the_cancellation_offers_a_new_time() -> None:
    text, html = both(rendered("visit_invitation"))
    assert "Tid: tirsdag 8. oktober 2024 kl. 10.00–12.30" in text
    assert "Tid tirsdag 8. oktober 2024 kl. 10.00–12.30" in html
    for body in both(rendered("visit_changed")):
        assert "som var satt til tirsdag 1. oktober 2024 kl. 10.00, er endret" in body
    for body in both(rendered("visit_cancelled")):
        assert "tirsdag 8. oktober 2024 kl. 10.00–12.30 er avlyst." in body
        assert "for å avtale et nytt tidspunkt" in body
    ended = rendered("visit_cancelled", reason=None, reason_kind="termination")
    for body in both(ended):
        assert "avtale et nytt tidspunkt" not in body
        assert "det blir derfor ikke flere veiledningsbesøk" in body


def test_no_visit_mail_prints_a_missing_phone() -> None:
    visit = CONTEXTS["visit_invitation"]()["visit"]
    visit["advisor"] = {**ADVISOR, "phone": None}
    for kind in ("visit_invitation", "visit_changed", "visit_cancelled"):
        for body in both(rendered(kind, visit=visit)):
            assert "None" not in body and "tlf." not in body.split("Kontaktperson")[0]


# --- 7. completion -----------------------------------------------------------------------------


def test_the_completion_says_when_the_sharing_arena_is() -> None:
    for body in both(rendered("completion")):
        assert "på en delingsarena i januar 2026, uke 2–3 eller 4." in body
    exact = {**event("sharing-arena"), "tentative": False, "when": None}
    exact |= {"start": date(2026, 1, 14), "end": date(2026, 1, 14)}
    assert (
        "på en delingsarena onsdag 14. januar 2026."
        in rendered("completion", sharing_arena=exact).text
    )
    assert i_tid("uke 3") == "i uke 3" and i_tid("14.–15. januar 2026") == "14.–15. januar 2026"


# --- 8. municipality names ---------------------------------------------------------------------


def test_municipalities_are_named_as_they_write_themselves() -> None:
    assert kommune("Herøy (Møre og Romsdal)") == "Herøy kommune"
    assert kommune("Rana - Raane") == "Rana kommune"
    assert kommune("Kárášjohka - Karasjok") == "Karasjok kommune"
    assert kommune_fullt("Rana - Raane") == "Rana kommune – Raane"
    assert kommune_fullt("Gáivuotna - Kåfjord - Kaivuono") == (
        "Kåfjord kommune – Gáivuotna – Kaivuono"
    )
    assert kommune_fullt("Herøy (Nordland)") == written_name("Herøy (Nordland)") == "Herøy kommune"


@pytest.mark.parametrize("kind", TEMPLATES)
def test_no_mail_prints_statistics_norways_list_form(kind: str) -> None:
    result = rendered(kind)
    for body in (result.subject, *both(result)):
        assert "Rana - Raane" not in body and "Raane kommune" not in body
    if kind != "reminder":  # a reminder goes to the group; it does not name the municipality
        assert all("Rana kommune" in body for body in both(result)), kind
    context = CONTEXTS[kind]() | {
        "municipality": {"number": "1515", "name": "Herøy (Møre og Romsdal)"}
    }
    result = render(kind, context)
    for body in (result.subject, *both(result)):
        assert "(Møre og Romsdal)" not in body


def test_the_contract_names_the_parties_in_full() -> None:
    html = render_document("contract", common())
    assert '<p class="municipality">Rana kommune – Raane</p>' in html
    assert '<p class="party">Rana kommune – Raane</p>' in html
    assert "Rana - Raane" not in html


# --- 9. Reply-To -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", TEMPLATES)
def test_every_mail_has_someone_to_answer_it(kind: str) -> None:
    answer = reply_to_for(CONTEXTS[kind]())
    assert answer is not None
    if kind.startswith(("visit_", "contract_meeting_")):  # the advisor's (the meeting's host)
        assert (answer.name, answer.address) == ("Ola Hansen", "ola.hansen@kulturskoleradet.no")
    else:
        assert answer.address == "aste.domaas@kulturskoleradet.no"


def test_the_visit_reminder_is_answered_by_the_advisor() -> None:
    kind, build = samples()["reminder-visit"]
    answer = reply_to_for(build())
    assert answer is not None and answer.address == "ola.hansen@kulturskoleradet.no"


# --- 10. formal openings -----------------------------------------------------------------------


def test_the_contract_mail_opens_formally() -> None:
    result = rendered("contract_for_signature")
    assert result.text.startswith(
        "Til Rana kommune – Raane\nv/kommunedirektør og kulturskoleleder\n\nVedlagt følger"
    )
    assert "Hei" not in result.text.split("Vedlagt")[0]
    assert "Til Rana kommune – Raane<br>\nv/kommunedirektør og kulturskoleleder</p>" in result.html
    assert "Hei Kari" not in result.html


def test_any_letter_can_open_formally_from_its_context() -> None:
    result = rendered("selected", formal=True, formal_to="kommunedirektøren")
    assert result.text.startswith("Til Rana kommune – Raane\nv/kommunedirektøren\n\n")
    assert rendered("selected").text.startswith("Hei Kari Nordmann,\n\n")


# --- 11. the spell list ------------------------------------------------------------------------

#: What no mail may say: internal codes, English words, template leftovers, the phrases the
#: issue found. Matched as words (case-sensitive where the Norwegian word differs only by case).
NEVER = [
    *sorted(Rule.__args__),  # the rule codes ("gathering-attendance", …)
    "joint-gathering",
    "coordinator-meeting",
    "visit-window",
    "sharing-arena",
    "chief-executive",
    "culture-school-head",
    "school-owner",
    "physical",
    "None",
    "True",
    "False",
    "undefined",
    "invoice",
    "breach",
    "reminder",
    "welcome",
    "TODO",
    "FIXME",
    "(ikke avklart)",
    "{{",
    "{%",
    "om 7 dager",
    "mottok den",
]
#: Counts that must be in words: "minst 4 deltakere", "om 7 dager", "færre enn 2".
DIGIT_COUNT = re.compile(
    r"\b(?:minst|om|færre enn|i|av|har|med) (?:[0-9]|1[0-2]) "
    r"(?:dager|deltakere|medlemmer|avdrag|uker|måneder|personer|fellessamlinger)\b"
)


def _spelled(text: str) -> list[str]:
    found = []
    for word in NEVER:
        pattern = (
            re.escape(word) if not word[0].isalnum() else rf"(?<![\w-]){re.escape(word)}(?![\w-])"
        )
        if re.search(pattern, text):
            found.append(word)
    found += DIGIT_COUNT.findall(text)
    return found


@pytest.mark.parametrize("sample", sorted(samples()))
def test_the_spell_list_finds_nothing_in_any_mail(sample: str) -> None:
    kind, build = samples()[sample]
    result = render(kind, build())
    text, html = both(result)
    for where, body in (("subject", result.subject), ("text", text), ("html", html)):
        found = _spelled(body)
        assert not found, (sample, where, found)
    for line in [result.subject, *result.text.splitlines()]:
        assert "  " not in line.rstrip(), (sample, line)


def test_the_spell_list_would_catch_what_the_issue_found() -> None:
    assert _spelled("gathering-attendance, brudd 1") == ["gathering-attendance"]
    assert _spelled("Færre enn 2 fra kommunegruppen") == []  # capital: not a running count …
    assert _spelled("som er om 7 dager.") == ["om 7 dager", "om 7 dager"]
    assert _spelled("en kommunegruppe med minst 4 deltakere") == ["minst 4 deltakere"]
    assert _spelled("Form: ikke avklart (ikke avklart)") == ["(ikke avklart)"]
    assert _spelled("Telefon: None") == ["None"]


def test_lower_first_letter_keeps_acronyms() -> None:
    assert liten_forbokstav("Koordinatorsamling 1") == "koordinatorsamling 1"
    assert liten_forbokstav("EHF-faktura") == "EHF-faktura"
    assert naar_i_setning(event("coordinator-meeting-1")) == "onsdag 21. august 2024"
    assert kroner(2000000) == "20\u00a0000\u00a0kroner"


def test_a_reason_typed_without_a_full_stop_is_printed_as_a_sentence() -> None:
    """The administrator's reason ends the letter's "Begrunnelse:" sentence with a full stop."""
    assert setning("mangler dialog med fylkesavdelingen") == "Mangler dialog med fylkesavdelingen."
    assert setning("Kommunegruppen har ikke svart.") == "Kommunegruppen har ikke svart."
    assert setning("Se «Forpliktelser»") == "Se «Forpliktelser»"
    context = CONTEXTS["termination"]()
    context["termination"] = context["termination"] | {"reason": "Kommunegruppen møtte ikke"}
    for body in both(render("termination", context)):
        assert "Kommunegruppen møtte ikke." in body
    context = CONTEXTS["not_selected"]() | {"reason": "Mangler dialog med fylkesavdelingen"}
    for body in both(render("not_selected", context)):
        assert "Mangler dialog med fylkesavdelingen." in body
