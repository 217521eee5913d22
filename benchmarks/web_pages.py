"""Server time of the web console's pages: the case list and the case page, and the overview,
the ledger, the outbox and the audit, over the demo's cases and over many synthetic ones.

    uv run python benchmarks/web_pages.py --demo                 # the demo's 143 cases (~1 min)
    uv run python benchmarks/web_pages.py --cases 10000          # 10 000 cases (~2 min setup)
    uv run python benchmarks/web_pages.py --demo --cases 10000 --repeats 30 [--database-url URL]

``--demo`` plays ``kulturskole demo`` (40 % of the municipalities, seed 2024) into a temporary
folder and measures its database as of the demo's last day. ``--cases N`` builds N active cases
as benchmarks/obligations.py does (Core bulk inserts with a correct hash chain: apply → select →
contract → activate; groups of five, attendance, plans delivered), then runs the real services
over them as of 2025-02-14: instalments 1 and 2 issued (invoice, documents, mail, history), and
monitor-obligations (breaches opened, warnings queued, history). ``--database-url`` (PostgreSQL)
applies to ``--cases`` only; the benchmark empties that database.

Each page is requested by an in-process HTTP client (Starlette's TestClient) logged in as an
administrator; the time is measured inside the application (from the request reaching the ASGI
app to its last byte sent), after one warm-up request. A page answers 404 where it is not built
(yet) and is then reported as missing. Printed: median and 90th percentile in ms per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from contextlib import chdir
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select  # noqa: E402
from starlette.types import ASGIApp, Receive, Scope, Send  # noqa: E402

from kulturskole import bootstrap  # noqa: E402
from kulturskole.db import engine_for, unit_of_work  # noqa: E402
from kulturskole.services.users import add_user  # noqa: E402
from models import Case, HistoryEntry, Municipality  # noqa: E402

bootstrap.wire()  # as every entry point does: transitions run their reactions
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

SYNTHETIC_AS_OF = date(2025, 2, 14)
LOGIN = ("benchmark@kulturskoleradet.no", "et langt benchmarkpassord")
BUDGET_SECONDS = 30.0  # per page: fewer repeats for a page slower than budget / repeats


class Timed:
    """ASGI middleware that records the application's own time per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last: float = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.last = time.perf_counter() - started


# --- the data -------------------------------------------------------------------------------
def demo_database(folder: Path) -> tuple[Engine, date]:
    """The demo played into ``folder``; its engine and last day."""
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["KULTURSKOLE_DATABASE_URL"] = f"sqlite:///{folder / 'demo.db'}"
    os.environ["KULTURSKOLE_OUTBOX_DIR"] = str(folder / "outbox")
    # Prefect's temporary server, as `kulturskole demo` starts it; a first start migrates its
    # database, which can take longer than Prefect's default 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    from kulturskole.demo import run_demo

    with chdir(folder):
        result = run_demo(0.4, 2024)
    return engine_for(os.environ["KULTURSKOLE_DATABASE_URL"]), result.as_of


def synthetic_database(url: str, count: int) -> tuple[Engine, date]:
    from benchmarks.data import mix, setup
    from kulturskole.history import Acting
    from kulturskole.invoicing import issuing
    from kulturskole.obligations import breaches

    engine = engine_for(url)
    setup(engine, count)
    mix(engine)
    issuing.run(engine, Acting("benchmark", SYNTHETIC_AS_OF))
    breaches.monitor(engine, Acting("benchmark", SYNTHETIC_AS_OF))
    return engine, SYNTHETIC_AS_OF


def richest_case(engine: Engine) -> tuple[str, str]:
    """(kommunenummer, name) of the case with the longest history."""
    with unit_of_work(engine, readonly=True) as session:
        return session.execute(
            select(Case.municipality_number, Municipality.name)
            .join(Municipality, Municipality.number == Case.municipality_number)
            .join(HistoryEntry, HistoryEntry.case_id == Case.id)
            .group_by(Case.id, Case.municipality_number, Municipality.name)
            .order_by(func.count().desc(), Case.municipality_number)
            .limit(1)
        ).one()


