"""An access point's REST API: the document POSTed as XML, addressed in headers.

``POST <url>`` with ``Authorization: Bearer <token>``, ``Content-Type: application/xml``,
``Peppol-Sender-Id``, ``Peppol-Receiver-Id``, ``Peppol-Document-Type-Id``, ``Peppol-Process-Id``
and an ``Idempotency-Key`` (``<series>-<number>-<sha256>``), so that a retry after a lost answer
is not a second invoice. The answer, read strictly:

- 2xx with ``{"id": ..., "status": "delivered"}`` → delivered; ``"accepted"`` → pending;
  ``"rejected"`` (with a ``reason``) → rejected;
- 4xx about the document (400, 409, 413, 415, 422, …) → rejected, with the reason the body gives;
- 401/403/404/405/407/408/429, any 5xx, a redirect, a 2xx that does not say what happened, a
  connection error or a timeout → :class:`DeliveryUnavailable`: nothing is recorded as sent,
  and the caller tries again later (the idempotency key makes that safe).

What became of a document handed over (answered ``accepted``) is asked with
``GET <url>/<id>`` (the id percent-encoded), the same bearer token, ``Accept: application/json``:

- 200 with ``{"status": "delivered"}`` → delivered; ``{"status": "rejected", "reason": ...}``
  → rejected with the reason; ``"accepted"`` or ``"pending"`` → None (nothing known yet);
  an ``at`` (ISO 8601) in the body, when given, dates the answer;
- 404 → None: the access point knows nothing (yet) of that id;
- a timeout, a connection error, any 5xx, any other status or a 200 that does not say what
  happened → :class:`DeliveryUnavailable`: ask again later.

The token is kept as a :class:`~pydantic.SecretStr` and never written to a log, an error or a
repr; neither is a password in the URL.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from kulturskole.invoicing.delivery.document import (
    CHANNEL,
    DeliveryUnavailable,
    Receipt,
    UblDocument,
)

__all__ = ["HttpAccessPoint"]

log = logging.getLogger(__name__)
# Statuses that say nothing about the document: credentials, address, rate, the server's clock.
_NOT_ABOUT_THE_DOCUMENT = {401, 403, 404, 405, 407, 408, 421, 425, 429}
_REASON_KEYS = ("reason", "message", "detail", "error", "title", "description")
_MAX_REASON = 500


class HttpAccessPoint:
    """Sends documents to an access point's REST API."""

    channel = CHANNEL

    def __init__(self, url: str, token: SecretStr | str, timeout: float = 30.0) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"access point URL must be http(s): {_redacted(url)}")
        self.url = url
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)
        if not self._token.get_secret_value():
            raise ValueError("access point token is empty")
        self.timeout = float(timeout)

    def __repr__(self) -> str:
        return f"HttpAccessPoint({_redacted(self.url)!r}, token=**********, timeout={self.timeout})"

    def send(self, document: UblDocument) -> Receipt:
        headers = {
            "Authorization": f"Bearer {self._token.get_secret_value()}",
            "Content-Type": "application/xml",
            "Accept": "application/json",
            "Idempotency-Key": document.idempotency_key,
            "Peppol-Sender-Id": document.sender_id,
            "Peppol-Receiver-Id": document.receiver_id,
            "Peppol-Document-Type-Id": document.document_type_id,
            "Peppol-Process-Id": document.process_id,
            "X-Document-Name": document.name,
        }
        where = _redacted(self.url)
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.post(self.url, content=document.xml, headers=headers)
        except httpx.TimeoutException as exc:
            raise DeliveryUnavailable(
                f"{document.name}: the access point at {where} did not answer within "
                f"{self.timeout:g} s ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise DeliveryUnavailable(
                f"{document.name}: cannot reach the access point at {where}: "
                f"{type(exc).__name__}: {self._scrub(str(exc))}"
            ) from None
        return self._receipt(document, response, where)

    def status(self, document_reference: str) -> Receipt | None:
        if not document_reference:
            raise ValueError("a document reference is needed to ask for its status")
        url = f"{self.url.rstrip('/')}/{quote(document_reference, safe='')}"
        where = _redacted(url)
        headers = {
            "Authorization": f"Bearer {self._token.get_secret_value()}",
            "Accept": "application/json",
        }
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.get(url, headers=headers)
        except httpx.TimeoutException as exc:
            raise DeliveryUnavailable(
                f"{document_reference}: the access point at {where} did not answer within "
                f"{self.timeout:g} s ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise DeliveryUnavailable(
                f"{document_reference}: cannot reach the access point at {where}: "
                f"{type(exc).__name__}: {self._scrub(str(exc))}"
            ) from None
        return self._status(document_reference, response, where)

    def _status(self, reference: str, response: httpx.Response, where: str) -> Receipt | None:
        code = response.status_code
        if code == 404:
            return None
        body = _json(response)
        if code == 200 and isinstance(body, dict):
            status = body.get("status")
            if status in ("accepted", "pending"):
                return None
            at = _timestamp(body.get("at"))
            if status == "delivered":
                log.info("%s delivered, says %s", reference, where)
                return Receipt(status="delivered", message_id=reference, at=at)
            if status == "rejected":
                reason = self._scrub(_reason(body) or "rejected without a reason")
                log.warning("%s rejected, says %s: %s", reference, where, reason)
                return Receipt(status="rejected", message_id=reference, reason=reason, at=at)
        raise DeliveryUnavailable(
            f"{reference}: the access point at {where} answered {code} {response.reason_phrase} "
            f"without saying what became of it (expected status delivered|rejected|accepted): "
            f"{self._scrub(_reason(body) or _excerpt(response))}"
        )

    def _receipt(self, document: UblDocument, response: httpx.Response, where: str) -> Receipt:
        code = response.status_code
        body = _json(response)
        if 200 <= code < 300:
            status = body.get("status") if isinstance(body, dict) else None
            message_id = body.get("id") if isinstance(body, dict) else None
            if status in ("delivered", "accepted") and message_id not in (None, ""):
                outcome = "delivered" if status == "delivered" else "pending"
                log.info("%s %s by %s as %s", document.name, outcome, where, message_id)
                return Receipt(status=outcome, message_id=str(message_id))
            if status == "rejected":  # some access points answer a refusal with 200
                reason = self._scrub(_reason(body) or "rejected without a reason")
                log.warning("%s rejected by %s: %s", document.name, where, reason)
                return Receipt(
                    status="rejected",
                    message_id=None if message_id in (None, "") else str(message_id),
                    reason=reason,
                )
            raise DeliveryUnavailable(
                f"{document.name}: the access point at {where} answered {code} without saying "
                f"what happened (expected id and status accepted|delivered): "
                f"{self._scrub(_excerpt(response))}"
            )
        if 400 <= code < 500 and code not in _NOT_ABOUT_THE_DOCUMENT:
            reason = self._scrub(_reason(body) or _excerpt(response) or response.reason_phrase)
            message_id = body.get("id") if isinstance(body, dict) else None
            log.warning("%s rejected by %s (%s): %s", document.name, where, code, reason)
            return Receipt(
                status="rejected",
                message_id=None if message_id in (None, "") else str(message_id),
                reason=f"{code}: {reason}" if reason else str(code),
            )
        raise DeliveryUnavailable(
            f"{document.name}: the access point at {where} answered {code} "
            f"{response.reason_phrase}: {self._scrub(_reason(body) or _excerpt(response))}"
        )

    def _scrub(self, text: str) -> str:
        secret = self._token.get_secret_value()
        return text.replace(secret, "**********") if secret else text


def _timestamp(value: object) -> datetime:
    """The answer's ``at``, when it is an ISO 8601 timestamp (UTC without an offset); else now."""
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None


def _reason(body: object) -> str | None:
    if isinstance(body, dict):
        for key in _REASON_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:_MAX_REASON]
            if isinstance(value, list | dict) and value:  # e.g. FastAPI's detail list
                return json.dumps(value, ensure_ascii=False)[:_MAX_REASON]
    return None


def _excerpt(response: httpx.Response) -> str:
    return " ".join(response.text.split())[:_MAX_REASON]


def _redacted(url: str) -> str:
    """The URL without user name, password, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
