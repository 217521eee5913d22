"""Attendance at gatherings and coordinator meetings, and the deliverables (development plan,
meeting plan): through the services and through the `attendance` and `cases deliver` commands."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidFile, InvalidInput
from kulturskole.history import verify
from kulturskole.obligations.attendance import (
    attendance_of,
    import_attendance,
    record_attendance,
)
from kulturskole.obligations.deliverables import MAX_BYTES, deliver
from kulturskole.services import cases as service
from models import Attendance, Case, Deliverable, HistoryEntry
from tests.builders.cases import apply_case
from tests.builders.invoicing import active, fire, on
from tests.builders.programmes import PROGRAMME_ID
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")

OLA = "ola@kommune.example.no"
EVA = "eva@kommune.example.no"
PER = "per@kommune.example.no"
SIRI = "siri@kommune.example.no"
HEADER = "event,kommunenummer,present,members"
JG1 = "joint-gathering-1"  # 2024-09-24 – 25, physical
DAY_AFTER_JG1 = "2024-09-26"


@pytest.fixture(autouse=True)
def attendance_commands() -> None:
    """The `attendance` group and `cases deliver` on the real app, registered once."""
    from kulturskole.cli import app, cases
    from kulturskole.cli.attendance import register

    if not any(group.name == "attendance" for group in app.registered_groups):
        register(app, cases.cases)


@pytest.fixture
def oslo(engine: Engine) -> None:
    active(engine, "0301")


# --- helpers ----------------------------------------------------------------------------------


def record(engine: Engine, event: str, present: int, members: list[str], day: str, nr="0301"):  # noqa: ANN001, ANN201
    with unit_of_work(engine) as session:
        case = service.find_case(session, nr, for_update=True)
        row = record_attendance(session, case, event, present, members, on(day))
        return (row.id, row.present, list(row.members), row.recorded_at)


def attendance_rows(engine: Engine) -> list[tuple]:
    with unit_of_work(engine, readonly=True) as session:
        return [
            (number, a.event_id, a.present, list(a.members), a.recorded_at)
            for a, number in session.execute(
                select(Attendance, Case.municipality_number)
                .join(Case, Case.id == Attendance.case_id)
                .order_by(Case.municipality_number, Attendance.event_id)
            )
        ]


def deliverable_rows(engine: Engine) -> list[tuple]:
    with unit_of_work(engine, readonly=True) as session:
        return [
            (d.what, d.delivered_on, d.filename, bytes(d.content) if d.content else None, d.sha256)
            for d in session.scalars(select(Deliverable).order_by(Deliverable.what))
        ]


def entries(engine: Engine, action: str | None = None) -> list[dict]:
    with unit_of_work(engine, readonly=True) as session:
        query = (
            select(HistoryEntry, Case.municipality_number)
            .join(Case, Case.id == HistoryEntry.case_id)
            .order_by(HistoryEntry.id)
        )
        if action is not None:
            query = query.where(HistoryEntry.action == action)
        return [
            {
                "number": number,
                "action": h.action,
                "effective_on": h.effective_on,
                "reason": h.reason,
                "details": dict(h.details or {}),
            }
            for h, number in session.execute(query)
        ]


def chain_intact(engine: Engine) -> bool:
    with unit_of_work(engine, readonly=True) as session:
        return list(verify(session)) == []


def no_address_in_history(engine: Engine) -> None:
    """Personal data is referred to, never copied: no '@' in any entry's reason or details."""
    for entry in entries(engine):
        text = json.dumps([entry["reason"], entry["details"]], ensure_ascii=False)
        assert "@" not in text, entry


def refused_in_committed_session(engine: Engine, call, error=InvalidInput) -> str:  # noqa: ANN001
    """Run a service call that must be refused in a unit of work that is committed anyway:
    the refusal must come before anything is written."""
    with unit_of_work(engine) as session, pytest.raises(error) as raised:
        call(session)
    return str(raised.value)


