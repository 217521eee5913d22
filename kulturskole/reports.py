"""What a run reports, typed: each report is a dataclass that knows its JSON, its summary for the
run record, its table artifact and its log lines. The flows publish reports (flows/publish.py);
the CLI prints their JSON. No Prefect here, so a report can be checked without running a flow.

The JSON is derived from the fields, in their order, each under its own name unless
``json_field`` renames it or shows a list as its length; a report whose JSON also holds computed
values (a total, a list shown twice) names its keys in ``JSON_KEYS``, a key then being a field
or a property (or a method without arguments) of that name. Dates become ISO strings, nested
reports their JSON. The council's scripts read these keys: they do not change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import MISSING, Field, dataclass, field, fields
from datetime import date
from typing import Any, ClassVar

ARTIFACT_ROWS = 500  # an artifact shows the first rows; our own tables and the CLI show them all


def json_field(
    *,
    key: str | None = None,
    count: bool = False,
    default: Any = MISSING,
    default_factory: Any = MISSING,
) -> Any:
    """A report field shown in the JSON under ``key`` (default: its name); ``count``: as its
    length. A list field defaults to empty."""
    if default is MISSING and default_factory is MISSING:
        default_factory = list
    return field(
        default=default, default_factory=default_factory, metadata={"key": key, "count": count}
    )


def filled_by_flow() -> Any:
    """A field the flow fills in after the domain function (the reminders queued beside the
    lifecycle, the decisions taken while the run waited): left out of the JSON while unset."""
    return field(default=None, metadata={"filled_by_flow": True})


def plain(value: Any) -> Any:
    """A value as JSON has it: dates as ISO strings, tuples as lists, reports as their JSON."""
    if isinstance(value, Report):
        return value.as_json()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


@dataclass
class Report(ABC):
    """The base of every run's report."""

    JSON_KEYS: ClassVar[tuple[str, ...]] = ()  # empty: the fields, in order
    SUMMARY_KEYS: ClassVar[tuple[str, ...]] = ()  # what the run record keeps; empty: all of it
    EMPTY_ROW: ClassVar[dict[str, str]] = {}  # the artifact's one row when nothing happened

    def as_json(self) -> dict[str, Any]:
        by_key: dict[str, Field[Any]] = {f.metadata.get("key") or f.name: f for f in fields(self)}
        data: dict[str, Any] = {}
        for key in self.JSON_KEYS or tuple(by_key):
            spec = by_key.get(key)
            value = getattr(self, spec.name if spec else key)
            if spec is None and callable(value):
                value = value()
            elif spec is not None and spec.metadata.get("filled_by_flow") and value is None:
                continue
            elif spec is not None and spec.metadata.get("count"):
                value = len(value)
            data[key] = plain(value)
        return data

    def summary(self) -> dict[str, Any]:
        """What the run record keeps: the JSON's ``SUMMARY_KEYS``, each list as its length."""
        data = self.as_json()
        keys = self.SUMMARY_KEYS or tuple(data)
        return {
            key: len(data[key]) if isinstance(data[key], list) else data[key]
            for key in keys
            if key in data
        }

    def artifact_table(self) -> list[dict[str, Any]]:
        return self.artifact_rows() or [dict(self.EMPTY_ROW)]

    def headline(self) -> str | None:
        """The run's one log line (None: the run logs as it goes)."""
        return None

    def warnings(self) -> list[str]:
        """Log lines that need someone's attention."""
        return []

    @abstractmethod
    def artifact_rows(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def artifact_description(self, flow: str, as_of: date) -> str: ...


@dataclass
class DayReport(Report):
    """Everything the ``programme-day`` flow did on one date, from the reports of its steps."""

    JSON_KEYS = (
        "as_of",
        "summary",
        "lifecycle",
        "visits",
        "invoicing",
        "obligations",
        "mail",
        "payment_reminders",
    )

    as_of: date
    lifecycle: Report
    visits: Report
    invoicing: Report
    obligations: Report
    reminders_queued: int
    mail: Report
    payment_reminders: Report | None = filled_by_flow()
    invitations_queued: int | None = filled_by_flow()  # notifications.events

    def summary(self) -> dict[str, Any]:
        lifecycle, visits, invoicing, obligations, mail = (
            part.summary()
            for part in (self.lifecycle, self.visits, self.invoicing, self.obligations, self.mail)
        )
        return (
            {
                "activated": lifecycle["activated"],
                "completed": lifecycle["completed"],
                "visits_scheduled": visits["scheduled"],
                "visits_not_placed": visits["unplaced"],
                "invoices_issued": invoicing["issued"],
                "invoiced": invoicing["total"],
                "breaches_opened": obligations["opened"],
                "breaches_resolved": obligations["resolved"],
                "decisions_awaited": obligations["decisions_awaited"],
                "reminders_queued": self.reminders_queued,
                "mail_sent": mail["sent"],
                "mail_failed": mail["failed"],
            }
            | (
                {
                    "payment_reminders_sent": dunning["sent"],
                    "unpaid_for_finance": dunning["for_finance"],
                }
                if (dunning := self.payment_reminders and self.payment_reminders.summary())
                else {}
            )
            | (
                {
                    "ehf_handed_over": delivery["handed_over"],
                    "ehf_confirmed_delivered": delivery["confirmed_delivered"],
                    "ehf_confirmed_rejected": delivery["confirmed_rejected"],
                }
                if (delivery := _delivery_summary(self.invoicing))
                else {}
            )
            | (
                {"invitations_queued": self.invitations_queued}
                if self.invitations_queued is not None
                else {}
            )
        )

    def headline(self) -> str:
        return f"{self.as_of}: {self.summary()}"

    def artifact_rows(self) -> list[dict[str, Any]]:
        return [{"what": key, "count": value} for key, value in self.summary().items()]

    def artifact_description(self, flow: str, as_of: date) -> str:
        return f"{flow} {as_of}"


def _delivery_summary(invoicing: Report) -> dict[str, Any] | None:
    """The EHF delivery step's summary, when the invoicing run had one that confirms."""
    delivery = getattr(invoicing, "delivery", None)
    if delivery is None:
        return None
    summary = delivery.summary()
    return summary if "confirmed_delivered" in summary else None
