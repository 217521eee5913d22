"""Confirmation of the EHF handed over: each delivery run asks the access point what became of
every document handed over and not yet confirmed (the folder drop's receipts.jsonl, the REST
API's status endpoint on a local server) and records delivered or rejected with its history
entry, once; nothing known yet, or no answer, leaves it pending and the run goes on. The
console then shows "levert" and "avvist", and `invoices deliver --json` counts it all."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from kulturskole.db import unit_of_work
from kulturskole.history import verify
from kulturskole.invoicing import issuing
from kulturskole.invoicing.delivering import UNANSWERED_IN_A_ROW, deliver_pending
from kulturskole.invoicing.delivery import RECEIPTS, FolderDrop, HttpAccessPoint
from models import Case, HistoryEntry, Invoice, InvoiceDelivery
from tests.builders.invoicing import active, on
from tests.support.access_point_server import AccessPointServer, access_point_server
from tests.support.cli import run
from tests.support.web import logged_in

pytestmark = pytest.mark.usefixtures("programme_loaded")

AFTER_FIRST = "2024-09-26"  # joint gathering 1 ended 2024-09-25
NEXT_DAY = "2024-09-27"
OSLO, HARAM, TRONDHEIM, BERGEN = "0301", "1580", "5001", "4601"
REFUSED = "Receiver 0192:942110464 refused the invoice: unknown buyer reference"
CONFIRMATION_KEYS = (
    "confirmed_delivered",
    "confirmed_rejected",
    "awaiting_confirmation",
    "confirmation_unavailable",
)


@pytest.fixture
def server():  # noqa: ANN201
    with access_point_server() as running:
        yield running


def http(server: AccessPointServer, path: str = "/peppol", timeout: float = 5.0) -> HttpAccessPoint:
    return HttpAccessPoint(server.url(path), SecretStr("tok-confirm"), timeout=timeout)


def issue(engine: Engine, *numbers: str) -> None:
    active(engine, *numbers)
    issuing.run(engine, on(AFTER_FIRST))


def ehf(engine: Engine) -> dict[str, tuple[str, str | None, str | None]]:
    """municipality → the EHF delivery's (status, reason, reference)."""
    with unit_of_work(engine, readonly=True) as session:
        rows = session.execute(
            select(Case.municipality_number, InvoiceDelivery)
            .join(Invoice, Invoice.id == InvoiceDelivery.invoice_id)
            .join(Case, Case.id == Invoice.case_id)
            .where(InvoiceDelivery.channel == "ehf")
        ).all()
        return {number: (d.status, d.reason, d.reference) for number, d in rows}


def history(engine: Engine, *actions: str) -> list[tuple[str, str, dict, str | None]]:
    """(municipality, action, details, reason) of each entry with one of ``actions``."""
    with unit_of_work(engine, readonly=True) as session:
        return [
            (number, e.action, e.details, e.reason)
            for e, number in session.execute(
                select(HistoryEntry, Case.municipality_number)
                .join(Case, Case.id == HistoryEntry.case_id)
                .where(HistoryEntry.action.in_(actions))
                .order_by(HistoryEntry.id)
            )
        ]


def entries(engine: Engine) -> int:
    with unit_of_work(engine, readonly=True) as session:
        return session.scalar(select(func.count()).select_from(HistoryEntry))


def chain_intact(engine: Engine) -> bool:
    with unit_of_work(engine, readonly=True) as session:
        return list(verify(session)) == []


def counts(report_json: dict) -> tuple[int, ...]:
    return tuple(report_json[k] for k in CONFIRMATION_KEYS)


def provider_writes(drop: FolderDrop, *lines: dict | str) -> None:
    with open(drop.path / RECEIPTS, "a", encoding="utf-8") as out:
        for line in lines:
            out.write((json.dumps(line) if isinstance(line, dict) else line) + "\n")


# --- the folder drop -----------------------------------------------------------------------------


