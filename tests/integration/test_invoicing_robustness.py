"""Invoicing under overlap and under a hard kill: each invoice exactly once, numbers unbroken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.invoicing import issuing
from models import Invoice
from tests.builders.invoicing import active, invoices, municipalities, nr, on

pytestmark = pytest.mark.usefixtures("programme_loaded")
ROOT = Path(__file__).resolve().parents[2]


def assert_exactly_once_and_unbroken(engine: Engine, expected: int) -> None:
    rows = invoices(engine)
    assert [i.number for i in rows] == [nr(k) for k in range(1, expected + 1)]
    pairs = [(i.case_id, i.instalment) for i in rows]
    assert len(set(pairs)) == len(pairs) == expected


def test_two_runs_started_at_the_same_moment_issue_each_invoice_once(engine: Engine) -> None:
    numbers = municipalities(engine, 24)
    active(engine, *numbers)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            start.wait(10)
            issuing.run(engine, on("2025-02-14"), batch_size=4)
        except BaseException as exc:  # noqa: BLE001 - the test reports it below
            errors.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert_exactly_once_and_unbroken(engine, 2 * len(numbers))  # two gatherings have ended


KILLED_RUN = """
import sys
from datetime import date
from kulturskole.db import current_engine
from kulturskole.history import Acting
from kulturskole.invoicing import issuing
issuing.run(current_engine(), Acting("killed", date(2025, 9, 15)), batch_size=int(sys.argv[1]))
"""


@pytest.mark.slow
def test_a_killed_run_run_again_ends_with_the_invoices_of_an_uninterrupted_one(
    engine: Engine, database_url: str
) -> None:
    numbers = municipalities(engine, 60)
    active(engine, *numbers)
    expected = 3 * len(numbers)
    env = {**os.environ, "KULTURSKOLE_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", KILLED_RUN, "20"], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        committed = 0
        while time.monotonic() < deadline and process.poll() is None:
            with unit_of_work(engine, readonly=True) as session:
                committed = session.scalar(select(func.count()).select_from(Invoice))
            if committed:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    assert 0 < committed < expected, "the kill must land between the first and the last batch"
    partial = len(invoices(engine))
    assert partial % 20 == 0 and partial < expected  # whole batches only: nothing half-written

    issuing.run(engine, on("2025-09-15"))
    assert_exactly_once_and_unbroken(engine, expected)
    with unit_of_work(engine) as session:
        amounts = session.execute(
            select(Invoice.case_id, func.sum(Invoice.amount_ore)).group_by(Invoice.case_id)
        ).all()
    assert {total for _, total in amounts} == {2_000_000}
