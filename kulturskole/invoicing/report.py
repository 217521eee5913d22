"""What an invoicing run reports: the invoices issued (or that would be), those skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kulturskole.reports import ARTIFACT_ROWS, Report, filled_by_flow, json_field
from kulturskole.services.programmes import format_ore


@dataclass
class RunReport(Report):
    JSON_KEYS = (
        "programme",
        "as_of",
        "dry_run",
        "issued",
        "total",
        "already_invoiced",
        "skipped",
        "invoices",
        "not_a_business_day",
        "delivery",
    )
    SUMMARY_KEYS = ("issued", "total", "already_invoiced", "skipped", "not_a_business_day")
    EMPTY_ROW = {"number": "-", "note": "nothing due"}

    def artifact_table(self) -> list[dict[str, Any]]:
        return self.artifact_rows() or [
            {"number": "-", "note": self.not_a_business_day or "nothing due"}
        ]

    programme: str
    as_of: date
    dry_run: bool
    issued: list[dict[str, Any]] = json_field(count=True)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    already_invoiced: int = 0
    # Set when the run's date is not a Norwegian business day: nothing is issued, and why. In
    # the JSON only then, so that a business day's report keeps today's keys.
    not_a_business_day: str | None = field(default=None, metadata={"filled_by_flow": True})
    delivery: Report | None = filled_by_flow()  # the EHF delivery step after issuing

    @property
    def total(self) -> str:
        return format_ore(sum(i["amount_ore"] for i in self.issued))

    @property
    def invoices(self) -> list[dict[str, Any]]:
        return self.issued

    def _outcome(self) -> str:
        verb = "would issue" if self.dry_run else "issued"
        outcome = f"{verb} {len(self.issued)} invoices"
        if self.not_a_business_day:
            outcome += f" ({self.not_a_business_day})"
        return outcome

    def headline(self) -> str:
        delivery = f"; {self.delivery.headline()}" if self.delivery is not None else ""
        return (
            f"{self._outcome()} (NOK {self.total}); {self.already_invoiced} already invoiced; "
            f"{len(self.skipped)} skipped{delivery}"
        )

    def warnings(self) -> list[str]:
        delivery = self.delivery.warnings() if self.delivery is not None else []
        return [i["warning"] for i in self.issued if "warning" in i] + delivery

    def artifact_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "number": i.get("number", "(dry run)"),
                "municipality": f"{i['municipality']} {i['name']}",
                "instalment": i["instalment"],
                "amount": i["amount"],
                "note": i.get("warning", ""),
            }
            for i in self.issued[:ARTIFACT_ROWS]
        ] + [
            {
                "number": "-",
                "municipality": f"{s['municipality']} {s['name']}",
                "instalment": s["instalment"],
                "amount": "0.00",
                "note": f"skipped: {s['reason']}",
            }
            for s in self.skipped[:ARTIFACT_ROWS]
        ]

    def artifact_description(self, flow: str, as_of: date) -> str:
        return (
            f"{flow} {self.programme} as of {as_of}: {self._outcome()}, NOK {self.total}; "
            f"{self.already_invoiced} already invoiced; {len(self.skipped)} skipped"
        )
