"""What the warning and termination letters say about a broken obligation, in plain Norwegian.

The rules (kulturskole.obligations.rules) keep their findings as data — which gatherings, how
many present of how large a group, which visits, which due date — and this module turns that
data into the sentences a letter prints ("Ingen fra kommunegruppen deltok på fellessamling 1,
24.–25. september 2024."). A breach stored before its rule kept a field this module needs
falls back to the rule's own evidence text.

Per rule it also knows what the letter asks for by the deadline: something that can be put
right (a plan delivered, the group completed) is asked for; an absence that cannot be undone
asks for a written explanation and a plan instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Breach, Programme, Visit
from notifications.render import dato, periode, tall, tidsrom
from notifications.words import event_name

__all__ = ["RuleWords", "breach_evidence", "evidence_sentences", "rule_words"]


@dataclass(frozen=True)
class RuleWords:
    """How the letters speak of one rule."""

    about: str  # what the obligation is about, a noun phrase: "sammensetningen av kommunegruppen"
    undoable: bool  # it can be put right by the deadline (False: an absence that has happened)
    request: str  # what we ask for by the deadline: "at dere sender oss utviklingsplanen"


_EXPLAIN = "en skriftlig redegjørelse for {why} og en plan for hvordan {who} skal {what}"

RULES: dict[str, RuleWords] = {
    "gathering-attendance": RuleWords(
        "kommunegruppens deltakelse på fellessamlingene",
        False,
        _EXPLAIN.format(
            why="fraværet", who="kommunegruppen", what="delta på de neste fellessamlingene"
        ),
    ),
    "coordinator-meetings": RuleWords(
        "koordinatorens deltakelse på koordinatorsamlingene",
        False,
        _EXPLAIN.format(
            why="fraværet", who="koordinatoren", what="delta på de neste koordinatorsamlingene"
        ),
    ),
    "visit-missed": RuleWords(
        "veiledningsbesøkene",
        False,
        _EXPLAIN.format(
            why="hvorfor besøket ikke ble gjennomført,",
            who="kommunegruppen",
            what="ta imot de neste veiledningsbesøkene",
        ),
    ),
    "group-composition": RuleWords(
        "sammensetningen av kommunegruppen",
        True,
        "at kommunegruppen er satt sammen slik avtalen krever, "
        "og at dere melder endringene til oss",
    ),
    "development-plan": RuleWords("utviklingsplanen", True, "at dere sender oss utviklingsplanen"),
    "meeting-plan": RuleWords(
        "den langsiktige møteplanen", True, "at dere sender oss den langsiktige møteplanen"
    ),
    "invoice-overdue": RuleWords("betalingen av deltakeravgiften", True, "at fakturaen betales"),
}

_PLANS = {"development-plan": "Utviklingsplanen", "meeting-plan": "Den langsiktige møteplanen"}


def rule_words(rule: str) -> RuleWords:
    """How the letters speak of ``rule``; an unknown rule raises ``ValueError`` (a letter must
    never print an internal code instead)."""
    try:
        return RULES[rule]
    except KeyError:
        raise ValueError(f"no Norwegian wording for the rule {rule!r}") from None


def evidence_sentences(
    rule: str,
    evidence: Mapping[str, Any],
    events: Sequence[Any],
    *,
    min_group_size: int,
    visits: Mapping[int, Any] | None = None,
) -> list[str]:
    """The breach's evidence (``Breach.evidence``: the rule's data and its ``text``) as plain
    sentences. ``events``: the programme's events (title, start, end by id); ``visits``: the
    visits the evidence names, by id (start, end, mode, reason)."""
    by_id = {event.id: event for event in events}
    try:
        sentences = _SENTENCES[rule](evidence, by_id, min_group_size, visits or {})
    except (KeyError, TypeError, ValueError):
        sentences = []
    if sentences:
        return sentences
    text = str(evidence.get("text") or "").strip()
    return [text] if text else []


def breach_evidence(session: Session, breach: Breach, programme: Programme) -> list[str]:
    """The breach's evidence as the letters print it: plain sentences from the rule's data (the
    visits a missed-visit breach names are read for their times)."""
    evidence = breach.evidence or {}
    visit_ids = evidence.get("visits") if breach.rule == "visit-missed" else None
    visits = (
        {v.id: v for v in session.scalars(select(Visit).where(Visit.id.in_(visit_ids)))}
        if visit_ids
        else {}
    )
    return evidence_sentences(
        breach.rule,
        evidence,
        programme.events,
        min_group_size=programme.rules.participation.min_group_size,
        visits=visits,
    )


def _in_sentence(title: str, start: date | None, end: date | None) -> str:
    name = event_name(title, in_sentence=True)
    if start is None or end is None:
        return name
    return f"{name}, {periode(start, end)}"


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _gatherings(evidence: Mapping[str, Any], events: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each short gathering as {title, start, end, present, group, needed}: from the rule's
    ``gatherings`` list, or from the older ``events``/``present``/``needed`` lists."""
    if "gatherings" in evidence:
        return [dict(g) for g in evidence["gatherings"]]
    rows = []
    for event_id, present in zip(evidence["events"], evidence["present"], strict=True):
        event = events[event_id]
        rows.append(
            {
                "title": event.title,
                "start": event.start,
                "end": event.end,
                "present": present,
                "group": None,
                "needed": evidence.get("needed"),
            }
        )
    return rows