def csv_file(tmp_path: Path, *lines: str, name: str = "attendance.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def import_file(engine: Engine, path: Path, day: str = "2024-11-01") -> int:
    with unit_of_work(engine) as session:
        return import_attendance(session, path, on(day), PROGRAMME_ID)


def deliver_(engine: Engine, what: str, day: str, as_of: str, file: Path | None = None) -> None:
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        deliver(session, case, what, date.fromisoformat(day), on(as_of), file)


def ok(result) -> str:  # noqa: ANN001
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def refused(cli, *args: str) -> str:  # noqa: ANN001
    """A command that must be refused: exit code 2 and exactly one `error:` line."""
    result = run(cli, *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# --- recording and correcting -----------------------------------------------------------------


def test_record_then_correct_keeps_the_previous_value_in_the_history(
    engine: Engine, oslo: None
) -> None:
    first = record(engine, JG1, 3, [OLA, EVA], DAY_AFTER_JG1)
    assert first[1:3] == (3, [OLA, EVA])
    corrected = record(engine, JG1, 5, [OLA, EVA, " per@KOMMUNE.Example.NO "], "2024-10-02")
    assert corrected[0] == first[0]  # the same row, corrected
    assert corrected[1:3] == (5, [OLA, EVA, PER])  # addresses normalised (domain lower-cased)
    assert corrected[3] > first[3]
    with unit_of_work(engine, readonly=True) as session:
        rows = attendance_of(session, service.find_case(session, "0301"))
    assert list(rows) == [JG1] and rows[JG1].present == 5

    trail = entries(engine, "attendance-recorded")
    assert [(e["number"], e["effective_on"]) for e in trail] == [
        ("0301", date(2024, 9, 26)),
        ("0301", date(2024, 10, 2)),
    ]
    assert [e["details"] for e in trail] == [
        {"event": JG1, "present": 3, "previous_present": None, "members": 2,
         "previous_members": None},
        {"event": JG1, "present": 5, "previous_present": 3, "members": 3,
         "previous_members": 2},
    ]  # fmt: skip
    assert chain_intact(engine)
    no_address_in_history(engine)


def test_recording_the_same_values_again_changes_nothing_and_writes_no_entry(
    engine: Engine, oslo: None
) -> None:
    first = record(engine, JG1, 4, [OLA, EVA], DAY_AFTER_JG1)
    again = record(engine, JG1, 4, [EVA.upper(), f" {OLA}"], "2024-10-10")  # same people
    assert again == first  # same row, same recorded_at
    assert len(entries(engine, "attendance-recorded")) == 1
    # Changing only who was named is a correction too.
    record(engine, JG1, 4, [OLA], "2024-10-10")
    assert [e["details"]["members"] for e in entries(engine, "attendance-recorded")] == [2, 1]


def test_an_event_counts_from_its_first_day_and_zero_present_may_be_recorded(
    engine: Engine, oslo: None
) -> None:
    message = refused_in_committed_session(
        engine,
        lambda s: record_attendance(s, service.find_case(s, "0301"), JG1, 4, [], on("2024-09-23")),
    )
    assert "starts 2024-09-24, after the effective date 2024-09-23" in message
    assert record(engine, JG1, 0, [], "2024-09-24")[1:3] == (0, [])
    assert record(engine, "coordinator-meeting-1", 1, [OLA], "2024-08-21")[1:3] == (1, [OLA])


ALLOWED_IDS = (
    "coordinator-meeting-1, joint-gathering-1, coordinator-meeting-2, joint-gathering-2, "
    "coordinator-meeting-3, joint-gathering-3, coordinator-meeting-4, joint-gathering-4, "
    "joint-gathering-5, coordinator-meeting-6, joint-gathering-6"
)


@pytest.mark.parametrize(
    ("event", "present", "members", "expected"),
    [
        ("joint-gathering-2", 4, [], "joint-gathering-2 starts 2024-11-26, after the effective"),
        ("joint-gathering-9", 4, [], f"'joint-gathering-9' is not in {PROGRAMME_ID}"),
        ("visit-window-1", 4, [], "visit-window-1 is of kind visit-window, not a joint gathering"),
        ("inspiration", 4, [], "inspiration is of kind inspiration, not a joint gathering"),
        ("coordinator-meeting-5", 4, [], "coordinator-meeting-5 has no exact dates yet"),
        (JG1, 1, [OLA, EVA], "present 1 is fewer than the 2 members named as present"),
        (JG1, -1, [], "present -1 is negative"),
        (JG1, 4, ["ola@"], "e-mail address 'ola@' is invalid"),
        (JG1, 4, [OLA, "Ola@Kommune.Example.No"], "is given twice in members"),
    ],
    ids=[
        "future",
        "unknown",
        "visit-window",
        "inspiration",
        "tentative",
        "fewer-present-than-named",
        "negative",
        "bad-email",
        "duplicate-email",
    ],
)
def test_refused_attendance_changes_nothing(
    engine: Engine, oslo: None, event: str, present: int, members: list[str], expected: str
) -> None:
    record(engine, JG1, 4, [SIRI], DAY_AFTER_JG1)
    rows, trail = attendance_rows(engine), entries(engine)
    message = refused_in_committed_session(
        engine,
        lambda s: record_attendance(
            s, service.find_case(s, "0301"), event, present, members, on(DAY_AFTER_JG1)
        ),
    )
    assert expected in message
    if event != JG1 and event != "joint-gathering-2":
        assert message.endswith(f"attendance is recorded for one of: {ALLOWED_IDS}")
    assert attendance_rows(engine) == rows
    assert entries(engine) == trail


def test_a_declined_case_has_no_attendance(engine: Engine) -> None:
    apply_case(engine, "1103")
    fire(engine, "1103", "reject", "2024-05-15", reason="Ikke valgt ut")
    message = refused_in_committed_session(
        engine,
        lambda s: record_attendance(s, service.find_case(s, "1103"), JG1, 4, [], on("2024-10-01")),
    )
    assert "1103 did not take part" in message
    assert attendance_rows(engine) == []


# --- importing --------------------------------------------------------------------------------


def test_import_records_every_line_and_a_repeat_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    active(engine, "0301", "1101")
    path = csv_file(
        tmp_path,
        f"{JG1},0301,5,{OLA}; {EVA} {PER}",
        "",  # blank lines are skipped
        f" {JG1} , 1101 , 4 ,",
        f'coordinator-meeting-1,0301,1,"{OLA},"',
    )
    assert import_file(engine, path) == 3
    assert [row[:4] for row in attendance_rows(engine)] == [
        ("0301", "coordinator-meeting-1", 1, [OLA]),
        ("0301", JG1, 5, [OLA, EVA, PER]),
        ("1101", JG1, 4, []),
    ]
    trail = entries(engine, "attendance-recorded")
    assert sorted((e["number"], e["details"]["event"], e["details"]["members"]) for e in trail) == [
        ("0301", "coordinator-meeting-1", 1),
        ("0301", JG1, 3),
        ("1101", JG1, 0),
    ]
    assert import_file(engine, path) == 0
    assert len(entries(engine, "attendance-recorded")) == 3

    corrected = csv_file(tmp_path, f"{JG1},1101,6,", f"{JG1},0301,5,{EVA};{OLA};{PER}")
    assert import_file(engine, corrected) == 1
    last = entries(engine, "attendance-recorded")[-1]
    assert (last["number"], last["details"]["present"], last["details"]["previous_present"]) == (
        "1101",
        6,
        4,
    )
    assert chain_intact(engine)
    no_address_in_history(engine)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("visit-window-1,1101,4,", "visit-window-1 is of kind visit-window"),
        ("joint-gathering-7,1101,4,", "'joint-gathering-7' is not in regionale-2024-2025"),
        ("joint-gathering-2,1101,4,", "joint-gathering-2 starts 2024-11-26, after the effective"),
        (f"{JG1},9999,4,", "no municipality 9999 in the register"),
        (f"{JG1},1103,4,", "1103 Stavanger has not applied to regionale-2024-2025"),
        (f"{JG1},1101,fire,", "present 'fire' is not a whole number"),
        (f"{JG1},1101,-2,", "present '-2' is not a whole number"),
        (f"{JG1},1101,1,{OLA} {EVA}", "present 1 is fewer than the 2 members named"),
        (f"{JG1},1101,4,ola.kommune.example.no", "'ola.kommune.example.no' is invalid"),
        (f"{JG1},1101,4,{OLA};{OLA}", "is given twice in members"),
        (f"{JG1},0301,9,", f"{JG1} for kommunenummer 0301 already given on line 2"),
        (f"{JG1},1101,4", "expected 4 fields, found 3"),
    ],
    ids=[
        "visit-window",
        "unknown-event",
        "future-event",
        "unknown-municipality",
        "not-applied",
        "word-for-number",
        "negative",
        "fewer-present-than-named",
        "bad-email",
        "duplicate-email",
        "duplicate-line",
        "missing-field",
    ],
)
def test_import_refuses_the_whole_file_naming_the_first_bad_line(
    engine: Engine, tmp_path: Path, line: str, expected: str
) -> None:
    active(engine, "0301", "1101")
    path = csv_file(tmp_path, f"{JG1},0301,5,{OLA}", line, f"{JG1},1103,x,")
    trail = entries(engine)
    message = refused_in_committed_session(
        engine,
        lambda s: import_attendance(s, path, on("2024-10-01"), None),
        InvalidFile,
    )
    assert message.startswith(f"{path}:3: ") and expected in message, message
    assert attendance_rows(engine) == []  # line 2 was good, and is not written either
    assert entries(engine) == trail


