"""Errors that are the user's to fix: the CLI prints them as one line and exits 2."""

from __future__ import annotations


class KulturskoleError(Exception):
    """Base class of every error a user can cause and understand."""

    exit_code = 2


class NotFound(KulturskoleError):
    pass


class InvalidInput(KulturskoleError):
    pass


class InvalidFile(KulturskoleError):
    """A file was refused; the message names the file, line and reason."""


class ConcurrentChange(KulturskoleError):
    """Somebody else changed the same case at the same moment; nothing was written."""


class DatabaseNotReady(KulturskoleError):
    pass


class ConfigurationError(KulturskoleError):
    """A setting in the environment (KULTURSKOLE_…) cannot be used; the message names it."""
