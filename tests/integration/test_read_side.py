"""The read side (kulturskole.read) over a database built through the services: filters,
ordering, the case detail's `missing`, and that `--json` prints exactly what it returns."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kulturskole.db import unit_of_work
from kulturskole.errors import InvalidInput, NotFound
from kulturskole.invoicing import issuing
from kulturskole.invoicing.ledger import credit
from kulturskole.obligations import breaches
from kulturskole.read.advisors import list_advisors
from kulturskole.read.attendance import list_attendance
from kulturskole.read.breaches import awaiting_run, list_breaches
from kulturskole.read.calendar import list_blocked_periods
from kulturskole.read.cases import case_detail, list_cases
from kulturskole.read.history import case_history
from kulturskole.read.invoices import invoice_detail, invoice_document, list_invoices
from kulturskole.read.mail import list_messages, message_detail
from kulturskole.read.municipalities import list_municipalities
from kulturskole.read.programmes import programme_detail
from kulturskole.read.status import overview
from kulturskole.read.visits import list_visits
from kulturskole.services import cases as service
from kulturskole.visits.advisors import block
from states.machine import STATES
from tests.builders.cases import acting, apply_case, ready_for_contract
from tests.builders.invoicing import active, on
from tests.builders.programmes import PROGRAMME_ID
from tests.builders.visits import ANNE, BJORN, TWO_ADVISORS, import_advisors, schedule
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"  # joint gathering 1 (physical) ended 2024-09-25


def printed(cli, *args: str):  # noqa: ANN001, ANN201
    result = run(cli, *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def as_printed(data: object) -> object:
    """What `--json` makes of the data (dates and the like as strings)."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


# --- cases and history -----------------------------------------------------------------------


def test_case_summaries_are_in_kommunenummer_order_and_filter_by_state(engine: Engine) -> None:
    for number in ("5001", "0301", "1103"):
        apply_case(engine, number)
    with unit_of_work(engine) as session:
        case = service.find_case(session, "1103", for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
    with unit_of_work(engine, readonly=True) as session:
        every = list_cases(session)
        selected = list_cases(session, programme_id=PROGRAMME_ID, state="selected")
        none_active = list_cases(session, state="active")
        with pytest.raises(InvalidInput, match="unknown state 'chosen'"):
            list_cases(session, state="chosen")
    assert [row["municipality"] for row in every] == ["0301", "1103", "5001"]
    assert list(every[0]) == ["municipality", "name", "state", "programme", "applied_on"]
    assert every[0] == {
        "municipality": "0301",
        "name": "Oslo",
        "state": "applied",
        "programme": PROGRAMME_ID,
        "applied_on": "2024-04-15",
    }
    assert [row["municipality"] for row in selected] == ["1103"]
    assert none_active == []


def test_case_detail_lists_what_each_allowed_trigger_still_needs(engine: Engine) -> None:
    apply_case(engine, "0301")
    with unit_of_work(engine, readonly=True) as session:
        applied = case_detail(session, "0301", date(2024, 5, 1))
    assert list(applied["missing"]) == ["select", "reject", "withdraw"]
    assert applied["members"] == [] and applied["signatures"]["signed_on"] is None
    assert applied["contact"] == {
        "name": "Kari Søker",
        "email": "kari.0301@kommune.example.no",
        "phone": None,
    }

    ready_for_contract(engine, "5001")
    with unit_of_work(engine, readonly=True) as session:
        ready = case_detail(session, "5001", date(2024, 6, 10), PROGRAMME_ID)
    assert ready["state"] == "selected"
    assert ready["missing"]["contract"] == []  # group, coordinator, mapping, signatures: all there
    assert [m["role"] for m in ready["members"]] == [
        "coordinator",
        "school-owner",
        "culture-school-head",
        "elected",
    ]
    assert ready["signatures"] == {
        "chief_executive": "Kommunedirektør Hansen",
        "culture_school_head": "Per Leder",
        "signed_on": "2024-06-10",
        "director": "Morten Christiansen",
        "director_signed_on": "2024-06-10",
    }


def test_case_detail_of_a_municipality_that_has_not_applied_is_not_found(engine: Engine) -> None:
    with unit_of_work(engine, readonly=True) as session, pytest.raises(NotFound):
        case_detail(session, "0301", date(2024, 5, 1))


def test_history_is_in_sequence_order_with_utc_times(engine: Engine) -> None:
    ready_for_contract(engine, "0301")
    with unit_of_work(engine, readonly=True) as session:
        entries = case_history(session, "0301")
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0]["action"] == "apply" and entries[0]["to_state"] == "applied"
    assert all(e["at"].endswith("Z") for e in entries)
    assert list(entries[0]) == [
        "seq",
        "at",
        "effective_on",
        "actor",
        "action",
        "from_state",
        "to_state",
        "reason",
        "details",
        "flow_run_id",
    ]


