"""A programme definition file (``programmes/*.yaml``): its schema, and parsing with line numbers.

Every error names the file, the line and the field, e.g.
``programmes/x.yaml:42: events[5].start: Input should be a valid date (YYYY-MM-DD)``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import kontonr, orgnr

from kulturskole.errors import InvalidFile

EventKind = Literal[
    "inspiration", "coordinator-meeting", "joint-gathering", "visit-window", "sharing-arena"
]
Mode = Literal["physical", "digital"]
Loc = tuple[str | int, ...]


def _rule(message: str, *loc: str | int) -> PydanticCustomError:
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
    Field(gt=0, decimal_places=2, allow_inf_nan=False),
    AfterValidator(lambda amount: amount.quantize(Decimal("0.01"))),
]


def _end_not_before_start(end: date | None, info: ValidationInfo) -> date | None:
    start = info.data.get("start")
    if end is not None and start is not None and end < start:
        raise _rule(f"end {end.isoformat()} is before start {start.isoformat()}")
    return end


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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Model):
    start: IsoDate
    end: IsoDate

    _check_end = field_validator("end")(_end_not_before_start)


class Contract(_Model):
    place: Text
    date_text: Text
    director: Text


class Contact(_Model):
    name: Text
    title: Text
    email: Email
    phone: Text


class InvoiceTrigger(_Model):
    """Which events end an invoicing step; ``mode`` None means any mode."""

    kind: EventKind
    mode: Mode | None = None

    def matches(self, event: EventDefinition) -> bool:
        return event.kind == self.kind and (self.mode is None or event.mode == self.mode)


class Invoicing(_Model):
    instalments: int = Field(ge=1)
    after: InvoiceTrigger
    payment_terms_days: int = Field(default=30, ge=0)
    # One unbroken sequence of invoice and credit-note numbers per series.
    series: Slug | None = None  # default: the programme id
    first_number: int = Field(default=1, ge=1)


def _orgnr(value: Any) -> Any:
    try:
        return orgnr.validate(str(value))
    except StdnumError as exc:
        raise PydanticCustomError(
            "orgnr", "not a valid organisation number: {reason}", {"reason": str(exc)}
        ) from None


def _account(value: Any) -> Any:
    try:
        return kontonr.validate(str(value))
    except StdnumError as exc:
        raise PydanticCustomError(
            "kontonr", "not a valid Norwegian bank account: {reason}", {"reason": str(exc)}
        ) from None


class Seller(_Model):
    """The council as it invoices: its own details, from the programme file, never from code."""

    name: Text
    organisation_number: Annotated[str, BeforeValidator(_orgnr)]
    vat_registered: bool = False
    street: Text | None = None
    postcode: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None = None
    city: Text | None = None
    bank_account: Annotated[str, BeforeValidator(_account)]
    email: Email | None = None
    phone: Text | None = None
    # False until finance has confirmed the details: documents then say "TESTFAKTURA".
    verified: bool = False


class Participation(_Model):
    min_group_size: int = Field(ge=1)


class Visits(_Model):
    """Guidance visits: the mode when a visit window does not say, and the times of day."""

    default_mode: Mode = "physical"
    physical_start: Clock = "10:00"
    physical_minutes: int = Field(default=150, ge=15, le=600)
    digital_starts: list[Clock] = ["09:00", "11:00", "13:00"]
    digital_minutes: int = Field(default=90, ge=15, le=480)


RULES = (
    "gathering-attendance",
    "coordinator-meetings",
    "group-composition",
    "development-plan",
    "meeting-plan",
    "visit-missed",
    "invoice-overdue",
)
Rule = Literal[
    "gathering-attendance",
    "coordinator-meetings",
    "group-composition",
    "development-plan",
    "meeting-plan",
    "visit-missed",
    "invoice-overdue",
]


class Obligations(_Model):
    """What a participating municipality must keep, and what follows when it does not."""

    min_present_at_gatherings: int = Field(default=2, ge=1)
    development_plan_due: IsoDate | None = None
    meeting_plan_due: IsoDate | None = None
    invoice_overdue_days: int = Field(default=30, ge=0)
    grace_days: int = Field(default=14, ge=0)
    # Rules whose breach, still open after the grace period, leads to a termination proposal.
    terminating_rules: list[Rule] = [
        "gathering-attendance",
        "coordinator-meetings",
        "group-composition",
        "development-plan",
    ]


class Reminders(_Model):
    """Reminders (påminnelser) to the coordinator before events of these kinds."""

    days_before: int = Field(default=7, ge=1, le=60)
    kinds: list[EventKind] = ["joint-gathering", "coordinator-meeting"]


class EventTime(_Model):
    start: Clock
    end: Clock

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise _rule(f"end {end} is not after start {start}")
        return end


class EventDefinition(_Model):
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

    _check_end = field_validator("end")(_end_not_before_start)

    @field_validator("weeks")
    @classmethod
    def _weeks_match_dates(cls, weeks: list[int], info: ValidationInfo) -> list[int]:
        start, end = info.data.get("start"), info.data.get("end")
        if weeks and start is not None and end is not None:
            expected = iso_weeks(start, end)
            if weeks != expected:
                raise _rule(
                    f"weeks {weeks} do not match the dates {start.isoformat()} to "
                    f"{end.isoformat()}, which fall in ISO weeks {expected}"
                )
        return weeks

    @model_validator(mode="after")
    def _exact_or_tentative(self) -> EventDefinition:
        if self.tentative:
            for name in ("start", "end"):
                if getattr(self, name) is not None:
                    raise _rule(
                        f"a tentative event has no {name}; set tentative: false "
                        "when the dates are known",
                        name,
                    )
            if self.when is None:
                raise _rule('a tentative event needs `when`, like "Juni eller august 2025"')
            months = {(int(month[:4]), int(month[5:])) for month in self.months}
            outside = [week for week in self.weeks if not _week_touches_months(week, months)]
            if months and outside:
                raise _rule(f"weeks {outside} are not in the months {self.months}", "weeks")
        else:
            for name in ("start", "end"):
                if getattr(self, name) is None:
                    raise _rule(
                        f"an exact event needs {name}; if the dates are not known yet, "
                        "set tentative: true and give `when`",
                        name,
                    )
            if self.months:
                raise _rule("months are only for tentative events", "months")
        return self


class ProgrammeDefinition(_Model):
    """The whole programme file, validated."""

    id: Slug
    title: Text
    subtitles: list[Text] = []
    period: Period
    contract: Contract
    contact: Contact
    fee: Fee
    currency: Literal["NOK"]
    invoicing: Invoicing
    participation: Participation
    seller: Seller
    visits: Visits = Visits()
    obligations: Obligations = Obligations()
    reminders: Reminders = Reminders()
    events: list[EventDefinition] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammeDefinition:
        first: dict[str, int] = {}
        for index, event in enumerate(self.events):
            if event.id in first:
                raise _rule(
                    f"duplicate event id {event.id!r} (first used by events[{first[event.id]}])",
                    "events",
                    index,
                    "id",
                )
            first[event.id] = index
        after = self.invoicing.after
        count = len(self.invoice_events())
        if count != self.invoicing.instalments:
            mode = f"{after.mode} " if after.mode else ""
            raise _rule(
                f"{self.invoicing.instalments} instalments, but {count} {mode}{after.kind} "
                "events to invoice after",
                "invoicing",
                "instalments",
            )
        return self

    @property
    def fee_ore(self) -> int:
        """The fee in øre, exact (the fee has at most two decimals)."""
        return int(self.fee * 100)

    def invoice_events(self) -> list[EventDefinition]:
        """The events after each of which one instalment is invoiced, in file order."""
        return [event for event in self.events if self.invoicing.after.matches(event)]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form, for ``Programme.definition`` (the fee as "20000.00")."""
        return self.model_dump(mode="json")


