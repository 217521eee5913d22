"""Serving every deployment of prefect.yaml from one process (no work pool): the same
entrypoints, parameters, schedules and concurrency limits — prefect.yaml is the one source."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml

from kulturskole import PROJECT_ROOT

PROJECT_FILE = PROJECT_ROOT / "prefect.yaml"


def project_deployments(path: Path = PROJECT_FILE) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["deployments"]


def load_flow(entrypoint: str) -> Any:
    path, _, name = entrypoint.partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


def runner_deployments(path: Path = PROJECT_FILE) -> list[Any]:
    """prefect.yaml's deployments as deployments that `serve` can run."""
    from prefect.schedules import Cron

    deployments = []
    for spec in project_deployments(path):
        flow = load_flow(spec["entrypoint"])
        deployments.append(
            flow.to_deployment(
                name=spec["name"],
                description=spec.get("description"),
                parameters=spec.get("parameters") or {},
                concurrency_limit=spec.get("concurrency_limit"),
                schedules=[
                    Cron(s["cron"], timezone=s.get("timezone")) for s in spec.get("schedules", [])
                ],
            )
        )
    return deployments


def serve_all() -> None:
    """Serve against the configured Prefect server, else the local one when it runs (chosen
    before Prefect is imported: it reads its settings once)."""
    from kulturskole.local_prefect import use_prefect

    use_prefect()
    from prefect import serve

    serve(*runner_deployments(), pause_on_shutdown=False)
