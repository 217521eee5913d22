"""The flows the console starts, and the runs it started (``app.state.jobs``).

A preview runs the flow with ``dry_run=True`` in the calling worker thread and returns its JSON
(send-notifications has no dry run: its preview is the outbox's due messages, read-side).

"Kjør" starts the real run. With a Prefect server configured (``PREFECT_API_URL``) or the local
one running (``kulturskole server start``, found by kulturskole.local_prefect), it is created
from its deployment in prefect.yaml, so a worker (``kulturskole serve``) runs it and it shows in
Prefect's UI; the job then follows the flow run's state there. Without one, it runs in this
process in a background thread (Prefect's ephemeral mode), one at a time. The flows record
their outcome themselves (RunRecord); the registry keeps only the last few jobs, in memory,
for the job page.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kulturskole.errors import InvalidInput, KulturskoleError, NotFound
from kulturskole.local_prefect import use_prefect
from kulturskole.serving import project_deployments
from kulturskole.web import labels
from kulturskole.web.formatting import dato
from models.base import utcnow

KEEP = 20  # jobs remembered
DONE = ("completed", "failed")


@dataclass(frozen=True)
class Launch:
    """How the console runs one flow: its Prefect name and its entrypoint in prefect.yaml."""

    key: str  # the form's value
    flow: str  # the Prefect flow's name (RunRecord.flow)
    entrypoint: str
    dry_run: bool = True  # the flow has a dry run

    def call(self, as_of: date, dry_run: bool) -> dict[str, Any]:
        """Run the flow here and now (against the configured or local Prefect server, else
        Prefect without a server)."""
        from kulturskole.serving import load_flow

        with chosen_prefect():
            function = load_flow(self.entrypoint)
            if self.key == "notifications":
                return asyncio.run(function(as_of=as_of))
            extra = {"ask": False} if self.key == "obligations" else {}  # no pause here
            return function(as_of=as_of, dry_run=dry_run, **extra)

    def deployment(self) -> str:
        """``<flow>/<deployment>`` of the entrypoint's deployment in prefect.yaml."""
        for spec in project_deployments():
            if spec["entrypoint"] == self.entrypoint:
                return f"{self.flow}/{spec['name']}"
        raise KulturskoleError(f"prefect.yaml har ingen deployment for {self.entrypoint}")


LAUNCHES = {
    launch.key: launch
    for launch in (
        Launch("invoicing", "invoicing", "flows/invoicing.py:invoicing"),
        Launch(
            "reminders",
            "payment-reminders",
            "flows/payment_reminders.py:send_payment_reminders",
        ),
        Launch("visits", "schedule-visits", "flows/visits.py:schedule_visits"),
        Launch("obligations", "monitor-obligations", "flows/obligations.py:monitor_obligations"),
        Launch("lifecycle", "programme-lifecycle", "flows/lifecycle.py:programme_lifecycle"),
        Launch("notifications", "send-notifications", "flows/mail.py:send_notifications", False),
    )
}


class RunBusy(KulturskoleError):
    """A run started from the console is still going (in-process: one at a time)."""


class PreviewFailed(KulturskoleError):
    """The dry run did not get through (Prefect unreachable, …): nothing was changed."""


@dataclass
class Job:
    id: str
    flow: str  # a LAUNCHES key
    as_of: date
    started_by: str
    mode: str  # "local" (a thread here) or "prefect" (a deployment run)
    status: str = "pending"  # pending | running | completed | failed
    created_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    flow_run_id: str | None = None
    prefect_state: str | None = None  # the flow run's state name, in prefect mode

    @property
    def done(self) -> bool:
        return self.status in DONE


_LOCK = threading.Lock()  # guards the check "none running" and the registering of a job
# One flow at a time in this process: the first one starts Prefect's ephemeral server, and two
# first flows at once would each start one (one of them then fails on the port).
_ENGINE = threading.Lock()


def _exclusive(launch: Launch, as_of: date, dry_run: bool, wait_seconds: float) -> dict[str, Any]:
    if not _ENGINE.acquire(timeout=wait_seconds):
        raise RunBusy("En annen forhåndsvisning eller kjøring pågår. Prøv igjen om litt.")
    try:
        return launch.call(as_of, dry_run=dry_run)
    finally:
        _ENGINE.release()


def launch_of(key: str | None) -> Launch:
    if key not in LAUNCHES:
        raise InvalidInput("Velg en flyt: " + ", ".join(labels.RUN_FLOWS.values()) + ".")
    return LAUNCHES[key]


def prefect_configured() -> bool:
    """Whether a Prefect server is configured or the local one runs (then runs are created from
    their deployments)."""
    return use_prefect() != "temporary"