# --- the measuring --------------------------------------------------------------------------
def logged_in_client(engine: Engine, today: date):  # noqa: ANN201 (a TestClient)
    import re

    from starlette.testclient import TestClient

    from kulturskole.web.app import create_app

    with unit_of_work(engine) as session:
        add_user(session, LOGIN[0], "Benchmark", "admin", LOGIN[1])
    timed = Timed(create_app(engine, secret="benchmark", today=lambda: today))
    client = TestClient(timed, follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post(
        "/login", data={"email": LOGIN[0], "password": LOGIN[1], "csrf": token, "next": "/"}
    )
    assert answer.status_code == 303, f"login failed: {answer.status_code}"
    return client, timed


def measure(client, timed: Timed, path: str, repeats: int) -> list[float] | str:  # noqa: ANN001
    """Server times in ms, or why the page could not be measured."""
    first = client.get(path)  # warm-up: templates compiled, caches filled
    if first.status_code == 404:
        return "missing (404: not on this branch)"
    if first.status_code != 200:
        return f"answered {first.status_code}"
    samples: list[float] = []
    spent = 0.0
    while len(samples) < repeats and (spent < BUDGET_SECONDS or len(samples) < 3):
        client.get(path)
        samples.append(timed.last * 1000)
        spent += timed.last
    return samples


def pages(number: str, name: str) -> list[tuple[str, str]]:
    return [
        ("/", "Oversikt"),
        ("/cases", "Saker, side 1"),
        ("/cases?page=5&sort=state&desc=1", "Saker, side 5 sortert"),
        ("/cases?q=berg", "Saker, søk"),
        (f"/cases/{number}", f"Sak ({name})"),
        ("/invoices", "Fakturaer"),
        ("/mail", "E-post"),
        ("/audit", "Revisjon"),
    ]


def report(title: str, engine: Engine, today: date, repeats: int) -> None:
    client, timed = logged_in_client(engine, today)
    number, name = richest_case(engine)
    print(f"\n{title} on {engine.dialect.name}, as of {today}; server time in ms")
    print(f"{'page':<38} {'what':<24} {'median':>8} {'p90':>8} {'n':>4}")
    for path, what in pages(number, name):
        result = measure(client, timed, path, repeats)
        what = what[:24]
        if isinstance(result, str):
            print(f"{path:<38} {what:<24} {result}")
            continue
        p90 = statistics.quantiles(result, n=10)[-1] if len(result) > 1 else result[0]
        print(
            f"{path:<38} {what:<24} {statistics.median(result):>8.1f} {p90:>8.1f} {len(result):>4}"
        )
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demo", action="store_true", help="measure the demo's database")
    parser.add_argument("--cases", type=int, help="measure N synthetic cases")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--database-url", help="for --cases: a PostgreSQL database to empty")
    args = parser.parse_args()
    if not args.demo and not args.cases:
        parser.error("say --demo, --cases N, or both")
    folder = Path(tempfile.mkdtemp(prefix="web-pages-"))
    if args.demo:
        started = time.perf_counter()
        engine, today = demo_database(folder / "demo")
        with unit_of_work(engine, readonly=True) as session:
            count = session.scalar(select(func.count()).select_from(Case))
        print(f"demo played in {time.perf_counter() - started:.0f} s")
        report(f"{count} cases (the demo)", engine, today, args.repeats)
    if args.cases:
        started = time.perf_counter()
        url = args.database_url or f"sqlite:///{folder / 'cases.db'}"
        engine, today = synthetic_database(url, args.cases)
        print(f"\n{args.cases} cases built in {time.perf_counter() - started:.0f} s")
        report(f"{args.cases} cases (synthetic)", engine, today, args.repeats)


if __name__ == "__main__":
    main()
