"""Payment reminders on the real Prefect engine, and the installed `kulturskole` command for
reminders, refunds and the accounting export in processes of their own."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from models import PaymentReminder, RunRecord
from tests.builders.invoicing import active, invoices, nr, on
from tests.support.cli import run

pytestmark = [pytest.mark.usefixtures("programme_loaded"), pytest.mark.slow]
SCRIPT = Path(sys.executable).parent / "kulturskole"


def kulturskole(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(SCRIPT), *args],
        env=os.environ.copy(),  # carries the test's KULTURSKOLE_DATABASE_URL
        capture_output=True,
        timeout=120,
    )


@pytest.mark.usefixtures("prefect_harness")
def test_run_payment_reminders_is_a_flow_that_reminds_once(engine: Engine, cli) -> None:  # noqa: ANN001
    active(engine, "0301")
    issuing.run(engine, on("2024-09-26"))
    [invoice] = invoices(engine)
    day = (invoice.due_date + timedelta(days=14)).isoformat()
    dry = run(cli, "run", "payment-reminders", "--as-of", day, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    assert [s["number"] for s in json.loads(dry.stdout)["sent"]] == [nr(1)]
    real = run(cli, "run", "payment-reminders", "--as-of", day)
    assert real.exit_code == 0, real.stderr
    assert "sent 1 payment reminders" in real.stdout
    again = json.loads(run(cli, "run", "payment-reminders", "--as-of", day, "--json").stdout)
    assert again["sent"] == []
    with unit_of_work(engine) as session:
        assert len(session.scalars(select(PaymentReminder)).all()) == 1
        records = session.scalars(
            select(RunRecord).where(RunRecord.flow == "payment-reminders")
        ).all()
        assert [r.summary for r in records] == [
            {"sent": 1, "for_finance": 0},
            {"sent": 0, "for_finance": 0},
        ]


def test_the_installed_command_exports_reminds_and_refuses(
    engine: Engine, database_url: str
) -> None:
    active(engine, "0301", "5001")
    issuing.run(engine, on("2024-09-26"))
    due = invoices(engine)[0].due_date
    # CSV on standard output, read back
    done = kulturskole("invoices", "export", "--from", "2024-09-01", "--to", "2024-09-30")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8-sig")), delimiter=";"))
    assert [(r["type"], r["number"], r["amount_ore"]) for r in rows] == [
        ("invoice", str(nr(1)), "666667"),
        ("invoice", str(nr(2)), "666667"),
    ]
    # Excel through a pipe: standard output is not a terminal
    done = kulturskole(
        "invoices", "export", "--from", "2024-09-01", "--to", "2024-09-30", "--format", "xlsx"
    )
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(io.BytesIO(done.stdout)).active
    assert sheet.max_row == 3
    # Reminders from the command, without Prefect
    done = kulturskole(
        "payments", "reminders", "--as-of", (due + timedelta(days=14)).isoformat(), "--json"
    )
    assert done.returncode == 0, done.stderr
    assert [s["reminder"] for s in json.loads(done.stdout)["sent"]] == [1, 1]
    # Mistakes: one line, exit 2
    for args, message in (
        (("invoices", "export", "--from", "2024-10-01", "--to", "2024-09-01"), "is after --to"),
        (("payments", "refund", str(nr(1)), "--on", "2024-10-20"), "has no refund due"),
        (("payments", "refund", "77", "--on", "2024-10-20"), "no invoice or credit note"),
    ):
        done = kulturskole(*args)
        err = done.stderr.decode()
        assert done.returncode == 2 and message in err, (args, err)
        assert len(err.splitlines()) == 1 and err.startswith("error: ")