def test_the_providers_receipts_confirm_delivered_and_rejected_once(
    engine: Engine, tmp_path: Path
) -> None:
    issue(engine, OSLO, HARAM, TRONDHEIM)  # Haram has no organisation number: no EHF
    drop = FolderDrop(tmp_path / "ehf-outbox")
    first = deliver_pending(engine, on(AFTER_FIRST), drop)
    assert first.as_json()["handed_over"] == 2
    # This run's hand-overs are asked after at once; the provider has not answered yet.
    assert counts(first.as_json()) == (0, 0, 2, 0)
    oslo, trondheim = ehf(engine)[OSLO][2], ehf(engine)[TRONDHEIM][2]
    assert ehf(engine)[OSLO] == ("pending", None, oslo)

    provider_writes(
        drop,
        {"reference": oslo, "status": "delivered", "at": "2024-09-27T08:30:00Z"},
        {"reference": trondheim, "status": "rejected", "reason": REFUSED, "at": "2024-09-27"},
    )
    before = entries(engine)
    second = deliver_pending(engine, on(NEXT_DAY), drop)
    data = second.as_json()
    assert counts(data) == (1, 1, 0, 0)
    assert data["deliveries"] == [] and data["handed_over"] == 0  # existing keys stay
    assert [(c["invoice"], c["result"]) for c in data["confirmations"]] == [
        (oslo.rsplit("-", 1)[0], "confirmed delivered"),
        (trondheim.rsplit("-", 1)[0], "confirmed rejected"),
    ]
    assert data["confirmations"][1]["reason"] == REFUSED
    assert ehf(engine) == {
        OSLO: ("delivered", None, oslo),
        TRONDHEIM: ("rejected", REFUSED, trondheim),
    }
    assert entries(engine) == before + 2
    [delivered] = history(engine, "invoice-delivered")
    assert delivered[0] == OSLO and delivered[3] is None
    assert delivered[2] | {"number": 0} == {
        "series": "fk-regionale-2024-2025",
        "number": 0,
        "channel": "ehf",
        "attempts": 1,
        "reference": oslo,
        "confirmed": True,
        "confirmed_at": "2024-09-27T08:30:00+00:00",
    }
    [rejected] = history(engine, "invoice-delivery-rejected")
    assert rejected[:2] == (TRONDHEIM, "invoice-delivery-rejected")
    assert rejected[3] == REFUSED and rejected[2]["reference"] == trondheim
    assert "rejected" in second.headline() and REFUSED in " ".join(second.warnings())

    # Idempotent: the same receipts again, even a later line, change nothing and record nothing.
    provider_writes(drop, {"reference": oslo, "status": "rejected", "reason": "too late"})
    third = deliver_pending(engine, on(NEXT_DAY), drop)
    assert counts(third.as_json()) == (0, 0, 0, 0) and third.as_json()["confirmations"] == []
    assert entries(engine) == before + 2
    assert ehf(engine)[OSLO][0] == "delivered"
    assert chain_intact(engine)


