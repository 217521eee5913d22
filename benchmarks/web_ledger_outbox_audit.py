"""The console's Fakturaer, E-post and Revisjon pages over N cases: server time of each page
(median of a few requests) and of the read functions beneath them.

    uv run python benchmarks/web_ledger_outbox_audit.py --cases 10000 [--database-url URL]

Setup as benchmarks/invoicing.py (bulk-inserted cases with their history), then one invoicing
run: every case has an invoice, its mail in the outbox and a longer history chain.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from starlette.testclient import TestClient  # noqa: E402

from benchmarks.invoicing import AS_OF, setup  # noqa: E402
from kulturskole.db import engine_for, unit_of_work  # noqa: E402
from kulturskole.history import Acting  # noqa: E402
from kulturskole.invoicing import issuing  # noqa: E402
from kulturskole.read.audit import audit_history  # noqa: E402
from kulturskole.read.invoices import LedgerFilter, ledger_totals, list_invoices  # noqa: E402
from kulturskole.read.mail import list_messages  # noqa: E402
from kulturskole.services.users import add_user  # noqa: E402
from kulturskole.web.app import create_app  # noqa: E402
from kulturskole.web.security import LoginThrottle  # noqa: E402

PASSWORD = "benchmark-passord"


def timed(action, times: int = 5) -> float:  # noqa: ANN001
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def client_for(engine) -> TestClient:  # noqa: ANN001
    with unit_of_work(engine) as session:
        add_user(session, "bench@kulturskoleradet.no", "Benchmark", "viewer", PASSWORD)
    app = create_app(engine, secret="bench", today=lambda: AS_OF, throttle=LoginThrottle())
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login").text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login",
        data={"email": "bench@kulturskoleradet.no", "password": PASSWORD, "csrf": token},
    )
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=357)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = engine_for(url)
    setup(engine, args.cases)
    issuing.run(engine, Acting("benchmark", AS_OF))

    def read(function):  # noqa: ANN001, ANN202
        def run() -> None:
            with unit_of_work(engine, readonly=True) as session:
                function(session)

        return run

    client = client_for(engine)
    results = {
        "audit_history": timed(read(audit_history), 3),
        "ledger page (100 rows + totals)": timed(
            read(lambda s: (list_invoices(s, limit=100), ledger_totals(s, LedgerFilter())))
        ),
        "outbox page (100 rows)": timed(
            read(lambda s: list_messages(s, attention_first=True, limit=100))
        ),
        "GET /invoices": timed(lambda: client.get("/invoices")),
        "GET /invoices?q=syntetisk&open=1": timed(
            lambda: client.get("/invoices?q=syntetisk&open=1")
        ),
        "GET /mail": timed(lambda: client.get("/mail")),
        "GET /audit": timed(lambda: client.get("/audit"), 3),
        "GET /invoices?format=xlsx": timed(lambda: client.get("/invoices?format=xlsx"), 1),
    }
    with unit_of_work(engine, readonly=True) as session:
        report = audit_history(session)
    print(f"{args.cases} cases, {report['entries']} history entries, on {engine.dialect.name}:")
    for name, seconds in results.items():
        print(f"  {name:40} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