def test_the_case_commands_print_exactly_what_the_read_side_returns(
    engine: Engine,
    cli,  # noqa: ANN001
) -> None:
    ready_for_contract(engine, "0301")
    apply_case(engine, "5001")
    with unit_of_work(engine, readonly=True) as session:
        summaries = list_cases(session)
        detail = case_detail(session, "0301", date(2024, 6, 10))
        entries = case_history(session, "0301")
    assert printed(cli, "cases", "list") == as_printed(summaries)
    assert printed(cli, "cases", "show", "0301", "--as-of", "2024-06-10") == as_printed(detail)
    assert printed(cli, "cases", "history", "0301") == as_printed(entries)


# --- invoices, mail, breaches ----------------------------------------------------------------


@pytest.fixture
def invoiced(engine: Engine, programme_loaded: str) -> None:
    """0301 and 5001 active; the first instalment issued (and its mail queued); 5001's credited."""
    active(engine, "0301", "5001")
    issuing.run(engine, on(AFTER_FIRST))
    with unit_of_work(engine, readonly=True) as session:
        number = next(r["number"] for r in list_invoices(session) if r["municipality"] == "5001")
    with unit_of_work(engine) as session:
        credit(session, number, "Feil beløp", on("2024-09-27"))


@pytest.mark.usefixtures("invoiced")
def test_invoices_are_in_number_order_and_filter_by_status_and_municipality(
    engine: Engine,
) -> None:
    with unit_of_work(engine, readonly=True) as session:
        every = list_invoices(session)
        of_oslo = list_invoices(session, municipality="0301")
        credited = list_invoices(session, status="credited")
        with pytest.raises(InvalidInput, match="unknown status 'lost'"):
            list_invoices(session, status="lost")
    assert [r["number"] for r in every] == sorted(r["number"] for r in every)
    assert [(r["kind"], r["municipality"]) for r in every] == [
        ("invoice", "0301"),
        ("invoice", "5001"),
        ("credit", "5001"),
    ]
    assert every[0]["amount"] == "6666.67" and every[-1]["amount"] == "-6666.67"
    assert [r["number"] for r in of_oslo] == [every[0]["number"]]
    assert [r["municipality"] for r in credited] == ["5001"]


@pytest.mark.usefixtures("invoiced")
def test_one_invoice_and_its_documents(engine: Engine) -> None:
    with unit_of_work(engine, readonly=True) as session:
        first = list_invoices(session)[0]
        detail = invoice_detail(session, first["number"])
        html = invoice_document(session, first["number"], "html")
        ehf = invoice_document(session, first["number"], "ehf")
        with pytest.raises(NotFound):
            invoice_detail(session, 9999)
    assert detail == first
    assert b"<html" in html.lower() and ehf.startswith(b"<?xml")


@pytest.mark.usefixtures("invoiced")
def test_messages_are_in_id_order_and_only_one_message_carries_its_bodies(engine: Engine) -> None:
    with unit_of_work(engine, readonly=True) as session:
        every = list_messages(session)
        queued = list_messages(session, status="queued")
        sent = list_messages(session, status="sent")
        one = message_detail(session, every[0]["id"])
        with pytest.raises(NotFound, match="no message 9999"):
            message_detail(session, 9999)
        with pytest.raises(InvalidInput, match="unknown status"):
            list_messages(session, status="lost")
    assert every and [m["id"] for m in every] == sorted(m["id"] for m in every)
    assert queued == every and sent == []
    assert "text" not in every[0] and "html" not in every[0]
    assert {k: v for k, v in one.items() if k not in ("text", "html")} == every[0]
    assert one["text"] and one["html"]


def test_breaches_are_in_id_order_and_filter_to_the_open_ones(engine: Engine) -> None:
    active(engine, "0301", "5001")  # neither attends joint gathering 1
    breaches.monitor(engine, on(AFTER_FIRST))
    with unit_of_work(engine, readonly=True) as session:
        first = list_breaches(session)[0]
    with unit_of_work(engine) as session:
        breaches.waive(session, first["id"], "Sykdom", on("2024-09-27"))
    with unit_of_work(engine, readonly=True) as session:
        every = list_breaches(session)
        still_open = list_breaches(session, only_open=True)
        assert awaiting_run(session, first["id"]) is None  # no paused run asked about it
        assert awaiting_run(session, 9999) is None
    assert [b["id"] for b in every] == sorted(b["id"] for b in every)
    assert every[0]["status"] == "waived" and every[0]["remedy_by"] > every[0]["opened_on"]
    assert still_open == [b for b in every if b["status"] == "open"] and still_open
    assert list(every[0]) == [
        "id",
        "municipality",
        "name",
        "rule",
        "status",
        "opened_on",
        "remedy_by",
        "evidence",
        "decision",
        "decided_by",
        "closed_on",
    ]


