"""`kulturskole demo` prints the status overview as of the demo's last day, after `run_demo`."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

import kulturskole.demo
from tests.builders.programmes import PROGRAMME_ID
from tests.support.cli import run

pytestmark = pytest.mark.usefixtures("programme_loaded")


def test_demo_prints_the_overview_of_the_programme_and_day_it_returns(
    cli,  # noqa: ANN001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []

    def run_demo(share: float, seed: int) -> SimpleNamespace:
        calls.append((share, seed))
        return SimpleNamespace(programme=PROGRAMME_ID, as_of=date(2025, 12, 1))

    monkeypatch.setattr(kulturskole.demo, "run_demo", run_demo)
    result = run(cli, "demo", "--share", "0.1", "--seed", "7")
    assert result.exit_code == 0, result.stderr
    assert calls == [(0.1, 7)]
    assert result.stdout.startswith(f"{PROGRAMME_ID} as of 2025-12-01\n")
    assert "last runs" in result.stdout and "never" in result.stdout


def test_demo_refuses_a_share_outside_zero_to_one(cli) -> None:  # noqa: ANN001
    result = run(cli, "demo", "--share", "1.5")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --share must be above 0 and at most 1"
