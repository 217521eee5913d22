"""What a monitor-obligations run reports: breaches opened and resolved, decisions awaited
and taken."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kulturskole.reports import Report, filled_by_flow, json_field


@dataclass
class MonitorReport(Report):
    SUMMARY_KEYS = ("opened", "resolved", "still_open", "decisions_awaited", "decided")
    EMPTY_ROW = {"breach": "-", "what": "all obligations kept"}

    programme: str
    as_of: date
    dry_run: bool
    opened: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    still_open: int = 0
    awaiting: list[dict[str, Any]] = json_field(key="decisions_awaited")
    decided: list[dict[str, Any]] | None = filled_by_flow()

    def artifact_rows(self) -> list[dict[str, Any]]:
        def row(item: dict[str, Any], what: str) -> dict[str, Any]:
            where = f"{item['municipality']} {item['name']}"
            return {"breach": item["id"], "municipality": where, "rule": item["rule"], "what": what}

        return (
            [row(o, f"opened; remedy by {o['remedy_by']}") for o in self.opened]
            + [row(r, "resolved") for r in self.resolved]
            + [row(a, "termination proposed: decision awaited") for a in self.awaiting]
            + [
                {
                    "breach": d["breach"],
                    "municipality": "",
                    "rule": "",
                    "what": f"decided by {d['decided_by']}: "
                    f"{'approve' if d['approve'] else 'reject'}",
                }
                for d in self.decided or []
            ]
        )

    def artifact_description(self, flow: str, as_of: date) -> str:
        return (
            f"{flow} as of {as_of}: {len(self.opened)} opened, "
            f"{len(self.resolved)} resolved, {self.still_open} still open, "
            f"{len(self.awaiting)} decisions awaited"
        )
