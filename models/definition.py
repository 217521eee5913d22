"""What a programme is, as its file defines it and ``Programme.definition`` stores it: the
validated, frozen ``ProgrammeDefinition``. Every default lives here, once; the rest of the code
reads a programme's rules through ``Programme.rules``, never the stored dict.

The value types are in ``models.definition_values``, the timetable's events in
``models.definition_events``; both are re-exported here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import kontonr, orgnr

from models.definition_events import EventDefinition, EventTime, iso_weeks
from models.definition_values import (
    Clock,
    DefinitionModel,
    Email,
    EventKind,
    Fee,
    IsoDate,
    Mode,
    Month,
    Slug,
    Text,
    Week,
    end_not_before_start,
    rule_error,
)

__all__ = [
    "NEVER_TERMINATING",
    "RULES",
    "Accounts",
    "Clock",
    "Contact",
    "Contract",
    "ContractMeeting",
    "Email",
    "EventDefinition",
    "EventKind",
    "EventTime",
    "Fee",
    "GatheringAttendance",
    "InvoiceTrigger",
    "Invitations",
    "Invoicing",
    "IsoDate",
    "Mode",
    "Month",
    "Obligations",
    "Participation",
    "Period",
    "ProgrammeDefinition",
    "Reminders",
    "Rule",
    "Seller",
    "Slug",
    "Text",
    "Visits",
    "Week",
    "iso_weeks",
]


class Period(DefinitionModel):
    start: IsoDate
    end: IsoDate

    _check_end = field_validator("end")(end_not_before_start)


class Contract(DefinitionModel):
    place: Text
    date_text: Text
    director: Text


class Contact(DefinitionModel):
    name: Text
    title: Text
    email: Email
    phone: Text


class _Classified(Protocol):
    """An event as defined or as stored (``ProgrammeEvent``): what a trigger looks at."""

    kind: str
    mode: str | None


class InvoiceTrigger(DefinitionModel):
    """Which events end an invoicing step; ``mode`` None means any mode."""

    kind: EventKind
    mode: Mode | None = None

    def matches(self, event: _Classified) -> bool:
        return event.kind == self.kind and (self.mode is None or event.mode == self.mode)


AccountNumber = Annotated[str, Field(pattern=r"^[0-9]{4,8}$")]


class Accounts(DefinitionModel):
    """The ledger accounts of the accounting export (Norsk Standard 4102 by default): the fee is
    revenue outside the VAT area (the council is not VAT-registered), owed as a receivable, paid
    into and refunded from the bank."""

    revenue: AccountNumber = "3200"  # salgsinntekt, utenfor avgiftsområdet
    receivable: AccountNumber = "1500"  # kundefordringer
    bank: AccountNumber = "1920"  # bankinnskudd


class Invoicing(DefinitionModel):
    instalments: int = Field(ge=1, le=12)
    after: InvoiceTrigger
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    # One unbroken sequence of invoice and credit-note numbers per series.
    series: Slug | None = None  # default: the programme id
    # The KID carries the number in seven digits (kulturskole.invoicing.kid).
    first_number: int = Field(default=1, ge=1, le=9_999_999)
    # The KID's first digits, naming the series (kulturskole.invoicing.kid): no two series share
    # one (refused when a programme is loaded). Default: none, the KID starts at the customer.
    kid_prefix: Annotated[str, Field(pattern=r"^[0-9]{1,4}$")] | None = None
    # The contract needs the buyer's reference ("deres ref.") and invoice e-mail address.
    buyer_reference_required: bool = False
    # A payment reminder goes this many days after the due date of an unpaid invoice, a second
    # this many days after the first (never more than two), each with a new due date this many
    # days after it is sent.
    reminder_days: int = Field(default=14, ge=1, le=365)
    reminder_due_days: int = Field(default=14, ge=1, le=365)
    accounts: Accounts = Accounts()


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


class Seller(DefinitionModel):
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


class Participation(DefinitionModel):
    min_group_size: int = Field(ge=1)


class Visits(DefinitionModel):
    """Guidance visits: the mode when a visit window does not say, and the times of day."""

    default_mode: Mode = "physical"
    physical_start: Clock = "10:00"
    physical_minutes: int = Field(default=150, ge=15, le=600)
    digital_starts: list[Clock] = ["09:00", "11:00", "13:00"]
    digital_minutes: int = Field(default=90, ge=15, le=480)
    # A window's visits are placed and invited this many weeks before it opens, one window at
    # a time (a tentative window waits until the programme file makes it exact).
    invite_weeks_before: int = Field(default=4, ge=1, le=104)


RULES = (
    "gathering-attendance",
    "coordinator-meetings",
    "group-composition",
    "development-plan",
    "meeting-plan",
    "visit-missed",
    "invoice-overdue",
)
# Rules whose breach is a warning only, whatever a programme file says.
NEVER_TERMINATING = ("invoice-overdue",)
Rule = Literal[
    "gathering-attendance",
    "coordinator-meetings",
    "group-composition",
    "development-plan",
    "meeting-plan",
    "visit-missed",
    "invoice-overdue",
]


def _required_present(value: Any) -> Any:
    if value == "all" or (type(value) is int and 1 <= value <= 1000):
        return value
    raise PydanticCustomError(
        "gathering_required",
        "Input should be 'all' (the whole group) or a whole number from 1 to 1000",
    )


class GatheringAttendance(DefinitionModel):
    """How many of the group must be present at each joint gathering (fellessamling).

    ``all`` (the default) is the source's rule, "kommunegruppen deltar på alle fellessamlinger":
    at least as many present as the group had members recorded on the gathering's first day. A
    whole number is a relaxation the council may decide: at least that many present.
    """

    required: Annotated[Literal["all"] | int, BeforeValidator(_required_present)] = "all"

    def needed(self, group_size: int) -> int:
        """Present needed for a group of ``group_size``; never fewer than one (a gathering
        nobody attended is never kept, whatever the group's size)."""
        if self.required == "all":
            return max(group_size, 1)
        return self.required


class Obligations(DefinitionModel):
    """What a participating municipality must keep, and what follows when it does not."""

    gathering_attendance: GatheringAttendance = GatheringAttendance()
    development_plan_due: IsoDate | None = None
    meeting_plan_due: IsoDate | None = None
    invoice_overdue_days: int = Field(default=30, ge=0, le=365)
    grace_days: int = Field(default=14, ge=0, le=365)
    # Rules whose breach, still open after the grace period, leads to a termination proposal.
    terminating_rules: list[Rule] = [
        "gathering-attendance",
        "coordinator-meetings",
        "group-composition",
        "development-plan",
    ]

    @model_validator(mode="before")
    @classmethod
    def _older_spelling(cls, data: Any) -> Any:
        """``min_present_at_gatherings: N`` (programme files before the whole-group default)
        still loads, meaning ``gathering_attendance: {required: N}``."""
        if not isinstance(data, dict) or "min_present_at_gatherings" not in data:
            return data
        if "gathering_attendance" in data:
            raise PydanticCustomError(
                "both_spellings",
                "give gathering_attendance.required or the older min_present_at_gatherings, "
                "not both",
            )
        data = dict(data)
        data["gathering_attendance"] = {"required": data.pop("min_present_at_gatherings")}
        return data

    @field_validator("terminating_rules")
    @classmethod
    def _never_terminating(cls, rules: list[str]) -> list[str]:
        for rule in rules:
            if rule in NEVER_TERMINATING:
                raise PydanticCustomError(
                    "never_terminating",
                    "{rule} can never lead to termination (an unpaid invoice gets payment "
                    "reminders, and finance follows it up)",
                    {"rule": rule},
                )
        return rules


class Reminders(DefinitionModel):
    """Reminders (påminnelser) to the coordinator before events of these kinds, and before
    the plans' due dates."""

    days_before: int = Field(default=7, ge=1, le=60)
    kinds: list[EventKind] = ["joint-gathering", "coordinator-meeting"]
    # A reminder of each plan's due date (obligations.meeting_plan_due, development_plan_due)
    # this many days before it, unless the plan is recorded delivered.
    plan_days_before: int = Field(default=14, ge=1, le=90)


class Invitations(DefinitionModel):
    """Invitations (notifications.events) to the inspiration gathering and the sharing arena: sent
    this many days before the event to the cases that exist then."""

    days_before: int = Field(default=21, ge=1, le=120)


class ContractMeeting(DefinitionModel):
    """The agreement and contract meeting (avtale- og kontraktsmøte) that opens the programme
    period: booked when a case is contracted, on the first open day from the period's start (or
    ``lead_days`` after the contract, when that is later), in the host's first free slot."""

    mode: Mode = "digital"
    starts: list[Clock] = Field(default=["09:00", "11:00", "13:00"], min_length=1)
    minutes: int = Field(default=60, ge=15, le=480)
    lead_days: int = Field(default=7, ge=0, le=60)


class ProgrammeDefinition(DefinitionModel):
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
    invitations: Invitations = Invitations()
    events: list[EventDefinition] = Field(min_length=1)
    contract_meeting: ContractMeeting = ContractMeeting()

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammeDefinition:
        first: dict[str, int] = {}
        for index, event in enumerate(self.events):
            if event.id in first:
                raise rule_error(
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
            raise rule_error(
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
