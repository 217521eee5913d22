"""The programme file: the shipped timetable, and errors that name the line and the field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kulturskole import PROGRAMMES_DIR
from kulturskole.errors import InvalidFile
from kulturskole.programme_file import parse_programme_file
from models.definition import ProgrammeDefinition

SHIPPED = PROGRAMMES_DIR / "regionale-2024-2025.yaml"

# A small valid file; each malformed case below changes one line of it.
VALID = """\
id: test-programme
title: "Test"
period:
  start: 2024-08-01
  end: 2025-12-31
contract: {place: Trondheim, date_text: "august 2024", director: "D"}
contact: {name: "N", title: "T", email: "n@example.no", phone: "12 34 56 78"}
fee: "20000.00"
currency: NOK
invoicing:
  instalments: 1
  after: {kind: joint-gathering, mode: physical}
  payment_terms_days: 30
participation: {min_group_size: 4}
events:
  - id: coordinator-meeting-1
    title: "Koordinatorsamling 1"
    kind: coordinator-meeting
    mode: digital
    start: 2024-08-21
    end: 2024-08-21
    weeks: [34]
    time: {start: "09:00", end: "11:30"}
  - id: joint-gathering-1
    title: "Fellessamling 1"
    kind: joint-gathering
    mode: physical
    start: 2024-09-24
    end: 2024-09-25
    weeks: [39]
  - id: sharing-arena
    title: "Delingsarena"
    kind: sharing-arena
    tentative: true
    when: "Januar 2026"
    months: ["2026-01"]