def test_import_names_the_line_a_record_starts_on_after_a_field_spanning_lines(
    engine: Engine, oslo: None, tmp_path: Path
) -> None:
    path = csv_file(tmp_path, f'{JG1},0301,5,"{OLA}\n{EVA}"', "coordinator-meeting-1,0301,x,")
    message = refused_in_committed_session(
        engine, lambda s: import_attendance(s, path, on("2024-10-01"), None), InvalidFile
    )
    assert message.startswith(f"{path}:4: present 'x'"), message
    assert attendance_rows(engine) == []
    (tmp_path / "attendance.csv").write_text(f'{HEADER}\n{JG1},0301,5,"{OLA}\n{EVA}"\n')
    assert import_file(engine, path) == 1
    assert [row[3] for row in attendance_rows(engine)] == [[OLA, EVA]]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("event,kommunenummer,present\njoint-gathering-1,0301,4\n", ":1: the header must be"),
        (f"{HEADER}\n\n", ": no attendance in the file"),
        (f"{HEADER}\n{JG1},0301,4,\n".encode() + b"\xff\n", ":3: not UTF-8 text"),
        (None, ": no such file"),
    ],
    ids=["header", "empty", "not-utf8", "missing"],
)
def test_import_refuses_a_file_it_cannot_read(
    engine: Engine, oslo: None, tmp_path: Path, content: str | bytes | None, expected: str
) -> None:
    path = tmp_path / "attendance.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidFile) as raised:
        import_file(engine, path, "2024-10-01")
    assert str(raised.value).startswith(str(path)) and expected in str(raised.value)
    assert attendance_rows(engine) == []


