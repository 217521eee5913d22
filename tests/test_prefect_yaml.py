"""prefect.yaml names real flows with parameters they accept."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_every_deployment_points_at_a_flow_that_takes_its_parameters() -> None:
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert project["deployments"], "no deployments"
    for deployment in project["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        accepted = inspect.signature(flow.fn).parameters
        assert set(deployment.get("parameters") or {}) <= set(accepted), deployment["name"]
        assert "as_of" in accepted, f"{flow.name} must take as_of (simulated calendar)"
        for schedule in deployment.get("schedules", []):
            assert schedule["timezone"] == "Europe/Oslo"
