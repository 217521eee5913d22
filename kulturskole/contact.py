"""Checking contact details when they are entered, not when mail bounces."""

from __future__ import annotations

import re

from kulturskole.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Line and paragraph separators and the other breaks Unicode has beside the control characters.
_BREAKS = re.compile("[\x85\u2028\u2029]")


def clean_name(value: str, what: str = "name") -> str:
    """A person's name: not empty, one line (no CR/LF that could inject mail headers)."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is empty")
    if _CONTROL.search(value) or _BREAKS.search(value):
        raise InvalidInput(f"{what} {value!r} contains control characters (line breaks)")
    if len(value) > 200:
        raise InvalidInput(f"{what} is longer than 200 characters")
    return value


def clean_email(value: str) -> str:
    """A syntactically valid address, normalised; refused with the validator's reason."""
    # Imported here: its grammar takes a noticeable part of a read command's start to compile.
    from email_validator import EmailNotValidError, validate_email

    value = (value or "").strip()
    if _CONTROL.search(value) or _BREAKS.search(value):
        raise InvalidInput(f"e-mail address {value!r} contains control characters")
    try:
        # A domain may have æøå (post@bø.kommune.no: stored as typed, sent as IDNA by
        # notifications.compose); the part before the @ may not, as mail servers without
        # SMTPUTF8 refuse it.
        return validate_email(value, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(f"e-mail address {value!r} is invalid: {exc}") from None


def clean_phone(value: str) -> str:
    """A phone number of digits, spaces and hyphens and an optional leading +, 8 to 15 digits;
    stored with single spaces (a line break, a tab or U+2028 is refused, not stored)."""
    value = (value or "").strip()
    if re.search(r"[^0-9+ -]", value) or not re.fullmatch(
        r"\+?[0-9]{8,15}", re.sub("[ -]", "", value)
    ):
        raise InvalidInput(
            f"phone number {value!r} is invalid: use 8 to 15 digits, with spaces or hyphens "
            "between them if you like, and optionally a leading +"
        )
    return re.sub(" +", " ", value)
