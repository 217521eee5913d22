"""Kjøringer: start a flow for a date — first its dry run as a preview, then "Kjør" — follow the
run, and the runs the flows recorded (kulturskole.web.jobs starts and follows them)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kulturskole.errors import KulturskoleError
from kulturskole.read.programmes import programme_detail
from kulturskole.read.runs import mail_due, recent_runs, run_of_flow_run
from kulturskole.services.users import Account
from kulturskole.web import jobs, labels
from kulturskole.web.context import action, day_param, page, reading, redirect, render
from kulturskole.web.export import table_response, wanted

SHOWN = 25  # runs listed on the page; the download has more
RUN_COLUMNS = [
    ("Flyt", lambda r: labels.label(labels.FLOWS, r["flow"])),
    ("Per dato", "as_of"),
    ("Ferdig", "finished_at"),
    ("Program", "programme"),
    ("Utfall", lambda r: "; ".join(f"{k}: {v}" for k, v in r["summary"].items())),
    ("Prefect-kjøring", "flow_run_id"),
]


@page()
def runs(request: Request, user: Account) -> Response:
    with reading(request) as session:
        form = wanted(request)
        recorded = recent_runs(session, limit=500 if form else SHOWN)
    if form:
        return table_response(recorded, RUN_COLUMNS, "kjoringer", form)
    started = sorted(request.app.state.jobs.values(), key=lambda j: j.created_at, reverse=True)
    return render(
        request,
        "runs.html",
        recorded=recorded,
        started=started,
        busy=jobs.running(request.app.state.jobs),
        prefect=jobs.prefect_configured(),
        as_of=day_param(request),
        flow=request.query_params.get("flow") or "invoicing",
    )


@action("admin")
def preview(request: Request, form: dict[str, str], user: Account) -> Response:
    launch = jobs.launch_of(form.get("flow"))
    day = day_param(request, value=form.get("as_of") or None)
    if launch.dry_run:
        result, due = jobs.preview(request.app.state.jobs, launch.key, day), None
    else:
        jobs.refuse_if_busy(request.app.state.jobs)
        with reading(request) as session:
            result, due = None, mail_due(session)
    return render(
        request,
        "runs_preview.html",
        flow=launch.key,
        as_of=day,
        result=result,
        due=due,
        prefect=jobs.prefect_configured(),
        events=_event_titles(request),
    )


@action("admin")
def start(request: Request, form: dict[str, str], user: Account) -> Response:
    launch = jobs.launch_of(form.get("flow"))
    day = day_param(request, value=form.get("as_of") or None)
    job = jobs.start(request.app.state.jobs, launch.key, day, user.email)
    return redirect(f"/runs/jobs/{job.id}")


@page()
def job_page(request: Request, user: Account) -> Response:
    job = jobs.find(request.app.state.jobs, request.path_params["job_id"])
    jobs.follow(job, lambda run_id: _recorded_summary(request, run_id))
    template = (
        "runs_job_status.html" if request.query_params.get("part") == "job" else "runs_job.html"
    )
    events = _event_titles(request) if job.done else {}
    return render(request, template, job=job, prefect=job.mode == "prefect", events=events)


def _event_titles(request: Request) -> dict[str, str]:
    """The programme's events by id, to name the gathering or visit window a row is about."""
    with reading(request) as session:
        try:
            return {e["id"]: e["title"] for e in programme_detail(session)["events"]}
        except KulturskoleError:  # no programme, or several: the ids stay
            return {}


def _recorded_summary(request: Request, flow_run_id: str) -> dict | None:
    with reading(request) as session:
        run = run_of_flow_run(session, flow_run_id)
    return run["summary"] if run else None


routes = [
    Route("/runs", runs, methods=["GET"]),
    Route("/runs/preview", preview, methods=["POST"]),
    Route("/runs/start", start, methods=["POST"]),
    Route("/runs/jobs/{job_id}", job_page, methods=["GET"]),
]