# --- deliverables -----------------------------------------------------------------------------


def test_deliver_without_a_file(engine: Engine, oslo: None) -> None:
    deliver_(engine, "meeting-plan", "2024-10-20", "2024-10-21")
    assert deliverable_rows(engine) == [("meeting-plan", date(2024, 10, 20), None, None, None)]
    (entry,) = entries(engine, "deliverable-delivered")
    assert entry["effective_on"] == date(2024, 10, 21)
    assert entry["details"] == {
        "what": "meeting-plan",
        "delivered_on": "2024-10-20",
        "filename": None,
        "sha256": None,
        "replaced": False,
    }


def test_deliver_with_a_file_keeps_the_document_and_its_sha256(
    engine: Engine, oslo: None, tmp_path: Path
) -> None:
    content = b"%PDF-1.7\n" + bytes(range(256)) * 40  # binary, not text
    path = tmp_path / "docs" / "utviklingsplan.pdf"
    path.parent.mkdir()
    path.write_bytes(content)
    deliver_(engine, "development-plan", "2025-01-20", "2025-01-20", path)
    digest = hashlib.sha256(content).hexdigest()
    assert deliverable_rows(engine) == [
        ("development-plan", date(2025, 1, 20), "utviklingsplan.pdf", content, digest)
    ]
    (entry,) = entries(engine, "deliverable-delivered")
    assert entry["details"]["filename"] == "utviklingsplan.pdf"  # the name, not the path
    assert entry["details"]["sha256"] == digest


def test_a_redelivery_replaces_the_earlier_one_and_the_history_says_so(
    engine: Engine, oslo: None, tmp_path: Path
) -> None:
    first, second = tmp_path / "plan-v1.docx", tmp_path / "plan-v2.docx"
    first.write_bytes(b"first version")
    second.write_bytes(b"second version")
    deliver_(engine, "development-plan", "2025-01-10", "2025-01-10", first)
    deliver_(engine, "development-plan", "2025-01-30", "2025-01-30", second)
    assert deliverable_rows(engine) == [
        (
            "development-plan",
            date(2025, 1, 30),
            "plan-v2.docx",
            b"second version",
            hashlib.sha256(b"second version").hexdigest(),
        )
    ]
    deliver_(engine, "development-plan", "2025-01-30", "2025-02-05", second)  # the same again
    trail = [e["details"] for e in entries(engine, "deliverable-delivered")]
    assert [(d["filename"], d["replaced"]) for d in trail] == [
        ("plan-v1.docx", False),
        ("plan-v2.docx", True),
    ]
    assert trail[0]["sha256"] == hashlib.sha256(b"first version").hexdigest()
    # A re-delivery without a document replaces the document too.
    deliver_(engine, "development-plan", "2025-02-01", "2025-02-05")
    assert deliverable_rows(engine) == [("development-plan", date(2025, 2, 1), None, None, None)]
    assert entries(engine, "deliverable-delivered")[-1]["details"]["replaced"] is True
    assert chain_intact(engine)


