"""The access point the settings name (``KULTURSKOLE_ACCESS_POINT``), or None."""

from __future__ import annotations

from kulturskole.config import Settings
from kulturskole.invoicing.delivery.document import AccessPoint
from kulturskole.invoicing.delivery.folder import FolderDrop
from kulturskole.invoicing.delivery.rest import HttpAccessPoint

__all__ = ["AccessPointNotConfigured", "configured_access_point"]


class AccessPointNotConfigured(ValueError):
    """The settings choose an access point but leave out what it needs."""


def configured_access_point(settings: Settings) -> AccessPoint | None:
    """``none`` → None (EHF is not sent; invoices go by PDF in the mail), ``folder`` →
    :class:`FolderDrop` in ``access_point_folder``, ``http`` → :class:`HttpAccessPoint`."""
    match settings.access_point:
        case "none":
            return None
        case "folder":
            return FolderDrop(settings.access_point_folder)
        case "http":
            missing = [
                name
                for name, value in (
                    ("KULTURSKOLE_ACCESS_POINT_URL", settings.access_point_url),
                    ("KULTURSKOLE_ACCESS_POINT_TOKEN", settings.access_point_token),
                )
                if not value
            ]
            if missing:
                raise AccessPointNotConfigured(
                    f"KULTURSKOLE_ACCESS_POINT=http needs {' and '.join(missing)}"
                )
            return HttpAccessPoint(
                settings.access_point_url,
                settings.access_point_token,
                timeout=settings.access_point_timeout,
            )
    raise AccessPointNotConfigured(f"unknown access point {settings.access_point!r}")