def test_unknown_and_malformed_receipts_leave_it_pending_and_the_run_goes_on(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    issue(engine, OSLO, TRONDHEIM)
    drop = FolderDrop(tmp_path / "ehf-outbox")
    deliver_pending(engine, on(AFTER_FIRST), drop)
    oslo = ehf(engine)[OSLO][2]
    provider_writes(
        drop,
        "",
        '{"reference": "' + oslo + '", "status": "deliv',  # torn: line 2
        {"reference": "fk-regionale-2024-2025-1-0000000000000000", "status": "delivered"},
        {"reference": oslo, "status": "maybe"},  # line 4
    )
    before = entries(engine)
    report = deliver_pending(engine, on(NEXT_DAY), drop)
    assert counts(report.as_json()) == (0, 0, 2, 0)
    assert {number: status for number, (status, _, _) in ehf(engine).items()} == {
        OSLO: "pending",
        TRONDHEIM: "pending",
    }
    assert entries(engine) == before  # nothing known: no history
    warned = [r.getMessage() for r in caplog.records if "receipts.jsonl line" in r.getMessage()]
    assert [w.split(" line ", 1)[1].split(" ", 1)[0] for w in warned] == ["2", "4"]
    provider_writes(drop, {"reference": oslo, "status": "delivered"})  # the provider again
    assert counts(deliver_pending(engine, on(NEXT_DAY), drop).as_json()) == (1, 0, 1, 0)
    assert ehf(engine)[OSLO][0] == "delivered"


# --- the REST API --------------------------------------------------------------------------------


def test_the_access_points_status_confirms_delivered_and_rejected(
    engine: Engine, server: AccessPointServer
) -> None:
    issue(engine, OSLO, TRONDHEIM)
    server.accepting = True  # accepts now, knows later
    first = deliver_pending(engine, on(AFTER_FIRST), http(server))
    assert first.as_json()["handed_over"] == 2
    assert counts(first.as_json()) == (0, 0, 2, 0)
    assert ehf(engine) == {
        OSLO: ("pending", None, "ap-0001"),
        TRONDHEIM: ("pending", None, "ap-0002"),
    }

    server.outcomes["ap-0001"] = ("delivered", None)
    server.outcomes["ap-0002"] = ("rejected", REFUSED)
    second = deliver_pending(engine, on(NEXT_DAY), http(server))
    assert counts(second.as_json()) == (1, 1, 0, 0)
    assert ehf(engine) == {
        OSLO: ("delivered", None, "ap-0001"),
        TRONDHEIM: ("rejected", REFUSED, "ap-0002"),
    }
    assert [
        (n, a, d["reference"], d["confirmed_at"])
        for n, a, d, _ in history(engine, "invoice-delivered", "invoice-delivery-rejected")
    ] == [
        (OSLO, "invoice-delivered", "ap-0001", "2024-09-27T08:30:00+00:00"),
        (TRONDHEIM, "invoice-delivery-rejected", "ap-0002", "2024-09-27T08:30:00+00:00"),
    ]
    asked = len(server.asked)
    again = deliver_pending(engine, on(NEXT_DAY), http(server))
    assert counts(again.as_json()) == (0, 0, 0, 0)
    assert len(server.asked) == asked  # confirmed ones are not asked again
    assert len(server.received) == 2  # nor sent again
    assert chain_intact(engine)


def test_an_access_point_that_knows_nothing_of_it_leaves_it_pending(
    engine: Engine, server: AccessPointServer
) -> None:
    issue(engine, OSLO)
    server.accepting = True
    deliver_pending(engine, on(AFTER_FIRST), http(server))
    with access_point_server() as other:  # another access point: 404 for ap-0001
        report = deliver_pending(engine, on(NEXT_DAY), http(other))
        assert [a.path for a in other.asked] == ["/peppol/ap-0001"]
    assert counts(report.as_json()) == (0, 0, 1, 0)
    assert ehf(engine)[OSLO] == ("pending", None, "ap-0001")


def test_a_timeout_on_status_leaves_it_pending_counted_and_the_run_goes_on(
    engine: Engine, server: AccessPointServer
) -> None:
    issue(engine, OSLO)
    server.accepting = True
    deliver_pending(engine, on(AFTER_FIRST), http(server))
    before = entries(engine)
    report = deliver_pending(engine, on(NEXT_DAY), http(server, "/slow", timeout=0.3))
    data = report.as_json()
    assert counts(data) == (0, 0, 0, 1)
    [row] = data["confirmations"]
    assert row["result"] == "not answered" and "did not answer within 0.3 s" in row["reason"]
    assert "1 EHF not confirmed" in " ".join(report.warnings())
    assert ehf(engine)[OSLO] == ("pending", None, "ap-0001")
    assert entries(engine) == before
    server.outcomes["ap-0001"] = ("delivered", None)  # the next run, the access point answers
    assert counts(deliver_pending(engine, on(NEXT_DAY), http(server)).as_json()) == (1, 0, 0, 0)


def test_an_access_point_down_is_asked_three_times_not_once_per_document(
    engine: Engine, server: AccessPointServer
) -> None:
    issue(engine, OSLO, TRONDHEIM, BERGEN, "1103")
    server.accepting = True
    deliver_pending(engine, on(AFTER_FIRST), http(server))
    server.asked.clear()
    server.up_for = 0  # down: 503 for everything
    report = deliver_pending(engine, on(NEXT_DAY), http(server))
    assert counts(report.as_json()) == (0, 0, 0, 4)
    assert len(server.asked) == UNANSWERED_IN_A_ROW == 3
    assert [c["result"] for c in report.confirmations] == ["not answered"] * 3 + ["not asked"]
    assert all("503" in c["reason"] for c in report.confirmations)
    assert {status for status, _, _ in ehf(engine).values()} == {"pending"}


# --- what the staff and the scripts see ----------------------------------------------------------


def test_the_console_shows_levert_and_avvist_after_confirmation(
    engine: Engine, tmp_path: Path
) -> None:
    issue(engine, OSLO, HARAM, TRONDHEIM)
    drop = FolderDrop(tmp_path / "ehf-outbox")
    deliver_pending(engine, on(AFTER_FIRST), drop)
    client = logged_in(engine, "viewer")
    table = client.get("/invoices").text.split('<table id="invoices">', 1)[1]
    assert table.count("EHF: venter (overlevert)") == 2
    state = ehf(engine)
    provider_writes(
        drop,
        {"reference": state[OSLO][2], "status": "delivered"},
        {"reference": state[TRONDHEIM][2], "status": "rejected", "reason": REFUSED},
    )
    deliver_pending(engine, on(NEXT_DAY), drop)
    table = client.get("/invoices").text.split('<table id="invoices">', 1)[1]
    assert "EHF: venter (overlevert)" not in table
    assert table.count("EHF: levert") == 1 and table.count("EHF: avvist") == 1
    with unit_of_work(engine, readonly=True) as session:
        numbers = dict(
            session.execute(
                select(Case.municipality_number, Invoice.number).join(
                    Invoice, Invoice.case_id == Case.id
                )
            ).all()
        )
    oslo = client.get(f"/invoices/fk-regionale-2024-2025/{numbers[OSLO]}").text
    facts = oslo.split('id="invoice-delivery"', 1)[1].split("</dd>", 1)[0]
    assert "EHF: levert" in facts and f"ref. {state[OSLO][2]}" in facts
    trondheim = client.get(f"/invoices/fk-regionale-2024-2025/{numbers[TRONDHEIM]}").text
    facts = trondheim.split('id="invoice-delivery"', 1)[1].split("</dd>", 1)[0]
    assert "EHF: avvist" in facts and REFUSED in facts
    case = client.get(f"/cases/{TRONDHEIM}").text  # the history, in Norwegian
    assert "Levering av faktura avvist" in case and REFUSED in case


def test_invoices_deliver_json_counts_the_confirmations(
    engine: Engine, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT", "folder")
    monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT_FOLDER", str(tmp_path / "drop"))
    issue(engine, OSLO, TRONDHEIM)
    result = run(cli, "invoices", "deliver", "--as-of", AFTER_FIRST, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["handed_over"], data["delivered"], data["rejected"], data["waiting"]) == (
        2,
        0,
        0,
        0,
    )
    assert counts(data) == (0, 0, 2, 0)
    state = ehf(engine)
    provider_writes(
        FolderDrop(tmp_path / "drop"),
        {"reference": state[OSLO][2], "status": "delivered"},
        {"reference": state[TRONDHEIM][2], "status": "rejected", "reason": REFUSED},
    )
    shown = run(cli, "invoices", "deliver", "--as-of", NEXT_DAY)
    assert shown.exit_code == 0, shown.stderr
    text = " ".join(shown.stdout.split())  # as the console wraps it
    assert "confirmed 1 delivered, 1 rejected, 0 awaiting confirmation" in text
    assert f"confirmed rejected ({REFUSED})" in text and "confirmed delivered" in text
    again = json.loads(run(cli, "invoices", "deliver", "--json").stdout)
    assert counts(again) == (0, 0, 0, 0) and again["deliveries"] == []


def test_the_run_reports_count_the_confirmations(engine: Engine, tmp_path: Path) -> None:
    from kulturskole.reports import DayReport
    from tests.integration.test_reports import (
        delivery_report,
        lifecycle_report,
        monitor_report,
        schedule_report,
    )

    issue(engine, OSLO, TRONDHEIM)
    drop = FolderDrop(tmp_path / "ehf-outbox")
    deliver_pending(engine, on(AFTER_FIRST), drop)
    provider_writes(drop, {"reference": ehf(engine)[OSLO][2], "status": "delivered"})
    delivery = deliver_pending(engine, on(NEXT_DAY), drop)
    assert delivery.summary() == {
        "access_point": repr(drop),
        "delivered": 0,
        "handed_over": 0,
        "rejected": 0,
        "waiting": 0,
        "confirmed_delivered": 1,
        "confirmed_rejected": 0,
        "awaiting_confirmation": 1,
        "confirmation_unavailable": 0,
    }
    invoicing = issuing.run(engine, on(NEXT_DAY))  # nothing more due; carries the delivery
    invoicing.delivery = delivery
    assert invoicing.as_json()["delivery"]["confirmed_delivered"] == 1
    assert "confirmed 1 delivered" in invoicing.headline()
    day = DayReport(
        date(2024, 9, 27),
        lifecycle_report(),
        schedule_report(),
        invoicing,
        monitor_report(),
        0,
        delivery_report(),
    )
    summary = day.summary()
    assert (summary["ehf_confirmed_delivered"], summary["ehf_confirmed_rejected"]) == (1, 0)
    assert summary["ehf_handed_over"] == 0
    assert list(summary)[:2] == ["activated", "completed"]  # the existing keys stay first
