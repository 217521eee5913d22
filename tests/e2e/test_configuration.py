"""A setting that cannot be used is one line naming it and exit 2, never a traceback; a .env
file in the folder the command runs in is read, and the environment wins over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kulturskole import config
from tests.support.cli import run


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """The settings are remembered per environment; a .env file is read when they are made."""
    config._settings_for.cache_clear()
    yield
    config._settings_for.cache_clear()


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("KULTURSKOLE_SMTP_PORT", "abc", "Input should be a valid integer"),
        ("KULTURSKOLE_TIMEZONE", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("KULTURSKOLE_TIMEZONE", "../../etc/passwd", "unknown time zone"),
        ("KULTURSKOLE_SMTP_SECURITY", "maybe", "Input should be 'none', 'starttls' or 'tls'"),
        ("KULTURSKOLE_MAIL_MAX_ATTEMPTS", "many", "Input should be a valid integer"),
    ],
)
def test_a_setting_that_cannot_be_used_is_one_line_and_exit_2(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    result = run(cli, "status")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {name}={value!r}: ") and says in line, line
    assert "Traceback" not in result.output


def test_a_dot_env_file_is_read_and_the_environment_wins(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KULTURSKOLE_SMTP_PORT", raising=False)
    (tmp_path / ".env").write_text("KULTURSKOLE_SMTP_PORT=abc\n", encoding="utf-8")
    refused = run(cli, "status")
    assert refused.exit_code == 2 and "KULTURSKOLE_SMTP_PORT='abc'" in refused.stderr
    (tmp_path / ".env").write_text("KULTURSKOLE_SMTP_PORT=2525\n", encoding="utf-8")
    config._settings_for.cache_clear()
    assert config.get_settings().smtp_port == 2525
    monkeypatch.setenv("KULTURSKOLE_SMTP_PORT", "2626")
    assert config.get_settings().smtp_port == 2626
