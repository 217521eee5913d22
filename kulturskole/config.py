"""Configuration from the environment (prefix ``KULTURSKOLE_``)."""

from __future__ import annotations

import getpass
import os
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kulturskole.errors import ConfigurationError


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "unknown"


class Settings(BaseSettings):
    # The environment wins over a .env file in the folder the command runs in.
    model_config = SettingsConfigDict(
        env_prefix="KULTURSKOLE_", extra="ignore", env_file=".env", env_file_encoding="utf-8"
    )

    database_url: str = "sqlite:///var/kulturskole.db"
    actor: str = Field(default_factory=_os_user)
    timezone: str = "Europe/Oslo"

    # Mail. SMTP is used when smtp_host is set; otherwise messages are written as .eml files.
    smtp_host: str | None = None
    smtp_port: int | None = None  # default: 25 (none), 587 (starttls), 465 (tls)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout: float = 30.0
    smtp_ca_file: Path | None = None  # a private CA to trust, beside the system's
    mail_from: str = "Norsk kulturskoleråd <ikke-svar@kulturskoleradet.no>"
    outbox_dir: Path = Path("var/outbox")
    mail_max_attempts: int = 6
    mail_retry_seconds: float = 60.0  # first retry; doubles each time
    mail_lease_seconds: float = 600.0  # a claimed message not marked by then is sent again

    # The council, as it presents itself in what municipalities receive.
    council_name: str = "Norsk kulturskoleråd"
    council_website: str | None = "https://www.kulturskoleradet.no"
    # The programme contact copied where an administrator expects it; default: the programme
    # file's contact person.
    programme_contact_name: str | None = None
    programme_contact_email: str | None = None

    # The web console. Without a secret, one is made once and kept in web_secret_file (0600),
    # so that sessions outlive a restart.
    web_secret: SecretStr | None = None
    web_secret_file: Path = Path("var/web-secret")
    web_session_hours: float = 10.0

    # The access point that EHF documents are handed to (kulturskole.invoicing.delivery):
    # none (EHF not sent), a folder drop for the provider to pick up, or an access point's REST
    # API (URL and bearer token).
    access_point: Literal["none", "folder", "http"] = "none"
    access_point_folder: Path = Path("var/ehf-outbox")
    access_point_url: str | None = None
    access_point_token: SecretStr | None = None
    access_point_timeout: float = 30.0

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Oslo)") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    def today(self) -> date:
        """Today's date on the programme's calendar (Europe/Oslo)."""
        return datetime.now(self.tz).date()


def get_settings() -> Settings:
    """The settings for the environment as it is now: a changed environment takes effect at
    once (tests, scripts), an unchanged one costs a dictionary lookup, not a parse."""
    return _settings_for(_environment_key())


def _environment_key() -> tuple[tuple[str | bytes, str | bytes], ...]:
    """The KULTURSKOLE_ variables as they are now. On POSIX read from os.environ's own bytes
    mapping (which every change of os.environ updates): iterating os.environ decodes every
    variable, and a mail renderer asks for the settings several times per message."""
    raw = getattr(os.environ, "_data", None)
    if os.name == "posix" and isinstance(raw, dict):
        return tuple(sorted((k, v) for k, v in raw.items() if k.startswith(b"KULTURSKOLE_")))
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("KULTURSKOLE_")))


@lru_cache(maxsize=32)
def _settings_for(_environment: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(_what_is_wrong(exc)) from None


def _what_is_wrong(error: ValidationError) -> str:
    """ "KULTURSKOLE_SMTP_PORT='abc': not a whole number" for each setting refused, in one line."""
    problems = []
    for problem in error.errors():
        name = "KULTURSKOLE_" + "_".join(str(part) for part in problem["loc"]).upper()
        text = problem["msg"].removeprefix("Value error, ")
        problems.append(f"{name}={problem.get('input')!r}: {text}")
    return "; ".join(problems) + " (check the environment or the .env file)"
