"""The value types of a programme definition (slugs, texts, ISO dates, clock times, months,
weeks, e-mail addresses, the fee), the base of its parts, and the error a cross-field rule
raises. They read the same from the YAML file and from the JSON stored in
``Programme.definition`` (dates and the fee as text there)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

EventKind = Literal[
    "inspiration", "coordinator-meeting", "joint-gathering", "visit-window", "sharing-arena"
]
Mode = Literal["physical", "digital"]


def rule_error(message: str, *loc: str | int) -> PydanticCustomError:
    """An error of a cross-field rule; ``loc`` points below the model that raises it."""
    return PydanticCustomError("programme_rule", "{message}", {"message": message, "loc": loc})


def _pattern(regex: str, what: str) -> Any:
    compiled = re.compile(regex)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise PydanticCustomError("format", "Input should be {what}", {"what": what})
        return value

    return BeforeValidator(check)


def _iso_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("date_type", "Input should be a valid date (YYYY-MM-DD)")


def _clock(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,2}:[0-9]{2}", value):
        hours, minutes = (int(part) for part in value.split(":"))
        if hours < 24 and minutes < 60:
            return f"{hours:02d}:{minutes:02d}"
    raise PydanticCustomError("time_type", 'Input should be a clock time like "09:00"')


Slug = Annotated[
    str,
    _pattern(r"[a-z0-9]+(?:-[a-z0-9]+)*", "lower-case letters, digits and hyphens"),
    StringConstraints(max_length=100),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Clock = Annotated[str, BeforeValidator(_clock)]
Month = Annotated[str, _pattern(r"\d{4}-(?:0[1-9]|1[0-2])", 'a month like "2025-06"')]
Week = Annotated[int, Field(ge=1, le=53)]
Email = Annotated[str, _pattern(r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address")]
Fee = Annotated[
    Decimal,
    # At most one million kroner: a programme fee, and an amount every database stores in
    # øre (PostgreSQL's integer ends at 21 474 836,47 kr).
    Field(gt=0, le=Decimal("1000000"), decimal_places=2, allow_inf_nan=False),
    AfterValidator(lambda amount: amount.quantize(Decimal("0.01"))),
]


def end_not_before_start(end: date | None, info: ValidationInfo) -> date | None:
    start = info.data.get("start")
    if end is not None and start is not None and end < start:
        raise rule_error(f"end {end.isoformat()} is before start {start.isoformat()}")
    return end


class DefinitionModel(BaseModel):
    """A part of a programme definition: unknown keys are refused, and it never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
