"""STARTTLS and implicit TLS with login, against aiosmtpd with a certificate from a test CA."""

from __future__ import annotations

import asyncio
import ssl
from datetime import date
from pathlib import Path

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, select

from kulturskole.config import get_settings
from kulturskole.db import unit_of_work
from models import Message
from notifications.delivery import deliver_due
from tests.builders.cases import apply_case
from tests.support.smtp_server import Handler, smtp_server

pytestmark = pytest.mark.usefixtures("programme_loaded")
USER, PASSWORD = "kulturskole", "hemmelig-passord-42"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def configure(
    monkeypatch: pytest.MonkeyPatch,
    port: int,
    security: str,
    ca_file: Path,
    password: str = PASSWORD,
) -> None:
    for key, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": security,
        "SMTP_USERNAME": USER,
        "SMTP_PASSWORD": password,
        "SMTP_CA_FILE": str(ca_file),
        "SMTP_TIMEOUT": "5",
        "MAIL_RETRY_SECONDS": "0",
    }.items():
        monkeypatch.setenv(f"KULTURSKOLE_{key}", value)


def status(engine: Engine) -> tuple[str, str | None]:
    with unit_of_work(engine) as session:
        message = session.scalars(select(Message)).one()
        return message.status, message.last_error


def test_starttls_with_login_delivers(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    server_context,
    ca_file: Path,  # noqa: ANN001
) -> None:
    apply_case(engine)
    handler = Handler()
    with smtp_server(
        handler,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    ) as port:
        configure(monkeypatch, port, "starttls", ca_file)
        report = asyncio.run(deliver_due(engine, get_settings(), date(2024, 4, 15)))
    assert len(report.sent) == 1 and len(handler.received) == 1
    assert status(engine) == ("sent", None)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_with_login_delivers(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    server_context,
    ca_file: Path,  # noqa: ANN001
) -> None:
    apply_case(engine)
    handler = Handler()
    with smtp_server(
        handler,
        ssl_context=server_context,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    ) as port:
        configure(monkeypatch, port, "tls", ca_file)
        report = asyncio.run(deliver_due(engine, get_settings(), date(2024, 4, 15)))
    assert len(report.sent) == 1 and len(handler.received) == 1


def test_wrong_password_is_retried_and_never_recorded(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    server_context,
    ca_file: Path,  # noqa: ANN001
) -> None:
    apply_case(engine)
    handler = Handler()
    with smtp_server(
        handler,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    ) as port:
        configure(monkeypatch, port, "starttls", ca_file, password="feil-passord-99")
        report = asyncio.run(deliver_due(engine, get_settings(), date(2024, 4, 15)))
    state, error = status(engine)
    assert report.retrying and state == "queued" and "login refused: 535" in error
    assert "feil-passord-99" not in error and handler.received == []


def test_untrusted_certificate_is_not_accepted(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    server_context,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    apply_case(engine)
    other_ca = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    handler = Handler()
    with smtp_server(
        handler,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    ) as port:
        configure(monkeypatch, port, "starttls", other_ca)
        report = asyncio.run(deliver_due(engine, get_settings(), date(2024, 4, 15)))
    assert report.retrying and handler.received == []
    assert "certificate" in status(engine)[1].lower()