@pytest.mark.usefixtures("invoiced")
def test_the_invoice_and_mail_commands_print_exactly_what_the_read_side_returns(
    engine: Engine,
    cli,  # noqa: ANN001
) -> None:
    with unit_of_work(engine, readonly=True) as session:
        invoices = list_invoices(session)
        messages = list_messages(session)
        one = message_detail(session, messages[0]["id"])
        overview_ = overview(session, date(2024, 9, 27))
    assert printed(cli, "invoices", "list") == as_printed(invoices)
    assert printed(cli, "mail", "list") == as_printed(messages)
    assert printed(cli, "mail", "show", str(messages[0]["id"])) == as_printed(one)
    assert printed(cli, "status", "--as-of", "2024-09-27") == as_printed(overview_)


# --- status, programme, reference data -------------------------------------------------------


def test_the_overview_counts_every_state_and_no_run_yet(engine: Engine) -> None:
    active(engine, "0301")
    apply_case(engine, "5001")
    with unit_of_work(engine, readonly=True) as session:
        data = overview(session, date(2024, 9, 26))
    assert list(data["cases"]) == STATES
    assert data["cases"]["active"] == 1 and data["cases"]["applied"] == 1
    assert data["instalments_due"] == {"count": 1, "amount": "6666.67"}
    assert data["last_runs"] and all(run is None for run in data["last_runs"].values())
    assert len(data["next_events"]) == 5


def test_the_programme_with_its_timetable_in_order(engine: Engine) -> None:
    with unit_of_work(engine, readonly=True) as session:
        data = programme_detail(session)
        assert programme_detail(session, PROGRAMME_ID) == data
        with pytest.raises(NotFound):
            programme_detail(session, "no-such-programme")
    assert data["id"] == PROGRAMME_ID and data["fee"] == "20000.00"
    dated = [e["start"] for e in data["events"] if e["start"]]
    assert dated == sorted(dated)


def test_municipalities_by_number_and_by_county(engine: Engine) -> None:
    with unit_of_work(engine, readonly=True) as session:
        every = list_municipalities(session)
        rogaland = list_municipalities(session, county="11")
    assert len(every) == 357 and every[0]["number"] == "0301"
    assert [m["number"] for m in every] == sorted(m["number"] for m in every)
    assert rogaland and {m["county_number"] for m in rogaland} == {"11"}


# --- advisors, calendar, visits, attendance --------------------------------------------------


def test_advisors_by_name_with_their_cases_and_blocked_periods_by_first_day(
    engine: Engine, tmp_path: Path
) -> None:
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    with unit_of_work(engine) as session:
        block(session, "county", "11", date(2024, 10, 7), date(2024, 10, 11), "Høstferie")
        block(session, "advisor", ANNE, date(2024, 9, 2), date(2024, 9, 3), "Kurs")
    with unit_of_work(engine, readonly=True) as session:
        advisors = list_advisors(session)
        periods = list_blocked_periods(session)
    assert [a["name"] for a in advisors] == ["Anne Berg", "Bjørn Dal"]
    assert [a["cases"] for a in advisors] == [0, 0]
    assert [(p["scope"], p["from"], p["to"]) for p in periods] == [
        ("advisor", "2024-09-02", "2024-09-03"),
        ("county", "2024-10-07", "2024-10-11"),
    ]
    assert list(periods[0]) == ["id", "scope", "ref", "from", "to", "reason"]


def test_visits_in_time_order_in_oslo_time_and_by_advisor(engine: Engine, tmp_path: Path) -> None:
    active(engine, "0301", "1101", "1103")
    import_advisors(engine, tmp_path, *TWO_ADVISORS)
    schedule(engine, AFTER_FIRST)
    with unit_of_work(engine, readonly=True) as session:
        every = list_visits(session)
        bjorn = list_visits(session, advisor=BJORN)
        with pytest.raises(NotFound):
            list_visits(session, advisor="nobody@example.no")
    assert every and [v["start"] for v in every] == sorted(v["start"] for v in every)
    assert all(v["start"][-6:] in ("+01:00", "+02:00") for v in every)
    assert bjorn and {v["advisor"] for v in bjorn} == {BJORN}
    assert {v["id"] for v in bjorn} < {v["id"] for v in every}


def test_attendance_in_timetable_order_and_by_event(engine: Engine) -> None:
    from kulturskole.obligations.attendance import record_attendance

    active(engine, "5001", "0301")
    with unit_of_work(engine) as session:
        for number, event in (
            ("5001", "joint-gathering-2"),
            ("5001", "joint-gathering-1"),
            ("0301", "joint-gathering-1"),
        ):
            case = service.find_case(session, number, for_update=True)
            record_attendance(session, case, event, 3, [], on("2024-12-01"))
    with unit_of_work(engine, readonly=True) as session:
        every = list_attendance(session)
        second = list_attendance(session, event="joint-gathering-2")
        with pytest.raises(InvalidInput, match="no event 'gathering-9'"):
            list_attendance(session, event="gathering-9")
    assert [(a["event"], a["municipality"]) for a in every] == [
        ("joint-gathering-1", "0301"),
        ("joint-gathering-1", "5001"),
        ("joint-gathering-2", "5001"),
    ]
    assert [a["municipality"] for a in second] == ["5001"]