# --- reading the file -------------------------------------------------------------------------

_KEEP_TEXT = {"tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Reader:
    """Builds plain data from composed YAML nodes and records the line of every path."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.lines: dict[Loc, int] = {}
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Loc = ()) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InvalidFile(f"{self.display}:{line}: {_dotted(path)}: a key must be text")
                key = key_node.value
                if key in result:
                    where = _dotted((*path, key))
                    raise InvalidFile(f"{self.display}:{line}: {where}: duplicate key")
                self.lines[(*path, key)] = line
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        # Dates and decimals stay text, parsed by the schema (never floats); "14:00" is a
        # sexagesimal int to YAML 1.1, and is kept as text too.
        if node.tag in _KEEP_TEXT or (node.tag == "tag:yaml.org,2002:int" and ":" in node.value):
            return node.value
        return self.scalars.construct_object(node)

    def line_of(self, loc: Loc) -> int:
        for length in range(len(loc), -1, -1):
            if loc[:length] in self.lines:
                return self.lines[loc[:length]]
        return 1


def _yaml_problem(display: str, error: yaml.YAMLError) -> InvalidFile:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    parts = [getattr(error, "context", None), getattr(error, "problem", None)]
    reason = ", ".join(str(part) for part in parts if part) or str(error)
    return InvalidFile(f"{display}:{line}: not valid YAML: {reason}")


def parse_programme_file(path: Path) -> ProgrammeDefinition:
    """Read and validate a programme file; ``InvalidFile`` names file, line and field."""
    display = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidFile(f"{display}: no such file") from None
    except UnicodeDecodeError:
        raise InvalidFile(f"{display}: not UTF-8 text") from None
    except OSError as error:
        raise InvalidFile(f"{display}: cannot read the file: {error.strerror}") from None
    reader = _Reader(display)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            raise InvalidFile(f"{display}:1: the file is empty")
        data = reader.build(root)
    except yaml.YAMLError as error:
        raise _yaml_problem(display, error) from None
    try:
        return ProgrammeDefinition.model_validate(data)
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            loc: Loc = (*problem["loc"], *problem.get("ctx", {}).get("loc", ()))
            field = _dotted(loc)
            prefix = f"{display}:{reader.line_of(loc)}: " + (f"{field}: " if field else "")
            lines.append(prefix + problem["msg"])
        raise InvalidFile("\n".join(lines)) from None
