"""What a schedule-visits run reports: visits placed, cases not placed and why, windows skipped,
and windows whose invitations are not due yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kulturskole.reports import ARTIFACT_ROWS, Report, json_field


@dataclass
class ScheduleReport(Report):
    JSON_KEYS = (
        "programme",
        "as_of",
        "dry_run",
        "scheduled",
        "unplaced",
        "skipped_windows",
        "advisors_assigned",
        "already_scheduled",
        "visits",
        "waiting_windows",
    )
    SUMMARY_KEYS = ("scheduled", "unplaced", "already_scheduled", "skipped_windows")
    EMPTY_ROW = {"window": "-", "note": "nothing to schedule"}

    programme: str
    as_of: date
    dry_run: bool
    scheduled: list[dict[str, Any]] = json_field(count=True)
    unplaced: list[dict[str, Any]] = field(default_factory=list)
    skipped_windows: list[dict[str, Any]] = field(default_factory=list)
    assigned: list[dict[str, Any]] = json_field(key="advisors_assigned")
    existing: int = json_field(key="already_scheduled", default=0)
    # Exact windows not yet due for invitations: {window, title, invite_on} (not a warning).
    waiting: list[dict[str, Any]] = json_field(key="waiting_windows")

    @property
    def visits(self) -> list[dict[str, Any]]:
        return self.scheduled

    def _outcome(self) -> str:
        return f"{'would schedule' if self.dry_run else 'scheduled'} {len(self.scheduled)}"

    def headline(self) -> str:
        return (
            f"{self._outcome()} visits; {self.existing} already scheduled; "
            f"{len(self.unplaced)} could not be placed"
        )

    def warnings(self) -> list[str]:
        return [f"{w['window']} skipped: {w['reason']}" for w in self.skipped_windows] + [
            f"{u['municipality']} {u['name']} not placed in {u['window']}: {u['reason']}"
            for u in self.unplaced
        ]

    def artifact_rows(self) -> list[dict[str, Any]]:
        def row(
            window: str, where: str, note: str, start: str = "", mode: str = "", advisor: str = ""
        ) -> dict[str, Any]:
            return {
                "window": window,
                "municipality": where,
                "start": start,
                "mode": mode,
                "advisor": advisor,
                "note": note,
            }

        return (
            [
                row(
                    v["window"],
                    f"{v['municipality']} {v['name']}",
                    "",
                    v["start"],
                    v["mode"],
                    v["advisor"],
                )
                for v in self.scheduled[:ARTIFACT_ROWS]
            ]
            + [
                row(
                    u["window"],
                    f"{u['municipality']} {u['name']}",
                    f"not placed: {u['reason']}",
                    advisor=u.get("advisor", ""),
                )
                for u in self.unplaced[:ARTIFACT_ROWS]
            ]
            + [row(w["window"], "", f"window skipped: {w['reason']}") for w in self.skipped_windows]
        )

    def artifact_description(self, flow: str, as_of: date) -> str:
        return (
            f"{flow} as of {as_of}: {self._outcome()}, {len(self.unplaced)} not placed, "
            f"{len(self.skipped_windows)} windows skipped"
        )