def _gathering_attendance(evidence, events, _size, _visits) -> list[str]:  # noqa: ANN001
    sentences = []
    for gathering in _gatherings(evidence, events):
        where = _in_sentence(
            gathering["title"], _day(gathering.get("start")), _day(gathering.get("end"))
        )
        present, group, needed = gathering["present"], gathering.get("group"), gathering["needed"]
        if present == 0:
            who = "Ingen fra kommunegruppen"
        elif group is not None and present < group:
            who = f"Bare {tall(present)} av de {tall(group)} i kommunegruppen"
        else:
            who = f"Bare {tall(present)} fra kommunegruppen"
        # The whole group is the rule and needs no saying; another threshold is named (the
        # same sentence as the rule's own evidence text).
        threshold = (
            "" if needed is None or needed == group else f"; minst {tall(needed)} skal delta"
        )
        sentences.append(f"{who} deltok på {where}{threshold}.")
    return sentences


def _coordinator_meetings(evidence, events, _size, _visits) -> list[str]:  # noqa: ANN001
    return [
        f"Koordinatoren deltok ikke på "
        f"{_in_sentence(events[i].title, events[i].start, events[i].end)}."
        for i in evidence["events"]
    ]


def _group_composition(evidence, _events, size, _visits) -> list[str]:  # noqa: ANN001
    members, coordinators = evidence["members"], evidence["coordinators"]
    sentences = []
    if members < size:
        counted = f"{tall(members)} deltaker{'' if members == 1 else 'e'}"
        sentences.append(f"Kommunegruppen har {counted}; avtalen krever minst {tall(size)}.")
    if coordinators == 0:
        sentences.append("Kommunegruppen har ingen koordinator.")
    elif coordinators > 1:
        sentences.append(f"Kommunegruppen har {tall(coordinators)} koordinatorer; den skal ha én.")
    if not evidence["school_owner"]:
        sentences.append("Skoleeier er ikke representert i kommunegruppen.")
    return sentences


def _plan(rule: str):  # noqa: ANN202
    def sentences(evidence, _events, _size, _visits) -> list[str]:  # noqa: ANN001
        due = _day(evidence["due"])
        return [f"{_PLANS[rule]} skulle vært levert innen {dato(due)}, og vi har ikke mottatt den."]

    return sentences


def _visit_missed(evidence, _events, _size, visits) -> list[str]:  # noqa: ANN001
    sentences = []
    for visit_id in evidence["visits"]:
        visit = visits[visit_id]
        what = "Veiledningsbesøket" if visit.mode == "physical" else "Nettmøtet med veileder"
        sentence = f"{what} {tidsrom(visit.start, visit.end)} ble ikke gjennomført."
        reason = (visit.reason or "").strip().rstrip(".")
        if reason:
            sentence += f" Registrert årsak: {reason}."
        sentences.append(sentence)
    return sentences


def _invoice_overdue(evidence, _events, _size, _visits) -> list[str]:  # noqa: ANN001
    return [f"Faktura {number} er ikke betalt." for number in evidence["invoices"]]


_SENTENCES = {
    "gathering-attendance": _gathering_attendance,
    "coordinator-meetings": _coordinator_meetings,
    "group-composition": _group_composition,
    "development-plan": _plan("development-plan"),
    "meeting-plan": _plan("meeting-plan"),
    "visit-missed": _visit_missed,
    "invoice-overdue": _invoice_overdue,
}
