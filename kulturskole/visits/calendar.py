"""Which days a visit may fall on: not weekends, not Norwegian public holidays, not a period an
administrator blocked for everyone, the county, the municipality or the advisor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import BlockedPeriod


@dataclass(frozen=True)
class Block:
    scope: str
    ref: str | None
    start: date
    end: date
    reason: str


class Calendar:
    """Answers "may a visit to this municipality with this advisor fall on this day?"."""

    def __init__(self, blocks: Iterable[Block], years: Iterable[int]) -> None:
        self.public = holidays.country_holidays("NO", years=sorted(set(years)))
        self.blocks = list(blocks)
        self._common: dict[tuple[date, ...], list[date]] = {}

    @classmethod
    def load(cls, session: Session, start: date, end: date) -> Calendar:
        rows = session.scalars(
            select(BlockedPeriod).where(BlockedPeriod.start <= end, BlockedPeriod.end >= start)
        )
        blocks = [Block(r.scope, r.ref, r.start, r.end, r.reason) for r in rows]
        return cls(blocks, range(start.year, end.year + 1))

    def open_days(
        self, candidates: list[date], county: str, municipality: str, advisor: str
    ) -> list[date]:
        """The candidate days on which nothing blocks a visit (fast: the blocks that apply to
        everyone are worked out once per list of days)."""
        key = tuple(candidates)
        if key not in self._common:
            self._common[key] = [d for d in candidates if self._common_reason(d) is None]
        specific = [
            b
            for b in self.blocks
            if b.scope != "all" and self._applies(b, county, municipality, advisor)
        ]
        return [d for d in self._common[key] if not any(b.start <= d <= b.end for b in specific)]

    def _common_reason(self, day: date) -> str | None:
        if day.weekday() >= 5:
            return "weekend"
        if day in self.public:
            return f"public holiday ({self.public.get(day)})"
        for block in self.blocks:
            if block.scope == "all" and block.start <= day <= block.end:
                return f"blocked: {block.reason}"
        return None

    def why_blocked(self, day: date, county: str, municipality: str, advisor: str) -> str | None:
        if day.weekday() >= 5:
            return "weekend"
        if day in self.public:
            return f"public holiday ({self.public.get(day)})"
        for block in self.blocks:
            if block.start <= day <= block.end and self._applies(
                block, county, municipality, advisor
            ):
                return f"blocked: {block.reason}"
        return None

    @staticmethod
    def _applies(block: Block, county: str, municipality: str, advisor: str) -> bool:
        return (
            block.scope == "all"
            or (block.scope == "county" and block.ref == county)
            or (block.scope == "municipality" and block.ref == municipality)
            or (block.scope == "advisor" and (block.ref or "").casefold() == advisor.casefold())
        )


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