@pytest.mark.parametrize(
    ("what", "day", "file", "expected"),
    [
        ("budget", "2024-10-01", None, "unknown deliverable 'budget'; use one of development-plan"),
        ("meeting-plan", "2024-10-03", None, "2024-10-03 is after the effective date 2024-10-02"),
        ("meeting-plan", "2024-04-01", None, "before the municipality applied (2024-04-15)"),
        ("meeting-plan", "2024-10-01", "missing.pdf", "missing.pdf: no such file"),
        ("meeting-plan", "2024-10-01", "folder", "is not a file"),
        ("meeting-plan", "2024-10-01", "empty.pdf", "empty.pdf is empty"),
        ("meeting-plan", "2024-10-01", "huge.pdf", "a document may be at most 20 MB"),
    ],
    ids=["unknown-what", "future", "before-applying", "missing", "folder", "empty", "too-big"],
)
def test_refused_deliveries_change_nothing(
    engine: Engine, oslo: None, tmp_path: Path, what: str, day: str, file: str | None, expected: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "empty.pdf").write_bytes(b"")
    with (tmp_path / "huge.pdf").open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    (tmp_path / "ok.pdf").write_bytes(b"ok")
    deliver_(engine, "meeting-plan", "2024-09-30", "2024-09-30", tmp_path / "ok.pdf")
    rows, trail = deliverable_rows(engine), entries(engine)
    message = refused_in_committed_session(
        engine,
        lambda s: deliver(
            s,
            service.find_case(s, "0301"),
            what,
            date.fromisoformat(day),
            on("2024-10-02"),
            tmp_path / file if file else None,
        ),
    )
    assert expected in message, message
    assert deliverable_rows(engine) == rows
    assert entries(engine) == trail


def test_a_document_of_exactly_20_mb_is_accepted(
    engine: Engine, oslo: None, tmp_path: Path
) -> None:
    path = tmp_path / "big.pdf"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES)
    deliver_(engine, "meeting-plan", "2024-10-01", "2024-10-01", path)
    ((_, _, name, content, digest),) = deliverable_rows(engine)
    assert (name, len(content)) == ("big.pdf", 20 * 1024 * 1024)
    assert digest == hashlib.sha256(b"\0" * MAX_BYTES).hexdigest()


# --- the commands -----------------------------------------------------------------------------


