"""prefect.yaml declares every flow, and `kulturskole serve` serves exactly what it declares."""

from __future__ import annotations

import inspect

from kulturskole.serving import load_flow, project_deployments, runner_deployments

FLOWS = {
    "invoicing",
    "payment-reminders",
    "schedule-visits",
    "monitor-obligations",
    "programme-lifecycle",
    "send-notifications",
}


def test_every_flow_is_deployed_with_a_schedule_in_oslo_time() -> None:
    names = set()
    for spec in project_deployments():
        flow = load_flow(spec["entrypoint"])
        names.add(flow.name)
        accepted = inspect.signature(flow.fn).parameters
        assert set(spec.get("parameters") or {}) <= set(accepted), spec["name"]
        assert "as_of" in accepted, f"{flow.name} must take as_of (simulated calendar)"
        assert spec["work_pool"]["name"] == "kulturskole"
        assert spec["concurrency_limit"] == 1
        assert spec["schedules"] and all(s["timezone"] == "Europe/Oslo" for s in spec["schedules"])
    assert names == FLOWS


def test_serve_and_prefect_yaml_agree_on_every_schedule() -> None:
    specs = project_deployments()
    served = runner_deployments()
    assert [(d.flow_name, d.name) for d in served] == [
        (load_flow(s["entrypoint"]).name, s["name"]) for s in specs
    ]
    for spec, deployment in zip(specs, served, strict=True):
        crons = [(s.schedule.cron, s.schedule.timezone) for s in deployment.schedules]
        assert crons == [(s["cron"], s["timezone"]) for s in spec["schedules"]]
        assert deployment.parameters == (spec.get("parameters") or {})
        assert deployment.concurrency_limit == spec["concurrency_limit"]
