"""`kulturskole users …`: accounts of the web console, passwords from standard input."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from kulturskole.db import unit_of_work
from kulturskole.services.users import authenticate
from models import User
from tests.support.cli import run

PASSWORD = "riktig hest batteri"


def _add(cli: CliRunner, email: str, role: str = "finance", password: str = PASSWORD):  # noqa: ANN202
    from kulturskole.cli import app

    return cli.invoke(
        app,
        ["users", "add", email, "--name", "Frida Finans", "--role", role],
        input=password + "\n",
        catch_exceptions=False,
    )


def test_add_stores_an_argon2_hash_never_the_password(engine: Engine, cli: CliRunner) -> None:
    result = _add(cli, "Frida.Finans@Kulturskoleradet.no")
    assert result.exit_code == 0, result.output
    assert "frida.finans@kulturskoleradet.no added (finance)" in result.output
    assert PASSWORD not in result.output
    with unit_of_work(engine, readonly=True) as session:
        user = session.scalars(select(User)).one()
        assert user.email == "frida.finans@kulturskoleradet.no"
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert authenticate(session, "frida.finans@kulturskoleradet.no", PASSWORD) is not None
        assert authenticate(session, "frida.finans@kulturskoleradet.no", "wrong") is None


def test_list_shows_accounts_as_json(engine: Engine, cli: CliRunner) -> None:
    _add(cli, "frida@kulturskoleradet.no")
    data = json.loads(run(cli, "users", "list", "--json").output)
    assert [(d["email"], d["role"], d["active"]) for d in data] == [
        ("frida@kulturskoleradet.no", "finance", True)
    ]
    assert all("password" not in key for d in data for key in d)


def test_disable_ends_the_login(engine: Engine, cli: CliRunner) -> None:
    _add(cli, "frida@kulturskoleradet.no")
    result = run(cli, "users", "disable", "frida@kulturskoleradet.no")
    assert result.exit_code == 0
    with unit_of_work(engine, readonly=True) as session:
        assert authenticate(session, "frida@kulturskoleradet.no", PASSWORD) is None
    assert json.loads(run(cli, "users", "list", "--json").output)[0]["active"] is False


def test_password_changes_the_password(engine: Engine, cli: CliRunner) -> None:
    from kulturskole.cli import app

    _add(cli, "frida@kulturskoleradet.no")
    result = cli.invoke(
        app, ["users", "password", "frida@kulturskoleradet.no"], input="et nytt passord\n"
    )
    assert result.exit_code == 0, result.output
    with unit_of_work(engine, readonly=True) as session:
        assert authenticate(session, "frida@kulturskoleradet.no", PASSWORD) is None
        assert authenticate(session, "frida@kulturskoleradet.no", "et nytt passord") is not None


def test_refusals_say_why_and_add_nothing(engine: Engine, cli: CliRunner) -> None:
    cases = [
        (("not-an-address", "admin", PASSWORD), "is not an e-mail address"),
        (("a@kulturskoleradet.no", "boss", PASSWORD), "unknown role 'boss'; use one of admin"),
        (("a@kulturskoleradet.no", "admin", "short"), "at least 10 characters"),
        (("a@kulturskoleradet.no", "admin", ""), "no password on standard input"),
    ]
    for (email, role, password), message in cases:
        result = _add(cli, email, role, password)
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "Traceback" not in result.output
    with unit_of_work(engine, readonly=True) as session:
        assert session.scalars(select(User)).all() == []


def test_a_second_account_for_the_same_address_is_refused(engine: Engine, cli: CliRunner) -> None:
    _add(cli, "frida@kulturskoleradet.no")
    result = _add(cli, "FRIDA@kulturskoleradet.no", "admin")
    assert result.exit_code == 2
    assert "already an account for frida@kulturskoleradet.no" in result.output
    with unit_of_work(engine, readonly=True) as session:
        assert [u.role for u in session.scalars(select(User))] == ["finance"]


def test_disable_of_an_unknown_account_is_refused(engine: Engine, cli: CliRunner) -> None:
    result = run(cli, "users", "disable", "nobody@kulturskoleradet.no")
    assert result.exit_code == 2
    assert "no account for nobody@kulturskoleradet.no" in result.output


def test_web_refuses_a_database_that_is_not_migrated(
    cli: CliRunner,
    tmp_path,
    monkeypatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("KULTURSKOLE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = run(cli, "web", "--port", "8999")
    assert result.exit_code == 2
    assert "run `kulturskole db upgrade` first" in result.output
