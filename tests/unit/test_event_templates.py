"""The event mail as the municipality (or county branch) reads it: an invitation and a notice of a
time fixed or moved, plain text and HTML; refused without an exact event or its context."""

from __future__ import annotations

from datetime import date

import pytest
from jinja2.exceptions import UndefinedError

from notifications.render import kommune, render
from tests.unit.test_templates import EVENTS, SCRIPT, common

BRANCH = "Norsk kulturskoleråd Trøndelag"


def gathering_5_moved() -> dict:
    return EVENTS["joint-gathering-5"] | {"start": date(2025, 9, 18), "end": date(2025, 9, 19)}


def test_a_county_branch_keeps_its_name_and_is_never_a_kommune() -> None:
    assert kommune(BRANCH) == BRANCH
    assert kommune("Bodø") == "Bodø kommune"


def test_a_county_branch_is_invited_as_a_county_branch() -> None:
    context = common(BRANCH) | {
        "event": EVENTS["inspiration"],
        "applicant": {"kind": "county-branch"},
    }
    rendered = render("event_invitation", context)
    assert rendered.subject == (
        f"Invitasjon til inspirasjonssamling før oppstart 15. mars 2024 – {BRANCH}"
    )
    for body in (rendered.text, rendered.html):
        assert f"Vi inviterer med dette {BRANCH} til" in body
        assert "om hvem fra fylkesavdelingen som deltar" in body
        assert f"{BRANCH} kommune" not in body


def test_a_physical_gathering_moved_says_who_pays_the_travel_and_who_comes() -> None:
    context = common(BRANCH) | {
        "event": gathering_5_moved(),
        "previous": EVENTS["joint-gathering-5"],
        "applicant": {"kind": "county-branch"},
    }
    rendered = render("event_scheduled", context)
    assert rendered.subject == (
        f"Nytt tidspunkt for fellessamling 5: 18.–19. september 2025 – {BRANCH}"
    )
    assert "Hele gruppen skal delta på fellessamlingene." in rendered.text
    assert "<strong>18.–19. september 2025</strong>, ikke 11.–12. september 2025" in rendered.html


def test_an_invitation_to_a_physical_event_says_what_the_programme_pays() -> None:
    event = EVENTS["inspiration"] | {"mode": "physical"}
    context = common() | {"event": event, "applicant": {"kind": "municipality"}}
    text = render("event_invitation", context).text
    assert "Form: fysisk samling" in text
    assert (
        "Reise og overnatting dekkes av kommunen selv. Programmet dekker faglig innhold og "
        "dagpakker på samlingen." in text
    )


def test_a_visit_window_fixed_promises_its_own_invitation_and_no_form() -> None:
    window = EVENTS["visit-window-4"] | {
        "tentative": False,
        "start": date(2025, 6, 2),
        "end": date(2025, 6, 20),
    }
    context = common() | {
        "event": window,
        "previous": EVENTS["visit-window-4"],
        "applicant": {"kind": "municipality"},
    }
    rendered = render("event_scheduled", context)
    assert "fastsatt: 2.–20. juni 2025. I tidsplanen stod det tidligere «Juni eller august" in (
        rendered.text
    )
    assert "Dere får en egen invitasjon til veiledningen med dag og klokkeslett." in rendered.text
    assert "Form:" not in rendered.text and ">Form<" not in rendered.html


def test_what_the_file_wrote_is_escaped_in_html() -> None:
    previous = EVENTS["coordinator-meeting-5"] | {"when": SCRIPT}
    event = previous | {"tentative": False, "start": date(2025, 8, 27), "end": date(2025, 8, 27)}
    context = common() | {
        "event": event,
        "previous": previous,
        "applicant": {"kind": "municipality"},
    }
    rendered = render("event_scheduled", context)
    assert SCRIPT not in rendered.html and "&lt;script&gt;" in rendered.html
    assert SCRIPT in rendered.text


@pytest.mark.parametrize("name", ["event_invitation", "event_scheduled"])
def test_a_tentative_event_is_refused(name: str) -> None:
    context = common() | {
        "event": EVENTS["sharing-arena"],
        "previous": EVENTS["sharing-arena"],
        "applicant": {"kind": "municipality"},
    }
    with pytest.raises(ValueError, match="needs an exact event"):
        render(name, context)


def test_the_applicant_must_be_given() -> None:
    with pytest.raises(UndefinedError, match="applicant"):
        render("event_invitation", common() | {"event": EVENTS["inspiration"]})
