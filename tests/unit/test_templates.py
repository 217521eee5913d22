"""Message and document templates (notifications/render.py): every template renders with the real
programme file, subjects stay on one line, HTML escapes what users typed, Babel's exact output."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jinja2.exceptions import UndefinedError
from markupsafe import escape

from kulturskole import PROGRAMMES_DIR
from kulturskole.programme_file import parse_programme_file
from notifications import render as r
from notifications.render import (
    REQUIRED_CONTEXT,
    TEMPLATES,
    TEMPLATES_DIR,
    Rendered,
    dato,
    dato_kort,
    klokkeslett,
    kr,
    naar,
    periode,
    render,
    render_document,
    tidsrom,
    varighet,
)


# Context built from the programme file itself (the product builds it from stored rows).
def programme_context(programme: Any) -> dict[str, Any]:
    """The ``programme`` mapping from a ``kulturskole.programme_file.ProgrammeDefinition``."""
    contract, contact = programme.contract, programme.contact
    return {
        "id": programme.id,
        "title": programme.title,
        "subtitles": list(programme.subtitles),
        "period_start": programme.period.start,
        "period_end": programme.period.end,
        "contract": {
            "place": contract.place,
            "date_text": contract.date_text,
            "director": contract.director,
        },
        "contact": {
            "name": contact.name,
            "title": contact.title,
            "email": contact.email,
            "phone": contact.phone,
        },
        "fee_ore": programme.fee_ore,
    }


def event_context(event: Any) -> dict[str, Any]:
    """An event mapping from a ``kulturskole.programme_file.EventDefinition``."""
    clock = event.time
    return {
        "id": event.id,
        "title": event.title,
        "kind": event.kind,
        "mode": event.mode,
        "start": event.start,
        "end": event.end,
        "tentative": event.tentative,
        "when": event.when,
        "time": {"start": clock.start, "end": clock.end} if clock else None,
        "duration_minutes": event.duration_minutes,
        "note": event.note,
    }


PROGRAMME = parse_programme_file(PROGRAMMES_DIR / "regionale-2024-2025.yaml")
EVENTS = {event.id: event_context(event) for event in PROGRAMME.events}
OSLO = ZoneInfo("Europe/Oslo")
NBSP = "\u00a0"
INJECTION = "\r\nBcc: x@y.no"
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
LINE_BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")

VISIT = {
    "start": datetime(2024, 10, 8, 10, 0, tzinfo=OSLO),
    "end": datetime(2024, 10, 8, 12, 30, tzinfo=OSLO),
    "mode": "physical",
    "location": "Trondheim kulturskole, Olav Tryggvasons gate 5",
    "advisor": {
        "name": "Ola Hansen",
        "email": "ola.hansen@kulturskoleradet.no",
        "phone": "900 12 345",
    },
}

# The agreement and contract meeting (avtale- og kontraktsmøte), with the case's advisor.
MEETING = {
    "start": datetime(2024, 8, 8, 9, 0, tzinfo=OSLO),
    "end": datetime(2024, 8, 8, 10, 0, tzinfo=OSLO),
    "mode": "digital",
    "location": "Nettmøte (lenke sendes før møtet)",
    "host": {
        "name": "Ola Hansen",
        "email": "ola.hansen@kulturskoleradet.no",
        "phone": "900 12 345",
        "advisor": True,
    },
}


def common(name: str = "Trondheim - Tråante", recipient: Any = ...) -> dict[str, Any]:
    context: dict[str, Any] = {
        "programme": programme_context(PROGRAMME),
        "municipality": {"number": "5001", "name": name},
        "council": {"name": "Norsk kulturskoleråd", "website": "https://www.kulturskoleradet.no"},
        "case": {"state": "active"},
    }
    if recipient is not ...:
        context["recipient"] = recipient
    else:
        context["recipient"] = {"name": "Kari Nordmann"}
    return context


def extras() -> dict[str, dict[str, Any]]:
    """Realistic extra context for every message, as the engine would pass it."""
    return {
        "application_received": {
            "applied_on": date(2024, 4, 12),
            "contact": {"name": "Per Olsen"},
        },
        "selected": {"min_group_size": PROGRAMME.participation.min_group_size},
        "not_selected": {
            "reason": "Utviklingsarbeidet er ikke knyttet til fylkesavdelingens utviklingsområde."
        },
        "withdrawn": {"reason": "Kommunen har ikke kapasitet i programperioden."},
        "contract_for_signature": {"attachment_name": "kontrakt-5001.pdf"},
        "welcome": {
            "events": [e for e in EVENTS.values() if e["id"] != "inspiration"],
            "members": [
                {"name": "Kari Nordmann", "role": "koordinator"},
                {"name": "Per Olsen", "role": "kulturskoleleder"},
            ],
            "advisor": dict(VISIT["advisor"]),
            "instalments": PROGRAMME.invoicing.instalments,
            "meeting_plan_due": PROGRAMME.obligations.meeting_plan_due,
            "development_plan_due": PROGRAMME.obligations.development_plan_due,
        },
        "reminder": {"event": EVENTS["joint-gathering-1"], "days_before": 7},
        "invoice": {
            "invoice": {
                "number": "2024-0001",
                "buyer_name": "Eksempel kommune",
                "instalment": 1,
                "instalments": PROGRAMME.invoicing.instalments,
                "amount_ore": 666667,
                "issue_date": date(2024, 9, 26),
                "due_date": date(2024, 10, 26),
                "kid": "5001000016",
                "account": "1503.12.34567",
            },
            "attachment_name": "faktura-2024-0001.pdf",
            "ehf": True,
            "buyer_org_number": "958 935 420",
        },
        "credit_note": {
            "credit_note": {
                "number": 18,
                "buyer_name": "Eksempel kommune",
                "credited_number": 17,
                "credited_issue_date": date(2024, 9, 26),
                "amount_ore": 666667,
                "issue_date": date(2024, 10, 2),
                "reason": "Feil mottaker",
            },
            "attachment_name": "kreditnota-18.pdf",
            "ehf": False,
        },
        "payment_reminder": {
            "reminder": {
                "ordinal": 1,
                "invoice_number": 17,
                "kid": "5001000016",
                "account": "1503.12.34567",
                "amount_ore": 666667,
                "paid_ore": 200000,
                "balance_ore": 466667,
                "issue_date": date(2024, 9, 26),
                "due_date": date(2024, 10, 26),
                "new_due_date": date(2024, 11, 23),
            }
        },
        "visit_invitation": {"visit": dict(VISIT)},
        "visit_changed": {
            "visit": dict(VISIT),
            "previous_start": datetime(2024, 10, 1, 8, 0, tzinfo=UTC),
        },
        "visit_cancelled": {"visit": dict(VISIT), "reason": "Veilederen er syk."},
        "obligation_warning": {
            "breach": {
                "rule": "gathering-attendance",
                "can_terminate": True,
                "rule_text": "Kommunegruppen deltar på alle fellessamlinger og i lokalt arbeid.",
                "evidence": [
                    "Ingen fra kommunegruppen deltok på fellessamling 2, 26.–27. november."
                ],
                "remedy_by": date(2025, 1, 15),
                "undoable": False,
                "request": "en skriftlig redegjørelse for fraværet og en plan",
            }
        },
        "termination": {
            "termination": {
                "reason": "Kommunegruppen har ikke deltatt etter varselet.",
                "initiated_by": "leadership",
                "effective_on": date(2025, 1, 20),
                "warning": {
                    "sent_on": date(2024, 12, 2),
                    "about": "kommunegruppens deltakelse på fellessamlingene",
                    "evidence": ["Ingen fra kommunegruppen deltok på fellessamling 2."],
                    "remedy_by": date(2024, 12, 16),
                },
                "instalments": {
                    "total": 3,
                    "invoiced": [1],
                    "unpaid": [],
                    "still_invoiced": [],
                    "not_invoiced": [
                        {"number": 2, "regarding": "fellessamling 3 (12.–13. februar 2025)"},
                        {"number": 3, "regarding": "fellessamling 5 (11.–12. september 2025)"},
                    ],
                },
                "visits_cancelled": 2,
            }
        },
        "completion": {"sharing_arena": EVENTS["sharing-arena"]},
        "plan_reminder": {"plan": {"what": "meeting-plan", "due": date(2024, 10, 31)}},
        "contract_meeting_invitation": {"meeting": dict(MEETING)},
        "contract_meeting_cancelled": {"meeting": dict(MEETING)},
    }


_EXTRAS_BEFORE_EVENTS = extras


def extras() -> dict[str, dict[str, Any]]:  # noqa: F811  (the event mail appended)
    """With the event mail (notifications.events): an invitation and a notice."""
    exact_meeting = EVENTS["coordinator-meeting-5"] | {
        "tentative": False,
        "start": date(2025, 8, 27),
        "end": date(2025, 8, 27),
    }
    return _EXTRAS_BEFORE_EVENTS() | {
        "event_invitation": {
            "event": EVENTS["inspiration"],
            "applicant": {"kind": "municipality"},
        },
        "event_scheduled": {
            "event": exact_meeting,
            "previous": EVENTS["coordinator-meeting-5"],
            "applicant": {"kind": "municipality"},
        },
    }


def context_for(name: str, **overrides: Any) -> dict[str, Any]:
    return {**common(), **extras()[name], **overrides}


# Strings each message must carry in both its plain text and its HTML body (they say the same).
EXPECTED = {
    "application_received": ["mottok søknaden", "12. april 2024", "Per Olsen", "Trondheim kommune"],
    "selected": [
        "minst fire deltakere",
        "Skoleeier",
        "koordinator",
        "Kartlegge",
        "kulturskoleleder",
    ],
    "not_selected": ["ikke er valgt ut", "fylkesavdelingens utviklingsområde"],
    "withdrawn": ["er trukket", "ikke kapasitet"],
    "contract_for_signature": ["kontrakt-5001.pdf", "kommunedirektør", "kulturskoleleder"],
    "welcome": [
        "august 2024 – desember 2025",
        "24.–25. september 2024",
        "Juni eller august 2025",
        "Kari Nordmann, koordinator",
        "Ola Hansen",
        "31. oktober 2024",
    ],
    "reminder": ["om sju dager", "24.–25. september 2024", "fysisk", "hele kommunegruppen"],
    "invoice": [
        f"6{NBSP}666,67{NBSP}kr",
        f"20{NBSP}000{NBSP}kroner for hele programperioden",
        "det første av tre avdrag",
        "26. oktober 2024",
        "5001000016",
        "1503.12.34567",
        "EHF",
        "faktura-2024-0001.pdf",
    ],
    "credit_note": [
        "kreditnota 18",
        "faktura 17 av 26. september 2024",
        f"6{NBSP}666,67{NBSP}kr",
        "Feil mottaker",
        "skal derfor ikke betales",
    ],
    "payment_reminder": [
        "Vi kan ikke se å ha mottatt betaling for faktura 17 av 26. september 2024",
        "5001000016",
        "1503.12.34567",
        f"6{NBSP}666,67{NBSP}kr",
        f"2{NBSP}000,00{NBSP}kr",
        f"4{NBSP}666,67{NBSP}kr",
        "26. oktober 2024",
        "23. november 2024",
        "Har dere betalt i mellomtiden, kan dere se bort fra denne påminnelsen.",
    ],
    "visit_invitation": ["tirsdag 8. oktober 2024 kl. 10.00–12.30", "Olav Tryggvasons gate 5"],
    "visit_changed": ["tirsdag 1. oktober 2024 kl. 10.00", "tirsdag 8. oktober 2024 kl. 10.00"],
    "visit_cancelled": ["er avlyst", "Veilederen er syk.", "ola.hansen@kulturskoleradet.no"],
    "obligation_warning": [
        "15. januar 2025",
        "øyeblikkelig virkning",
        "«Forpliktelser»",
        "fellessamling 2",
    ],
    "termination": ["øyeblikkelig virkning", "20. januar 2025", "Programledelsen"],
    "completion": ["delingsarena", "i januar 2026, uke 2–3 eller 4", "fullført"],
    "plan_reminder": [
        "langsiktig møteplan",
        "torsdag 31. oktober 2024",
        "«Forpliktelser»",
    ],
    "contract_meeting_invitation": [
        "avtale- og kontraktsmøte",
        "torsdag 8. august 2024 kl. 09",
        "nettmøte",
        "Ola Hansen, veileder",
    ],
    "contract_meeting_cancelled": [
        "er avsluttet",
        "Avtale- og kontraktsmøtet torsdag 8. august 2024 kl. 09",
        "er derfor avlyst",
    ],
}
EXPECTED.update(
    {
        "event_invitation": ["inspirasjonssamling før oppstart", "fredag 15. mars 2024 kl. 09.00"],
        "event_scheduled": [
            "koordinatorsamling 5 nå er fastsatt",
            "onsdag 27. august 2025",
            "«August",
        ],
    }
)


# Formal letters open "Til <kommune>\nv/…", not "Hei <name>,".
FORMAL = {"contract_for_signature", "obligation_warning", "termination"}


# --- the template set --------------------------------------------------------------------------


def test_every_template_has_its_three_files_and_no_file_is_orphaned() -> None:
    assert set(TEMPLATES) == set(REQUIRED_CONTEXT) == set(extras()) == set(EXPECTED)
    assert len(TEMPLATES) == 21
    messages = {
        path.name.removesuffix(".subject.txt") for path in TEMPLATES_DIR.glob("*.subject.txt")
    }
    assert messages == set(TEMPLATES)
    for name in TEMPLATES:
        for suffix in (".subject.txt", ".txt", ".html"):
            assert (TEMPLATES_DIR / f"{name}{suffix}").is_file(), f"{name}{suffix}"
    for path in TEMPLATES_DIR.glob("*.html"):
        assert "|safe" not in path.read_text(encoding="utf-8").replace(" ", ""), path.name


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_renders_with_a_realistic_context(name: str) -> None:
    result = render(name, context_for(name))
    assert isinstance(result, Rendered)
    assert result.subject.strip() and result.text.strip() and result.html.strip()
    if name in FORMAL:
        assert result.text.startswith("Til Trondheim kommune – Tråante\nv/"), result.text[:80]
        assert "Hei " not in result.text and ">Hei " not in result.html
    else:
        assert result.text.startswith("Hei Kari Nordmann,\n\n")
    assert result.text.endswith("\n") and not result.text.endswith("\n\n")
    assert "\n\n\n" not in result.text
    assert "aste.domaas@kulturskoleradet.no" in result.text  # the programme contact
    assert result.html.startswith("<!DOCTYPE html>")
    assert '<html lang="nb">' in result.html
    assert f"<title>{escape(result.subject)}</title>" in result.html
    footer = result.html.rsplit("<tr>", 1)[1]
    assert "Norsk kulturskoleråd" in footer and "Åste Selnæs Domaas" in footer
    assert "aste.domaas@kulturskoleradet.no" in footer and "91 74 65 89" in footer
    for expected in EXPECTED[name]:
        assert expected in result.text, (name, expected)
        assert str(escape(expected)) in result.html, (name, expected)


def test_rendered_is_frozen() -> None:
    result = render("completion", context_for("completion"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.subject = "x"  # type: ignore[misc]


@pytest.mark.parametrize("recipient", [None, {"name": None}, {}, "absent"])
def test_no_recipient_name_greets_hei(recipient: Any) -> None:
    context = context_for("selected")
    if recipient == "absent":
        del context["recipient"]
    else:
        context["recipient"] = recipient
    result = render("selected", context)
    assert result.text.startswith("Hei,\n\n")
    assert '<p style="margin:0 0 16px;">Hei,</p>' in result.html


def test_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown message template 'contract'"):
        render("contract", context_for("selected"))
    with pytest.raises(ValueError, match="unknown document"):
        render_document("welcome", common())


# --- subjects ----------------------------------------------------------------------------------


def _inject_everywhere(name: str, text: str) -> dict[str, Any]:
    """The context of ``name`` with ``text`` appended to every free-text field."""
    context = context_for(name)
    context["municipality"] = {"number": "5001", "name": "Trondheim" + text}
    context["recipient"] = {"name": "Kari" + text}
    if "reason" in context:
        context["reason"] = "Grunn" + text
    if name == "reminder":
        context["event"] = {**context["event"], "title": "Fellessamling 1" + text}
    if name == "invoice":
        context["invoice"] = {
            **context["invoice"],
            "number": "2024-0001" + text,
            "buyer_name": "Trondheim" + text,
        }
    if name == "credit_note":
        context["credit_note"] = {
            **context["credit_note"],
            "reason": "Grunn" + text,
            "buyer_name": "Trondheim" + text,
        }
    if name == "termination":
        context["termination"] = {**context["termination"], "reason": "Grunn" + text}
    if name == "obligation_warning":
        context["breach"] = {**context["breach"], "evidence": ["Bevis" + text]}
    return context


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_subject_never_carries_a_line_break(name: str) -> None:
    result = render(name, _inject_everywhere(name, INJECTION))
    for char in LINE_BREAKS:
        assert char not in result.subject, (name, repr(char))
    assert result.subject == result.subject.strip()
    assert "  " not in result.subject
    # The injected text is still there, harmlessly inline.
    assert "Bcc: x@y.no" in result.subject
    assert re.search(r"(Trondheim|Fellessamling 1|2024-0001) Bcc: x@y\.no", result.subject)


def test_subject_whitespace_is_collapsed_but_no_break_spaces_are_kept() -> None:
    context = context_for("selected")
    context["municipality"] = {"number": "1", "name": "  Bø\u2028i\t\tTelemark\x00 "}
    assert render("selected", context).subject.startswith("Bø i Telemark kommune er valgt ut")
    context["municipality"] = {"number": "1", "name": f"Bø{NBSP}i{NBSP}Telemark"}
    assert render("selected", context).subject.startswith(f"Bø{NBSP}i{NBSP}Telemark kommune ")


# --- escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATES)
def test_html_escapes_what_users_typed_and_text_keeps_it_literal(name: str) -> None:
    result = render(name, _inject_everywhere(name, SCRIPT))
    assert "<script" not in result.html
    assert ESCAPED_SCRIPT in result.html
    assert SCRIPT in result.text
    assert SCRIPT in result.subject  # a subject is plain text; the mail header encodes it


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("not_selected", "reason"),
        ("withdrawn", "reason"),
        ("visit_cancelled", "reason"),
        ("termination", "termination.reason"),
        ("credit_note", "credit_note.reason"),
        ("obligation_warning", "breach.rule_text"),
        ("obligation_warning", "breach.evidence"),
    ],
)
def test_each_reason_field_is_escaped_in_html(name: str, field: str) -> None:
    context = context_for(name)
    value: Any = f"Fordi {SCRIPT} & mer"
    if field == "breach.evidence":  # a list of sentences
        value = [value]
    if "." in field:
        outer, inner = field.split(".")
        context[outer] = {**context[outer], inner: value}
    else:
        context[field] = f"Fordi {SCRIPT} & mer"
    result = render(name, context)
    assert f"Fordi {ESCAPED_SCRIPT} &amp; mer" in result.html
    assert "<script" not in result.html
    assert f"Fordi {SCRIPT} & mer" in result.text


# --- filters: Babel's exact output -------------------------------------------------------------


def test_kr_formats_ore_and_kroner_with_babel_no_break_spaces() -> None:
    assert kr(666667) == "6\u00a0666,67\u00a0kr"
    assert kr(666666) == "6\u00a0666,66\u00a0kr"
    assert kr(Decimal("20000")) == "20\u00a0000,00\u00a0kr"
    assert kr(Decimal("6666.67")) == "6\u00a0666,67\u00a0kr"
    assert kr(2000000) == kr(Decimal("20000.00"))
    assert kr(0) == "0,00\u00a0kr"
    assert kr(5) == "0,05\u00a0kr"


@pytest.mark.parametrize("amount", [6666.67, 20000.0, True, "20000", None])
def test_kr_refuses_float_and_non_money(amount: Any) -> None:
    with pytest.raises(TypeError):
        kr(amount)


def test_kr_refuses_a_fraction_of_an_ore() -> None:
    with pytest.raises(ValueError, match="øre"):
        kr(Decimal("0.001"))
    with pytest.raises(ValueError):
        kr(Decimal("NaN"))


def test_dates_and_times_in_norwegian() -> None:
    assert dato(date(2024, 9, 24)) == "24. september 2024"
    assert dato(date(2025, 12, 1)) == "1. desember 2025"
    assert dato_kort(date(2024, 9, 24)) == "24.09.2024"
    # An aware datetime is read in Europe/Oslo: 22:30 UTC is already the next day there.
    assert dato(datetime(2024, 9, 23, 22, 30, tzinfo=UTC)) == "24. september 2024"
    assert klokkeslett(datetime(2024, 1, 15, 8, 0, tzinfo=UTC)) == "09.00"  # CET
    assert klokkeslett(datetime(2024, 7, 15, 8, 0, tzinfo=UTC)) == "10.00"  # CEST
    assert klokkeslett(time(14, 0)) == "14.00"
    assert klokkeslett("9:00") == "09.00"
    with pytest.raises(ValueError, match="time zone"):
        dato(datetime(2024, 9, 24, 12, 0))
    with pytest.raises(TypeError):
        dato("2024-09-24")
    with pytest.raises(TypeError):
        klokkeslett("25:00")


def test_spans_durations_and_when() -> None:
    assert periode(date(2024, 9, 24), date(2024, 9, 24)) == "24. september 2024"
    assert periode(date(2024, 9, 24), date(2024, 9, 25)) == "24.–25. september 2024"
    assert periode(date(2024, 9, 30), date(2024, 11, 1)) == "30. september – 1. november 2024"
    assert periode(date(2025, 12, 30), date(2026, 1, 2)) == "30. desember 2025 – 2. januar 2026"
    with pytest.raises(ValueError):
        periode(date(2024, 9, 25), date(2024, 9, 24))
    assert varighet(150) == "2,5 timer"
    assert varighet(60) == "en time"
    assert varighet(120) == "to timer"
    assert varighet(45) == "45 minutter"
    assert varighet(100) == "en time og 40 minutter"
    assert naar(EVENTS["inspiration"]) == "15. mars 2024 kl. 09.00–14.00"
    assert naar(EVENTS["coordinator-meeting-1"]) == "21. august 2024 (2,5 timer)"
    assert naar(EVENTS["visit-window-4"]) == "Juni eller august 2025"
    assert naar(EVENTS["coordinator-meeting-5"]) == "August 2025 (2,5 timer)"
    start = datetime(2024, 10, 8, 8, 0, tzinfo=UTC)
    end = datetime(2024, 10, 8, 10, 30, tzinfo=UTC)
    assert tidsrom(start, end) == "tirsdag 8. oktober 2024 kl. 10.00–12.30"


# --- the welcome timetable ---------------------------------------------------------------------


def test_welcome_lists_the_18_events_ahead_and_tentative_when_text() -> None:
    # sent on activation in August: the inspiration gathering of 15 March is past and left out
    events = extras()["welcome"]["events"]
    assert len(events) == 18
    result = render("welcome", context_for("welcome"))
    lines = [line for line in result.text.splitlines() if line.startswith("- ") and ": " in line]
    assert len(lines) == 18
    rows = result.html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")
    assert rows == 18
    for event, line in zip(events, lines, strict=True):
        assert event["title"] in line
        assert str(escape(event["title"])) in result.html
    assert "- 24.–25. september 2024: Fellessamling 1: oppstart av regionale program (fysisk)" in (
        result.text
    )
    tentative = [event for event in events if event["tentative"]]
    assert {event["when"] for event in tentative} == {
        "Juni eller august 2025",
        "August 2025",
        "Januar 2026, uke 2–3 eller 4",
    }
    for event in tentative:
        assert any(line.startswith(f"- {event['when']}") for line in lines), event["when"]
        assert str(escape(event["when"])) in result.html
    for form in ("fysisk", "digitalt, 2,5 timer", "vurderes fysisk"):
        assert f"({form})" in result.text
        assert f">{form[0].upper() + form[1:]}</td>" in result.html
    assert "ikke avklart" not in result.text and "ikke avklart" not in result.html


# --- message details ---------------------------------------------------------------------------


def test_optional_and_none_reasons_are_left_out() -> None:
    result = render("not_selected", context_for("not_selected", reason=None))
    assert "Begrunnelse" not in result.text and "Begrunnelse" not in result.html
    context = context_for("withdrawn")
    del context["reason"]
    result = render("withdrawn", context)
    assert "Oppgitt grunn" not in result.text and "Oppgitt grunn" not in result.html
    result = render("visit_cancelled", context_for("visit_cancelled", reason=None))
    assert "Årsak" not in result.text and "Årsak" not in result.html
    context = context_for("completion")
    del context["sharing_arena"]
    assert "delingsarena." in render("completion", context).text


def test_the_invoice_mail_names_the_channel_really_used() -> None:
    sent = render("invoice", context_for("invoice", ehf=True))
    for body in (sent.text, sent.html):
        assert "sendes som elektronisk faktura (EHF) til organisasjonsnummer 958 935 420" in body
        assert "kopi til orientering" in body and "bare én gang" in body
    alone = render("invoice", context_for("invoice", ehf=False))
    for body in (alone.text, alone.html):
        assert "sendes bare på e-post: PDF-vedlegget er fakturaen" in body
        assert "kopi" not in body
    credit = render(
        "credit_note", context_for("credit_note", ehf=True, buyer_org_number="958 935 420")
    )
    assert "elektronisk kreditnota (EHF) til organisasjonsnummer 958 935 420" in credit.text
    credit = render("credit_note", context_for("credit_note", ehf=False))
    assert "EHF" not in credit.text and "sendes bare på e-post" in credit.text


def test_invoice_mentions_ehf_only_when_sent_as_ehf() -> None:
    assert "EHF" in render("invoice", context_for("invoice", ehf=True)).text
    result = render("invoice", context_for("invoice", ehf=False))
    assert "EHF" not in result.text and "EHF" not in result.html
    assert f"Beløp: 6{NBSP}666,67{NBSP}kr" in result.text
    assert result.subject.startswith("Faktura 2024-0001 – deltakeravgift, avdrag 1 av 3 – ")


def test_reminder_counts_days() -> None:
    tomorrow = render("reminder", context_for("reminder", days_before=1)).text
    assert "oppstart av regionale program i morgen, 24.–25. september 2024." in tomorrow
    today = render("reminder", context_for("reminder", days_before=0)).text
    assert "oppstart av regionale program i dag, 24.–25. september 2024." in today
    meeting = render("reminder", context_for("reminder", event=EVENTS["coordinator-meeting-2"]))
    assert meeting.subject.endswith("Koordinatorsamling 2 – tirsdag 29. oktober 2024")
    assert "Vi minner om koordinatorsamling 2 tirsdag 29. oktober 2024, om sju dager." in (
        meeting.text
    )
    assert "Den varer 2,5 timer." in meeting.text
    assert "koordinatorer" in meeting.text and "reise og overnatting" not in meeting.text


def test_plan_reminder_names_the_plan_and_its_due_date_in_plain_norwegian() -> None:
    meeting = render("plan_reminder", context_for("plan_reminder"))
    assert meeting.subject == (
        "Påminnelse: møteplanen skal leveres innen 31. oktober 2024 – Trondheim kommune"
    )
    assert meeting.text.startswith(
        "Hei Kari Nordmann,\n\nVi minner om at Trondheim kommune skal levere en "
        "langsiktig møteplan for arbeidet mellom fellessamlingene innen torsdag 31. oktober 2024."
    )
    development = render(
        "plan_reminder",
        context_for("plan_reminder", plan={"what": "development-plan", "due": date(2025, 1, 31)}),
    )
    assert development.subject == (
        "Påminnelse: utviklingsplanen skal leveres innen 31. januar 2025 – Trondheim kommune"
    )
    assert "utviklingsplanen for programperioden innen fredag 31. januar 2025" in development.text
    assert "evaluere løsninger, tiltak og måloppnåelse" in development.text
    assert "<strong>fredag 31. januar 2025</strong>" in development.html
    for result in (meeting, development):
        body = result.text + result.html
        for word in ("meeting-plan", "development-plan", "None", "deliverable"):
            assert word not in body
    with pytest.raises(ValueError, match="unknown plan"):
        render(
            "plan_reminder", context_for("plan_reminder", plan={"what": "x", "due": date.today()})
        )


def test_visits_digital_and_invalid_mode() -> None:
    visit = {**VISIT, "mode": "digital", "location": None}
    result = render("visit_invitation", context_for("visit_invitation", visit=visit))
    assert "veiledning på nett" in result.subject
    assert "Form: nettmøte" in result.text and "Lenke: sendes før møtet" in result.text
    assert result.text.rstrip().endswith("https://www.kulturskoleradet.no")
    assert "Ola Hansen\nveileder, Norsk kulturskoleråd" in result.text  # signed by the advisor
    with pytest.raises(ValueError, match="physical"):
        render("visit_invitation", context_for("visit_invitation", visit={**VISIT, "mode": "x"}))


def test_termination_by_coordinator_and_invalid_initiator() -> None:
    context = context_for("termination")
    context["termination"] = {**context["termination"], "initiated_by": "coordinator"}
    result = render("termination", context)
    assert "koordinatoren deres har sagt opp avtalen" in result.text
    assert "Programledelsen" not in result.text
    context["termination"] = {**context["termination"], "initiated_by": "somebody"}
    with pytest.raises(ValueError, match="initiated_by"):
        render("termination", context)


def test_norwegian_letters_survive_in_subject_and_bodies() -> None:
    context = context_for("selected")
    context["municipality"] = {"number": "5058", "name": "Åfjord"}
    context["recipient"] = {"name": "Kjærsti Øvrebø"}
    result = render("selected", context)
    assert result.subject == "Åfjord kommune er valgt ut til " + PROGRAMME.title
    for body in (result.text, result.html):
        assert "Kjærsti Øvrebø" in body and "Åfjord kommune" in body
        assert "Ã" not in body  # no mojibake
    assert '<meta charset="utf-8">' in result.html
    received = render("application_received", context_for("application_received"))
    assert received.subject.startswith("Søknad mottatt – ")


# --- missing context ---------------------------------------------------------------------------

MISSING = [(name, key) for name in TEMPLATES for key in r.COMMON_CONTEXT + REQUIRED_CONTEXT[name]]


@pytest.mark.parametrize(("name", "key"), MISSING)
def test_a_missing_required_key_raises(name: str, key: str) -> None:
    context = context_for(name)
    del context[key]
    with pytest.raises(UndefinedError, match=key):
        render(name, context)


@pytest.mark.parametrize(
    ("name", "outer", "inner"),
    [
        ("invoice", "invoice", "kid"),
        ("invoice", "invoice", "due_date"),
        ("visit_invitation", "visit", "advisor"),
        ("obligation_warning", "breach", "remedy_by"),
        ("termination", "termination", "effective_on"),
        ("selected", "programme", "period_start"),
        ("application_received", "contact", "name"),
    ],
)
def test_a_missing_nested_key_raises(name: str, outer: str, inner: str) -> None:
    context = context_for(name)
    context[outer] = {key: value for key, value in context[outer].items() if key != inner}
    with pytest.raises(UndefinedError):
        render(name, context)


def test_a_missing_event_field_raises() -> None:
    event = {key: value for key, value in EVENTS["joint-gathering-1"].items() if key != "mode"}
    with pytest.raises(UndefinedError):
        render("reminder", context_for("reminder", event=event))


# --- the contract ------------------------------------------------------------------------------


def test_contract_follows_the_source_form() -> None:
    html = render_document("contract.html", common())
    assert html == render_document("contract", common())
    assert '<html lang="nb">' in html and "@page" in html and "@media print" in html
    for expected in [
        "Kontrakt – Regionale program 2024–2025",
        "Utviklingsprogram for Fremtidens kulturskole",
        "Kulturskolen som utviklingsaktør i fremtidens kommune",
        "Med utgangspunkt i Grunnlagsdokumentet",
        "Fremtidens kulturskole Regionale program 2024–2025",
        "har partene inngått avtale om deltakelse for",
        "Trondheim kommune – Tråante",
        "for perioden august 2024 – desember 2025",
        "Sted/dato:",
        "Trondheim august 2024",
        "Morten Christiansen",
        "direktør, Norsk kulturskoleråd",
        "kommunedirektør:",
        "kulturskoleleder:",
    ]:
        assert expected in html, expected


def test_contract_takes_every_fact_from_the_context() -> None:
    context = common(name="Bodø")
    programme = context["programme"]
    programme.update(
        title="Fremtidens kulturskole – regionale program 2026–2027",
        subtitles=["Utviklingsprogram X"],
        period_start=date(2026, 1, 1),
        period_end=date(2027, 6, 30),
        contract={"place": "Oslo", "date_text": "januar 2026", "director": "Kari Direktør"},
    )
    html = render_document("contract", context)
    assert "Kontrakt – Regionale program 2026–2027" in html
    assert "for perioden januar 2026 – juni 2027" in html
    assert "Oslo januar 2026" in html and "Kari Direktør" in html
    assert "Bodø kommune" in html and "Utviklingsprogram X" in html
    for stale in ("2024", "Trondheim", "Morten Christiansen", "Tråante", "august"):
        assert stale not in html, stale


def test_contract_municipality_name_is_not_doubled_and_is_escaped() -> None:
    html = render_document("contract", common(name="Eksempel kommune"))
    assert "Eksempel kommune" in html and "Eksempel kommune kommune" not in html
    html = render_document("contract", common(name=f"Bodø{SCRIPT}"))
    assert "<script" not in html and f"Bodø{ESCAPED_SCRIPT} kommune" in html


def test_contract_needs_the_municipality() -> None:
    context = common()
    del context["municipality"]
    with pytest.raises(UndefinedError, match="municipality"):
        render_document("contract", context)