@contextmanager
def chosen_prefect() -> Iterator[None]:
    """Prefect calls inside go to the server `use_prefect` chose. Prefect reads its settings at
    import: when it was imported before the local server came up, the address is passed in
    Prefect's own settings context (its public ``temporary_settings``)."""
    use_prefect()
    url = os.environ.get("PREFECT_API_URL")
    if not url or "prefect" not in sys.modules:
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield


def running(jobs: dict[str, Job]) -> Job | None:
    return next((job for job in jobs.values() if job.mode == "local" and not job.done), None)


def refuse_if_busy(jobs: dict[str, Job]) -> None:
    job = running(jobs)
    if job is not None:
        raise RunBusy(
            f"En kjøring pågår allerede: {labels.RUN_FLOWS[job.flow]} per {dato(job.as_of)}, "
            f"startet av {job.started_by}. Vent til den er ferdig, og prøv igjen."
        )


def preview(jobs: dict[str, Job], key: str, as_of: date) -> dict[str, Any]:
    """What the flow would do as of the date: its dry run's JSON (changes nothing)."""
    launch = launch_of(key)
    if not launch.dry_run:
        raise InvalidInput("Denne flyten har ingen prøvekjøring.")
    refuse_if_busy(jobs)
    try:
        return _exclusive(launch, as_of, True, wait_seconds=60)
    except KulturskoleError:
        raise
    except Exception as exc:  # noqa: BLE001 - shown on the page, as a run's error is
        raise PreviewFailed(f"Prøvekjøringen feilet: {type(exc).__name__}: {exc}") from exc


def start(jobs: dict[str, Job], key: str, as_of: date, started_by: str) -> Job:
    """Start the real run; returns its job (to follow on the job page)."""
    launch = launch_of(key)
    if prefect_configured():
        job = Job(_new_id(), key, as_of, started_by, "prefect")
        job.flow_run_id = create_deployment_run(launch.deployment(), as_of)
        _remember(jobs, job)
        return job
    with _LOCK:
        refuse_if_busy(jobs)
        job = Job(_new_id(), key, as_of, started_by, "local")
        _remember(jobs, job)
    threading.Thread(target=_work, args=(job, launch), name=f"run-{job.id}", daemon=True).start()
    return job


def _work(job: Job, launch: Launch) -> None:
    job.status = "running"
    try:
        job.result = _exclusive(launch, job.as_of, False, wait_seconds=300)
        job.status = "completed"
    except KulturskoleError as exc:
        job.error, job.status = str(exc), "failed"
    except Exception as exc:  # noqa: BLE001 - the job page shows what went wrong
        job.error, job.status = f"{type(exc).__name__}: {exc}", "failed"
    finally:
        job.finished_at = utcnow()


def find(jobs: dict[str, Job], job_id: str) -> Job:
    job = jobs.get(job_id)
    if job is None:
        raise NotFound(
            "Denne kjøringen er ikke kjent (lenger): konsollet husker bare de siste kjøringene "
            "til det startes på nytt. Resultatet av en fullført kjøring står under Kjøringer."
        )
    return job


def follow(job: Job, recorded: Callable[[str], dict[str, Any] | None]) -> Job:
    """A deployment run's state from Prefect; ``recorded`` gives its RunRecord's summary."""
    if job.mode != "prefect" or job.done or not job.flow_run_id:
        return job
    state = read_prefect_state(job.flow_run_id)
    if state is None:
        return job
    kind, name = state
    job.prefect_state = name
    if kind in ("COMPLETED",):
        job.status, job.finished_at = "completed", utcnow()
        job.result = recorded(job.flow_run_id)
    elif kind in ("FAILED", "CRASHED", "CANCELLED"):
        job.status, job.finished_at = "failed", utcnow()
        job.error = f"Prefect: {name}"
    elif kind in ("RUNNING", "PAUSED", "CANCELLING"):
        job.status = "running"
    return job


# --- Prefect, only when a server is configured (imported lazily: it costs a second) ---------
def create_deployment_run(deployment: str, as_of: date) -> str:
    """A flow run of the deployment, scheduled now; its id."""
    with chosen_prefect():
        from prefect.deployments import run_deployment

        parameters = {"as_of": as_of.isoformat()}
        flow_run = run_deployment(name=deployment, parameters=parameters, timeout=0)
    return str(flow_run.id)


def read_prefect_state(flow_run_id: str) -> tuple[str, str] | None:
    """The flow run's state (type, name), or None when Prefect cannot be reached."""
    from uuid import UUID

    from prefect.client.orchestration import get_client

    try:
        with chosen_prefect(), get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
    except Exception:  # noqa: BLE001 - the page asks again on its next poll
        return None
    if state is None:
        return None
    return state.type.value, state.name


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def _remember(jobs: dict[str, Job], job: Job) -> None:
    jobs[job.id] = job
    finished = [j for j in jobs.values() if j.done]
    for old in sorted(finished, key=lambda j: j.created_at)[: max(0, len(jobs) - KEEP)]:
        del jobs[old.id]
