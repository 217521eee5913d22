"""Configuration from the environment (prefix ``KULTURSKOLE_``)."""

from __future__ import annotations

import getpass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KULTURSKOLE_", extra="ignore")

    database_url: str = "sqlite:///var/kulturskole.db"
    actor: str = Field(default_factory=_os_user)
    timezone: str = "Europe/Oslo"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today's date on the programme's calendar (Europe/Oslo)."""
        return datetime.now(self.tz).date()


def get_settings() -> Settings:
    """Read the settings afresh, so that a changed environment takes effect (tests, scripts)."""
    return Settings()