seller: {name: "S", organisation_number: "999999980", bank_account: "99999999987"}
"""


@pytest.fixture(scope="module")
def shipped() -> ProgrammeDefinition:
    return parse_programme_file(SHIPPED)


def event(definition: ProgrammeDefinition, event_id: str):  # noqa: ANN201
    return next(e for e in definition.events if e.id == event_id)


def test_shipped_file_has_the_whole_timetable(shipped: ProgrammeDefinition) -> None:
    assert shipped.id == "regionale-2024-2025"
    assert len(shipped.events) == 19
    assert shipped.events[0].id == "inspiration"
    assert shipped.events[-1].id == "sharing-arena"
    assert (shipped.period.start, shipped.period.end) == (date(2024, 8, 1), date(2025, 12, 31))
    assert shipped.participation.min_group_size == 4
    assert shipped.contact.email == "aste.domaas@kulturskoleradet.no"


def test_shipped_file_has_three_physical_joint_gatherings(shipped: ProgrammeDefinition) -> None:
    physical = [e for e in shipped.events if e.kind == "joint-gathering" and e.mode == "physical"]
    assert [e.end for e in physical] == [date(2024, 9, 25), date(2025, 2, 13), date(2025, 9, 12)]
    assert shipped.invoice_events() == physical
    assert shipped.invoicing.instalments == 3


def test_shipped_fee_is_exact(shipped: ProgrammeDefinition) -> None:
    assert shipped.fee_ore == 2_000_000
    assert isinstance(shipped.fee_ore, int)
    assert shipped.to_json()["fee"] == "20000.00"


def test_shipped_visit_window_1(shipped: ProgrammeDefinition) -> None:
    window = event(shipped, "visit-window-1")
    assert window.weeks == [40, 41, 42, 43, 44]
    assert (window.start, window.end) == (date(2024, 9, 30), date(2024, 11, 1))
    assert window.tentative is False


def test_shipped_tentative_events_have_no_dates(shipped: ProgrammeDefinition) -> None:
    tentative = {e.id: e for e in shipped.events if e.tentative}
    assert set(tentative) == {"visit-window-4", "coordinator-meeting-5", "sharing-arena"}
    for item in tentative.values():
        assert item.start is None and item.end is None and item.when
    assert tentative["visit-window-4"].months == ["2025-06", "2025-08"]
    assert tentative["coordinator-meeting-5"].weeks == [34, 35]
    assert tentative["sharing-arena"].mode is None


def test_shipped_coordinator_meeting_6_is_exact_with_undecided_mode(
    shipped: ProgrammeDefinition,
) -> None:
    meeting = event(shipped, "coordinator-meeting-6")
    assert (meeting.start, meeting.end, meeting.mode) == (
        date(2025, 10, 15),
        date(2025, 10, 16),
        None,
    )
    assert event(shipped, "inspiration").time.model_dump() == {"start": "09:00", "end": "14:00"}


def test_valid_template_parses(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert [e.id for e in parse_programme_file(path).events][-1] == "sharing-arena"


def test_unquoted_times_and_quoted_dates_work(tmp_path: Path) -> None:
    text = VALID.replace('{start: "09:00", end: "11:30"}', "{start: 9:00, end: 11:30}")
    text = text.replace("start: 2024-08-01", 'start: "2024-08-01"')
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    definition = parse_programme_file(path)
    assert definition.events[0].time.model_dump() == {"start": "09:00", "end": "11:30"}
    assert definition.period.start == date(2024, 8, 1)


def refused(tmp_path: Path, old: str, new: str) -> tuple[str, int]:
    """The message for VALID with ``old`` replaced, and the line where ``new`` ends."""
    assert VALID.count(old) == 1, old
    text = VALID.replace(old, new)
    line = VALID[: VALID.index(old)].count("\n") + 1 + new.rstrip("\n").count("\n")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        parse_programme_file(path)
    return str(caught.value), line


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ("start: 2024-09-24", "start: 2024-09-31", "events[1].start", "valid date"),
        ("kind: coordinator-meeting", "kind: meeting", "events[0].kind", "'joint-gathering'"),
        ("end: 2024-09-25", "end: 2024-09-23", "events[1].end", "before start"),
        ('fee: "20000.00"', "fee: 20000.005", "fee", "2 decimal places"),
        ("weeks: [39]", "weeks: [38]", "events[1].weeks", "ISO weeks [39]"),
        ("id: sharing-arena", "id: joint-gathering-1", "events[2].id", "duplicate event id"),
        (
            "kind: sharing-arena",
            "kind: sharing-arena\n    colour: red",
            "events[2].colour",
            "Extra inputs",
        ),
        ("weeks: [34]", "weeks: [54]", "events[0].weeks[0]", "less than or equal to 53"),
        ("instalments: 1", "instalments: 3", "invoicing.instalments", "1 physical"),
        (
            'when: "Januar 2026"',
            'when: "Januar 2026"\n    start: 2026-01-05',
            "events[2].start",
            "tentative event has no start",
        ),
        ("currency: NOK", "currency: EUR", "currency", "'NOK'"),
        ("end: 2025-12-31", "end: 2024-07-31", "period.end", "before start"),
        # Absurd values were accepted and overflowed later (an øre amount, a date, the KID).
        ('fee: "20000.00"', 'fee: "100000000000.00"', "fee", "less than or equal to 1000000"),
        (
            "payment_terms_days: 30",
            "payment_terms_days: 1000000000",
            "invoicing.payment_terms_days",
            "less than or equal to 365",
        ),
        (
            "payment_terms_days: 30",
            "payment_terms_days: 30\n  first_number: 100000000000000000000",
            "invoicing.first_number",
            "less than or equal to 9999999",
        ),
        (
            "instalments: 1",
            "instalments: 1000",
            "invoicing.instalments",
            "less than or equal to 12",
        ),
    ],
)
def test_errors_name_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, reason: str
) -> None:
    message, line = refused(tmp_path, old, new)
    assert message.startswith(f"{tmp_path / 'p.yaml'}:{line}: {field}: "), message
    assert reason in message


def test_missing_title_names_the_event_line(tmp_path: Path) -> None:
    message, line = refused(tmp_path, '    title: "Fellessamling 1"\n', "")
    # The title line is gone; the error points at the event it belongs to ("- id: ...").
    event_line = VALID.splitlines().index("  - id: joint-gathering-1") + 1
    assert message.endswith(f":{event_line}: events[1].title: Field required"), message


def test_several_errors_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        VALID.replace("kind: joint-gathering\n", "kind: party\n").replace(
            "min_group_size: 4", "min_group_size: 0"
        ),
        encoding="utf-8",
    )
    with pytest.raises(InvalidFile) as caught:
        parse_programme_file(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "participation.min_group_size",
        "events[1].kind",
    ]
    assert lines[0].startswith(f"{path}:14:") and lines[1].startswith(f"{path}:26:")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    message, line = refused(tmp_path, "    mode: physical\n", "    mode: physical: yes\n")
    assert message.startswith(f"{tmp_path / 'p.yaml'}:{line}: not valid YAML"), message


def test_duplicate_key_is_refused(tmp_path: Path) -> None:
    message, line = refused(tmp_path, "    weeks: [39]\n", "    weeks: [39]\n    weeks: [39]\n")
    assert message.startswith(f"{tmp_path / 'p.yaml'}:{line}: events[1].weeks: duplicate key")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="no such file"):
        parse_programme_file(tmp_path / "nope.yaml")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InvalidFile, match=":1: the file is empty"):
        parse_programme_file(path)


@pytest.mark.parametrize(
    ("replaced", "field", "reason"),
    [
        ('organisation_number: "999999981"', "seller.organisation_number", "organisation number"),
        ('bank_account: "99999999988"', "seller.bank_account", "Norwegian bank account"),
    ],
)
def test_seller_numbers_are_checked(tmp_path: Path, replaced: str, field: str, reason: str) -> None:
    key = replaced.split(":")[0]
    good = {"organisation_number": '"999999980"', "bank_account": '"99999999987"'}[key]
    text = VALID.replace(f"{key}: {good}", replaced)
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        parse_programme_file(path)
    assert f"{field}: not a valid {reason}" in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{len(VALID.splitlines())}: ")


def test_shipped_seller_details_are_marked_unverified(shipped: ProgrammeDefinition) -> None:
    assert shipped.seller.verified is False  # test values until finance confirms the real ones
    assert shipped.invoicing.payment_terms_days == 30
