"""Delivery rate of the outbox to a local SMTP server (aiosmtpd on 127.0.0.1).

    uv run python benchmarks/mail_delivery.py [--messages 1000] [--database-url URL]

Queues N rendered messages (through the same `queue` the transitions use), then times one
`deliver_due` run over SMTP to an aiosmtpd server in its own process (handler Sink), and the
same number again written as .eml files.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kulturskole import PROGRAMMES_DIR, bootstrap  # noqa: E402
from kulturskole.config import get_settings  # noqa: E402
from kulturskole.db import engine_for, unit_of_work  # noqa: E402
from kulturskole.history import Acting  # noqa: E402
from kulturskole.migrate import upgrade  # noqa: E402
from kulturskole.programme_file import parse_programme_file  # noqa: E402
from kulturskole.services import cases as service  # noqa: E402
from kulturskole.services.municipalities import import_municipalities  # noqa: E402
from kulturskole.services.programmes import load_programme  # noqa: E402
from notifications import case_mail  # noqa: E402
from notifications.delivery import deliver_due  # noqa: E402
from notifications.outbox import queue  # noqa: E402
from tests.support.smtp_server import free_port  # noqa: E402

bootstrap.wire()  # as every entry point does: transitions run their reactions

AS_OF = date(2024, 4, 15)


def fill(engine, count: int) -> float:  # noqa: ANN001
    acting = Acting("benchmark", AS_OF)
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        service.apply(
            session,
            "0301",
            service.Application(
                "Kari Nordmann", "kari@oslo.kommune.example.no", "Utvikle", "Inkludering", True
            ),
            acting,
        )
        case = service.find_case(session, "0301", for_update=True)
        to = case_mail.coordinator_or_contact(case)
        context = case_mail.common_context(case, to) | {
            "applied_on": AS_OF,
            "contact": {"name": to.name},
        }
        for i in range(count - 1):  # the application itself queued one
            queue(
                session,
                key=f"benchmark/{i}",
                template="application_received",
                context=context,
                to=[to],
                case=case,
                acting=acting,
            )
    return time.perf_counter() - started


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    for mode in ("smtp", "files"):
        url = args.database_url or f"sqlite:///{folder / f'{mode}.db'}"
        engine = engine_for(url)
        upgrade(engine)
        with unit_of_work(engine) as session:
            import_municipalities(session)
            load_programme(
                session, parse_programme_file(PROGRAMMES_DIR / "regionale-2024-2025.yaml")
            )
        queued_in = fill(engine, args.messages)
        os.environ["KULTURSKOLE_OUTBOX_DIR"] = str(folder / "outbox")
        server = None
        if mode == "smtp":
            port = free_port()
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    f"127.0.0.1:{port}",
                    "-c",
                    "aiosmtpd.handlers.Sink",
                ]
            )
            wait_for(port)
            os.environ["KULTURSKOLE_SMTP_HOST"] = "127.0.0.1"
            os.environ["KULTURSKOLE_SMTP_PORT"] = str(port)
        else:
            os.environ.pop("KULTURSKOLE_SMTP_HOST", None)
        try:
            started = time.perf_counter()
            report = asyncio.run(deliver_due(engine, get_settings(), AS_OF))
            elapsed = time.perf_counter() - started
        finally:
            if server is not None:
                server.terminate()
                server.wait()
        assert len(report.sent) == args.messages, report.as_json()
        print(
            f"{mode:>5}: queued {args.messages} in {queued_in:.2f} s; delivered in "
            f"{elapsed:.2f} s = {args.messages / elapsed:.0f} messages/s"
        )
        if args.database_url:
            break


if __name__ == "__main__":
    main()
