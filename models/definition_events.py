"""One line of a programme's timetable as the definition gives it: exact (start and end) or
tentative (``when`` text only), with its ISO weeks."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import Field, ValidationInfo, field_validator, model_validator

from models.definition_values import (
    Clock,
    DefinitionModel,
    EventKind,
    IsoDate,
    Mode,
    Month,
    Slug,
    Text,
    Week,
    end_not_before_start,
    rule_error,
)


def iso_weeks(start: date, end: date) -> list[int]:
    """The ISO week numbers the days from ``start`` to ``end`` fall in, in order."""
    weeks: list[int] = []
    day = start
    while day <= end:
        week = day.isocalendar().week
        if week not in weeks:
            weeks.append(week)
        day += timedelta(days=1)
    return weeks


def _week_touches_months(week: int, months: set[tuple[int, int]]) -> bool:
    for year in {year + shift for year, _ in months for shift in (-1, 0, 1)}:
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:  # week 53 in a year that has 52
            continue
        days = (monday + timedelta(days=offset) for offset in range(7))
        if any((day.year, day.month) in months for day in days):
            return True
    return False


class EventTime(DefinitionModel):
    start: Clock
    end: Clock

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise rule_error(f"end {end} is not after start {start}")
        return end


class EventDefinition(DefinitionModel):
    """One line of the timetable: exact (start and end) or tentative (``when`` text only)."""

    id: Slug
    title: Text
    kind: EventKind
    mode: Mode | None = None
    start: IsoDate | None = None
    end: IsoDate | None = None
    weeks: list[Week] = []
    tentative: bool = False
    when: Text | None = None
    months: list[Month] = []
    time: EventTime | None = None
    duration_minutes: int | None = Field(default=None, ge=1)
    note: Text | None = None

    _check_end = field_validator("end")(end_not_before_start)

    @field_validator("weeks")
    @classmethod
    def _weeks_match_dates(cls, weeks: list[int], info: ValidationInfo) -> list[int]:
        start, end = info.data.get("start"), info.data.get("end")
        if weeks and start is not None and end is not None:
            expected = iso_weeks(start, end)
            if weeks != expected:
                raise rule_error(
                    f"weeks {weeks} do not match the dates {start.isoformat()} to "
                    f"{end.isoformat()}, which fall in ISO weeks {expected}"
                )
        return weeks

    @model_validator(mode="after")
    def _exact_or_tentative(self) -> EventDefinition:
        if self.tentative:
            for name in ("start", "end"):
                if getattr(self, name) is not None:
                    raise rule_error(
                        f"a tentative event has no {name}; set tentative: false "
                        "when the dates are known",
                        name,
                    )
            if self.when is None:
                raise rule_error('a tentative event needs `when`, like "Juni eller august 2025"')
            months = {(int(month[:4]), int(month[5:])) for month in self.months}
            outside = [week for week in self.weeks if not _week_touches_months(week, months)]
            if months and outside:
                raise rule_error(f"weeks {outside} are not in the months {self.months}", "weeks")
        else:
            for name in ("start", "end"):
                if getattr(self, name) is None:
                    raise rule_error(
                        f"an exact event needs {name}; if the dates are not known yet, "
                        "set tentative: true and give `when`",
                        name,
                    )
            if self.months:
                raise rule_error("months are only for tentative events", "months")
        return self
