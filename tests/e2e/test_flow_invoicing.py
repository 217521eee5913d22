"""The invoicing flow on the real Prefect engine, and the invoice commands."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import Engine

from tests.builders.invoicing import active, invoices, nr
from tests.support.cli import run

pytestmark = [pytest.mark.usefixtures("programme_loaded", "prefect_harness"), pytest.mark.slow]

INVOICE_KEYS = {
    "number",
    "municipality",
    "instalment",
    "amount",
    "kid",
    "issue_date",
    "due_date",
    "status",
    "kind",
}


def test_run_invoicing_dry_run_then_for_real_then_again(engine: Engine, cli) -> None:  # noqa: ANN001
    active(engine, "0301", "1580")
    dry = run(cli, "run", "invoicing", "--as-of", "2024-09-26", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    planned = json.loads(dry.stdout)
    assert (planned["dry_run"], planned["issued"], planned["total"]) == (True, 2, "13333.34")
    assert invoices(engine) == []

    real = run(cli, "run", "invoicing", "--as-of", "2024-09-26")
    assert real.exit_code == 0, real.stderr
    assert "issued 2 invoices, NOK 13333.34" in real.stdout
    assert "no EHF for 1580 Haram" in real.stdout

    again = json.loads(run(cli, "run", "invoicing", "--as-of", "2024-09-27", "--json").stdout)
    assert (again["issued"], again["already_invoiced"]) == (0, 2)

    listed = json.loads(run(cli, "invoices", "list", "--json").stdout)
    assert all(set(item) >= INVOICE_KEYS for item in listed)
    assert [
        (i["number"], i["municipality"], i["amount"], i["kind"], i["status"]) for i in listed
    ] == [
        (240001, "0301", "6666.67", "invoice", "issued"),
        (240002, "1580", "6666.67", "invoice", "issued"),
    ]


def test_credit_and_paid_commands(engine: Engine, cli, tmp_path) -> None:  # noqa: ANN001
    from kulturskole.invoicing import issuing
    from tests.builders.invoicing import on

    active(engine, "0301", "5001")
    issuing.run(engine, on("2024-09-26"))
    credited = run(
        cli, "invoices", "credit", "240001", "--reason", "Feil mottaker", "--as-of", "2024-10-01"
    )
    assert credited.exit_code == 0 and "credit note 240003 credits invoice 240001" in (
        credited.stdout
    )
    paid = run(cli, "invoices", "paid", "240002", "--on", "2024-10-20")
    assert paid.exit_code == 0, paid.stderr
    listed = {
        i["number"] - 240000: i for i in json.loads(run(cli, "invoices", "list", "--json").stdout)
    }
    assert (listed[1]["status"], listed[2]["status"], listed[2]["paid_on"]) == (
        "credited",
        "paid",
        "2024-10-20",
    )
    assert (listed[3]["kind"], listed[3]["amount"]) == ("credit", "-6666.67")
    for args, message in (
        (("invoices", "credit", "240003", "--reason", "x"), "is a credit note"),
        (("invoices", "paid", "99", "--on", "2024-10-20"), "no invoice or credit note number 99"),
        (("invoices", "paid", "240001", "--on", "2024-10-20"), "credited"),
        (("invoices", "list", "--status", "lost"), "unknown status"),
    ):
        result = run(cli, *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    shown = run(
        cli,
        "invoices",
        "show",
        "240001",
        "--html",
        str(tmp_path / "f.html"),
        "--pdf",
        str(tmp_path / "f.pdf"),
        "--ehf",
        str(tmp_path / "f.xml"),
    )
    assert shown.exit_code == 0, shown.stderr
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    assert b"<Invoice" in (tmp_path / "f.xml").read_bytes()
    kid = next(i for i in invoices(engine) if i.number == 240001).kid
    assert kid.startswith("240301") and kid in (tmp_path / "f.html").read_text(encoding="utf-8")


def test_two_runs_for_the_same_programme_never_overlap(engine: Engine) -> None:
    from prefect.client.orchestration import get_client

    from flows.invoicing import invoicing
    from flows.runs import RunInProgress, one_at_a_time

    invoicing(as_of=date(2024, 9, 26), dry_run=True)
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name("invoicing:regionale-2024-2025")
    assert limit.limit == 1
    with (
        one_at_a_time("invoicing", None),  # a run holds the slot …
        pytest.raises(RunInProgress, match="another invoicing run"),
        one_at_a_time("invoicing", "regionale-2024-2025", wait_seconds=1),
    ):
        pass  # … so a second one for the same programme cannot start
    with one_at_a_time("invoicing", None, wait_seconds=5):
        pass  # and once released, the next one can


def test_the_invoicing_flow_delivers_and_invoices_deliver_retries(
    engine: Engine,
    cli,  # noqa: ANN001
    tmp_path,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the real engine: issued, then every EHF handed to the access point in the same flow
    run; with the access point down the EHF waits, and `invoices deliver` finishes the job."""
    from tests.support.access_point_server import access_point_server

    active(engine, "0301", "1580", "5001")
    with access_point_server() as server:
        monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT", "http")
        monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT_URL", server.url("/peppol"))
        monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT_TOKEN", "tok-e2e")
        server.up_for = 1  # delivers one, then is down
        result = run(cli, "run", "invoicing", "--as-of", "2024-09-26", "--json")
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["issued"] == 3
        assert {k: report["delivery"][k] for k in ("delivered", "waiting", "rejected")} == {
            "delivered": 1,
            "waiting": 1,
            "rejected": 0,
        }
        listed = {i["number"]: i for i in json.loads(run(cli, "invoices", "list", "--json").stdout)}
        assert [d["channel"] for d in listed[nr(2)]["delivery"]] == ["email"]  # Haram: no EHF
        assert listed[nr(1)]["delivery"][0] == {
            "channel": "ehf",
            "status": "delivered",
            "reason": None,
            "reference": "ap-0001",
        }
        assert listed[nr(3)]["delivery"][0]["status"] == "pending"
        assert "503" in listed[nr(3)]["delivery"][0]["reason"]

        server.up_for = None
        retried = run(cli, "invoices", "deliver", "--as-of", "2024-09-27", "--json")
        assert retried.exit_code == 0, retried.stderr
        assert json.loads(retried.stdout)["delivered"] == 1
        again = json.loads(run(cli, "invoices", "deliver", "--json").stdout)
        assert again["deliveries"] == []
        assert len(server.delivered) == 2  # Oslo and Trondheim, each once

    shown = run(cli, "invoices", "show", str(nr(3)))
    assert "delivery ehf: delivered [ap-0002]" in shown.stdout
    assert "delivery email: pending" in shown.stdout
    table = run(cli, "invoices", "list").stdout
    assert "ehf delivered, email pending" in table
    detail = json.loads(run(cli, "invoices", "show", str(nr(3)), "--json").stdout)
    assert [d["channel"] for d in detail["delivery"]] == ["ehf", "email"]


def test_invoices_deliver_refuses_an_access_point_left_half_configured(
    engine: Engine,
    cli,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KULTURSKOLE_ACCESS_POINT", "http")
    result = run(cli, "invoices", "deliver")
    assert result.exit_code == 2
    assert "KULTURSKOLE_ACCESS_POINT=http needs KULTURSKOLE_ACCESS_POINT_URL" in result.stderr