def test_attendance_commands_record_import_and_list(
    engine: Engine,
    cli,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    active(engine, "0301", "1101")
    out = ok(
        run(
            cli, "attendance", "record", JG1, "0301", "--present", "4",
            "--members", f"{OLA},{EVA}", "--as-of", DAY_AFTER_JG1,
        )
    )  # fmt: skip
    assert f"0301 {JG1}: 4 present, 2 named" in out and "unchanged" not in out
    again = ok(
        run(
            cli, "attendance", "record", JG1, "0301", "--present", "4",
            "--members", f"{EVA}, {OLA}", "--as-of", DAY_AFTER_JG1,
        )
    )  # fmt: skip
    assert "(unchanged)" in again
    path = csv_file(tmp_path, "coordinator-meeting-2,1101,2,", f"{JG1},1101,3,{PER}")
    assert "2 attendance rows recorded" in ok(
        run(cli, "attendance", "import", str(path), "--as-of", "2024-10-30")
    )

    listed = json.loads(ok(run(cli, "attendance", "list", "--json")))
    assert all(set(item) == {"municipality", "event", "present", "members", "recorded_at"}
               for item in listed)  # fmt: skip
    assert [(i["municipality"], i["event"], i["present"], i["members"]) for i in listed] == [
        ("0301", JG1, 4, 2),
        ("1101", JG1, 3, 1),
        ("1101", "coordinator-meeting-2", 2, 0),
    ]  # timetable order, then municipality
    assert "@" not in json.dumps(listed)  # a count, not the addresses
    only = json.loads(
        ok(run(cli, "attendance", "list", "--event", "coordinator-meeting-2", "--json"))
    )
    assert [(i["municipality"], i["event"]) for i in only] == [("1101", "coordinator-meeting-2")]
    text = ok(run(cli, "attendance", "list"))
    assert "3 attendance rows" in text and "coordinator-meeting-2" in text
    no_address_in_history(engine)


def test_attendance_commands_refuse_mistakes_with_one_error_line(
    engine: Engine,
    cli,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    active(engine, "0301")
    record_ = ("attendance", "record", JG1, "0301", "--present")
    error = refused(cli, *record_, "4", "--as-of", "2024-09-01")
    assert "joint-gathering-1 starts 2024-09-24, after the effective date 2024-09-01" in error
    assert "is fewer than the 2 members" in refused(
        cli, *record_, "1", "--members", f"{OLA};{EVA}", "--as-of", DAY_AFTER_JG1
    )
    assert "'nobody@' is invalid" in refused(
        cli, *record_, "4", "--members", "nobody@", "--as-of", DAY_AFTER_JG1
    )
    assert "visit-window-1 is of kind visit-window" in refused(
        cli, "attendance", "record", "visit-window-1", "0301", "--present", "4"
    )
    assert "1103 Stavanger has not applied" in refused(
        cli, "attendance", "record", JG1, "1103", "--present", "4", "--as-of", DAY_AFTER_JG1
    )
    assert "--as-of: 'someday' is not a date" in refused(cli, *record_, "4", "--as-of", "someday")
    path = csv_file(tmp_path, f"{JG1},0301,4,", "nope,0301,4,")
    assert f"error: {path}:3: event 'nope' is not in" in refused(
        cli, "attendance", "import", str(path), "--as-of", DAY_AFTER_JG1
    )
    assert "no event 'nope' in any loaded programme" in refused(
        cli, "attendance", "list", "--event", "nope"
    )
    assert json.loads(ok(run(cli, "attendance", "list", "--json"))) == []
    assert entries(engine, "attendance-recorded") == []


def test_cases_deliver_command(engine: Engine, cli, tmp_path: Path) -> None:  # noqa: ANN001
    active(engine, "0301")
    path = tmp_path / "møteplan.pdf"
    path.write_bytes(b"meeting plan 2024-2025")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    deliver_args = ("cases", "deliver", "0301", "--what", "meeting-plan")
    out = ok(
        run(cli, *deliver_args, "--on", "2024-10-15", "--file", str(path), "--as-of", "2024-10-16")
    )
    assert f"0301: meeting-plan delivered 2024-10-15, møteplan.pdf sha256 {digest[:12]}" in out
    assert "(recorded)" in out
    assert deliverable_rows(engine) == [
        ("meeting-plan", date(2024, 10, 15), "møteplan.pdf", b"meeting plan 2024-2025", digest)
    ]
    same = run(
        cli, *deliver_args, "--on", "2024-10-15", "--file", str(path), "--as-of", "2024-10-17"
    )
    assert "(unchanged)" in ok(same)
    plain = ok(run(cli, *deliver_args, "--on", "2024-10-16", "--as-of", "2024-10-17"))
    assert "0301: meeting-plan delivered 2024-10-16 (replaces the earlier delivery)" in plain
    assert [e["details"]["replaced"] for e in entries(engine, "deliverable-delivered")] == [
        False,
        True,
    ]

    rows = deliverable_rows(engine)
    assert "use one of development-plan, meeting-plan" in refused(
        cli, "cases", "deliver", "0301", "--what", "plan", "--on", "2024-10-16"
    )
    assert "--on: '16.10.2024' is not a date" in refused(cli, *deliver_args, "--on", "16.10.2024")
    assert "is after the effective date 2024-10-17" in refused(
        cli, *deliver_args, "--on", "2024-10-18", "--as-of", "2024-10-17"
    )
    assert "nothing.pdf: no such file" in refused(
        cli, *deliver_args, "--on", "2024-10-16", "--file", str(tmp_path / "nothing.pdf"),
        "--as-of", "2024-10-17",
    )  # fmt: skip
    assert "no municipality 9999" in refused(
        cli, "cases", "deliver", "9999", "--what", "meeting-plan", "--on", "2024-10-16"
    )
    assert deliverable_rows(engine) == rows
    no_address_in_history(engine)
