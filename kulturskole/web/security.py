"""Roles, CSRF tokens and the login throttle."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any

from models import USER_ROLES

# What each role may do; a role includes the ones after it.
RANK = {role: len(USER_ROLES) - i for i, role in enumerate(USER_ROLES)}  # admin 3 … viewer 1
FINANCE_ROLES = ("admin", "finance")


def may(role: str, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may: admin ⊇ finance ⊇ viewer."""
    return RANK.get(role, 0) >= RANK[needed]


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_valid(session: dict[str, Any], given: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


class LoginThrottle:
    """At most ``limit`` failed logins per address and per e-mail within ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._failures.get(key)
                if not failures:
                    continue
                while failures and now - failures[0] > self.window:
                    failures.popleft()
                if len(failures) >= self.limit:
                    wait = max(wait, self.window - (now - failures[0]))
        return int(wait) + (1 if wait else 0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
