"""The suite's repeats rule: a heavy scenario (one run over ~2 minutes) runs once by default,
the others three times, and an explicit --repeats applies to every scenario."""

from __future__ import annotations

from benchmarks.scenarios import scenarios
from benchmarks.suite import REPEATS, arguments, repeats_for, selected

HEAVY = {"invoicing-5000", "invoicing-10000", "visits-10000", "obligations-10000"}


def test_heavy_scenarios_run_once_unless_repeats_is_given() -> None:
    every = {s.name: s for s in scenarios()}
    assert {name for name, s in every.items() if s.heavy} == HEAVY
    assert repeats_for(every["invoicing-10000"], None) == 1
    assert repeats_for(every["invoicing-357"], None) == REPEATS == 3
    assert repeats_for(every["invoicing-10000"], 2) == 2
    assert repeats_for(every["invoicing-357"], None, quick=True) == 1
    assert repeats_for(every["invoicing-357"], 3, quick=True) == 3
    assert arguments([]).repeats is None


def test_quick_keeps_the_357_case_scenarios_and_every_scenario_stays_listed() -> None:
    quick = {s.name for s in selected(arguments(["--quick"]))}
    assert {"invoicing-357", "invoicing-rerun-357", "mail-357", "demo-357"} <= quick
    assert not quick & HEAVY
    full = {s.name for s in selected(arguments([]))}
    assert HEAVY | {"history-1000000", "web-case-10000", "web-list-10000"} <= full
