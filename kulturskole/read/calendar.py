"""Blocked periods: days on which no visit may fall (weekends and public holidays always are)."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import BlockedPeriod

# "from" is a Python keyword, hence the functional form.
BlockedPeriodRow = TypedDict(
    "BlockedPeriodRow",
    {"id": int, "scope": str, "ref": str | None, "from": str, "to": str, "reason": str},
)


def list_blocked_periods(session: Session) -> list[BlockedPeriodRow]:
    """Every blocked period by its first day."""
    return [
        {
            "id": period.id,
            "scope": period.scope,
            "ref": period.ref,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "reason": period.reason,
        }
        for period in session.scalars(select(BlockedPeriod).order_by(BlockedPeriod.start))
    ]
