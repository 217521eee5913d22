"""A case's history in words, for the timeline of the case page: each entry's action, what it
changed (people, advisors, events, visits, invoices and mail by name, not by id), who did it,
and the flow run that did it. Only presentation: the facts come from the read side."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypedDict

from kulturskole.read.case_page import CasePage
from kulturskole.read.history import HistoryRow
from kulturskole.web import formatting
from kulturskole.web.context import prefect_run_url
from kulturskole.web.labels import (
    ACTIONS,
    DECISIONS,
    DELIVERABLES,
    INITIATORS,
    MAIL_TEMPLATES,
    MEMBER_ROLES,
    RULES,
    VISIT_MODES,
    label,
)

CHANGED = {
    "motivation": "motivasjon",
    "development_area": "utviklingsområde",
    "county_dialogue": "dialog med fylkesavdelingen",
    "name": "navn",
    "phone": "telefon",
    "role": "rolle",
}
HOW = {"by county": "etter fylke", "manual": "manuelt"}


class Line(TypedDict):
    text: str
    href: str | None


class TimelineItem(TypedDict):
    seq: int
    title: str
    from_state: str | None
    to_state: str | None
    lines: list[Line]
    reason: str | None
    actor: str  # the account holder's name, or the actor as recorded
    actor_id: str | None  # the recorded actor, when a name is shown instead
    effective_on: str
    at: str
    flow_run_id: str | None
    flow_run_url: str | None
    details: list[tuple[str, str]]
    minor: bool  # mail: shown smaller


def timeline(page: CasePage) -> list[TimelineItem]:
    names = _Names(page)
    return [_item(row, page, names) for row in page["history"]]


def _item(row: HistoryRow, page: CasePage, names: _Names) -> TimelineItem:
    describe = DESCRIBE.get(row["action"])
    actor_name = page["actors"].get(row["actor"])
    return TimelineItem(
        seq=row["seq"],
        title=label(ACTIONS, row["action"]),
        from_state=row["from_state"],
        to_state=row["to_state"],
        lines=describe(row["details"], names) if describe else [],
        reason=row["reason"],
        actor=actor_name or row["actor"],
        actor_id=row["actor"] if actor_name else None,
        effective_on=row["effective_on"],
        at=row["at"],
        flow_run_id=row["flow_run_id"],
        flow_run_url=prefect_run_url(row["flow_run_id"]),
        details=[(key, _text(value)) for key, value in row["details"].items()],
        minor=row["action"].startswith("mail-"),
    )


class _Names:
    """The ids in the history's details, as the case page can name them."""

    def __init__(self, page: CasePage) -> None:
        self.people, self.advisors, self.events = page["people"], page["advisors"], page["events"]
        self.actors = page["actors"]
        self.visits = {visit["id"]: visit for visit in page["visits"]}
        self.mail = {message["id"]: message for message in page["mail"]}

    def person(self, person_id: Any) -> str:
        return self.people.get(person_id, f"person {person_id}")

    def advisor(self, advisor_id: Any) -> str:
        return self.advisors.get(advisor_id, f"veileder {advisor_id}")

    def event(self, event_id: Any) -> str:
        return self.events.get(event_id, str(event_id))

    def visit(self, visit_id: Any) -> str:
        visit = self.visits.get(visit_id)
        if visit is None:
            return f"besøk {visit_id}"
        return f"{self.event(visit['window'])}, {formatting.tidspunkt(visit['start'])}"


def _line(text: str, href: str | None = None) -> Line:
    return Line(text=text, href=href)


def _text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return formatting.ja_nei(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- one describer per action: (details, names) → lines ---------------------------------------
def _application(d: dict, names: _Names) -> list[Line]:
    lines = []
    if "contact_person_id" in d:
        lines.append(_line(f"Kontaktperson: {names.person(d['contact_person_id'])}"))
    if d.get("changed"):
        lines.append(_line("Endret: " + ", ".join(CHANGED.get(c, c) for c in d["changed"])))
    lines += [
        _line(f"Motivasjon: {d.get('motivation') or '–'}"),
        _line(f"Utviklingsområde: {d.get('development_area') or '–'}"),
        _line(f"Dialog med fylkesavdelingen: {formatting.ja_nei(d.get('county_dialogue'))}"),
    ]
    return lines


def _transition(d: dict, _names: _Names) -> list[Line]:
    if "initiated_by" in d:
        return [_line(f"Initiativ: {label(INITIATORS, d['initiated_by'])}")]
    return []


def _member(d: dict, names: _Names) -> list[Line]:
    lines = [_line(f"{names.person(d.get('person_id'))} – {label(MEMBER_ROLES, d.get('role'))}")]
    if d.get("changed"):
        lines.append(_line("Endret: " + ", ".join(CHANGED.get(c, c) for c in d["changed"])))
    return lines


def _signed(d: dict, names: _Names) -> list[Line]:
    return [
        _line(f"Kommunedirektør: {names.person(d.get('chief_executive_person_id'))}"),
        _line(f"Kulturskoleleder: {names.person(d.get('culture_school_head_person_id'))}"),
        _line(f"Signert {formatting.dato(d.get('signed_on'))}"),
    ]


def _countersigned(d: dict, names: _Names) -> list[Line]:
    return [
        _line(f"Direktør: {names.person(d.get('director_person_id'))}"),
        _line(f"Signert {formatting.dato(d.get('signed_on'))}"),
    ]


def _contract_stored(d: dict, _names: _Names) -> list[Line]:
    return [_line(f"{d.get('filename')} (SHA-256 {str(d.get('sha256'))[:12]}…)")]


def _contract_meeting(d: dict, names: _Names) -> list[Line]:
    if d.get("held_on"):
        return [_line(f"Gjennomført {formatting.dato(d['held_on'])}")]
    host = names.advisor(d["advisor_id"]) if d.get("advisor_id") else "programkontakten"
    return [_line(f"{formatting.tidspunkt(d.get('start'))}, med {host}")]


def _contract_meeting_cancelled(d: dict, _names: _Names) -> list[Line]:
    return [_line(f"Møtet {formatting.tidspunkt(d.get('start'))} er avlyst")]


def _advisor(d: dict, names: _Names) -> list[Line]:
    text = f"Veileder: {names.advisor(d.get('advisor_id'))}"
    if d.get("previous_advisor_id"):
        text += f" (før: {names.advisor(d['previous_advisor_id'])})"
    if d.get("how"):
        text += f", {HOW.get(d['how'], d['how'])}"
    return [_line(text)]


def _visit_scheduled(d: dict, names: _Names) -> list[Line]:
    return [
        _line(
            f"{names.event(d.get('window'))}: {formatting.tidspunkt(d.get('start'))}, "
            f"{label(VISIT_MODES, d.get('mode')).lower()}, med {names.advisor(d.get('advisor_id'))}"
        )
    ]


def _visit_moved(d: dict, _names: _Names) -> list[Line]:
    return [
        _line(
            f"Fra {formatting.tidspunkt(d.get('from'))} til {formatting.tidspunkt(d.get('to'))} "
            f"({label(VISIT_MODES, d.get('mode')).lower()})"
        )
    ]


def _visit(d: dict, names: _Names) -> list[Line]:
    return [_line(names.visit(d.get("visit")))]


def _attendance(d: dict, names: _Names) -> list[Line]:
    text = f"{names.event(d.get('event'))}: {d.get('present')} til stede"
    if d.get("previous_present") is not None:
        text += f" (før: {d['previous_present']})"
    return [_line(text), _line(f"{d.get('members', 0)} av dem navngitt")]


def _deliverable(d: dict, _names: _Names) -> list[Line]:
    text = f"{label(DELIVERABLES, d.get('what'))} levert {formatting.dato(d.get('delivered_on'))}"
    if d.get("filename"):
        text += f" ({d['filename']})"
    if d.get("replaced"):
        text += ", erstatter en tidligere"
    return [_line(text)]


def _invoice_link(series: Any, number: Any, text: str) -> Line:
    return _line(text, f"/invoices/{series}/{number}/pdf")


def _invoice_issued(d: dict, _names: _Names) -> list[Line]:
    amount = formatting.kroner(d.get("amount_ore"))
    text = f"Faktura {d.get('number')}, avdrag {d.get('instalment')}: {amount}"
    lines = [_invoice_link(d.get("series"), d.get("number"), text)]
    if d.get("kid"):
        lines.append(_line(f"KID {d['kid']}" + (" · med EHF" if d.get("ehf") else "")))
    return lines


def _invoice_paid(d: dict, _names: _Names) -> list[Line]:
    text = f"Faktura {d.get('number')} betalt {formatting.dato(d.get('paid_on'))}"
    return [_invoice_link(d.get("series"), d.get("number"), text)]


def _payment_received(d: dict, _names: _Names) -> list[Line]:
    amount, balance = (
        formatting.kroner(d.get("amount_ore")),
        formatting.kroner(d.get("balance_ore")),
    )
    text = f"Innbetaling til faktura {d.get('number')}: {amount}, restbeløp {balance}"
    return [
        _invoice_link(d.get("series"), d.get("number"), text),
        _line(f"Ref. {d.get('reference')}"),
    ]


_INVOICING_FIELDS = {
    "name": "fakturamottaker",
    "org_number": "organisasjonsnummer",
    "peppol_id": "Peppol-ID",
    "email": "e-post for faktura",
    "address": "postadresse",
    "reference": "deres referanse",
}


def _invoicing_details(d: dict, _names: _Names) -> list[Line]:
    changed = [_INVOICING_FIELDS.get(f, f) for f in d.get("changed") or []]
    lines = [_line("Endret: " + ", ".join(changed))] if changed else []
    if d.get("org_number"):
        lines.append(
            _line(f"Organisasjonsnummer {d['org_number']}, Peppol-ID {d.get('peppol_id')}")
        )
    return lines


def _invoice_credited(d: dict, _names: _Names) -> list[Line]:
    amount = formatting.kroner(d.get("amount_ore"))
    text = f"Faktura {d.get('invoice')} kreditert med kreditnota {d.get('credit_note')}: {amount}"
    lines = [_invoice_link(d.get("series"), d.get("credit_note"), text)]
    if d.get("reissue"):
        lines.append(_line("Avdraget faktureres på nytt"))
    return lines


def _payment_reminder(d: dict, _names: _Names) -> list[Line]:
    text = (
        f"Betalingspåminnelse {d.get('reminder')} for faktura {d.get('number')}: "
        f"{formatting.kroner(d.get('balance_ore'))} utestående"
    )
    return [
        _invoice_link(d.get("series"), d.get("number"), text),
        _line(f"Ny forfallsdato {formatting.dato(d.get('new_due_date'))}"),
    ]


def _refund(d: dict, _names: _Names) -> list[Line]:
    amount = formatting.kroner(d.get("amount_ore"))
    if d.get("paid_on"):
        text = f"Tilbakebetalt {amount} for faktura {d.get('invoice')}"
        lines = [_line(f"{text} {formatting.dato(d['paid_on'])}")]
        if d.get("reference"):
            lines.append(_line(f"Ref. {d['reference']}"))
        return lines
    return [
        _invoice_link(
            d.get("series"),
            d.get("credit_note"),
            f"Til tilbakebetaling for faktura {d.get('invoice')}: {amount}",
        )
    ]


def _breach(d: dict, names: _Names) -> list[Line]:
    lines = [_line(label(RULES, d.get("rule")))]
    if d.get("remedy_by"):
        lines.append(_line(f"Frist for å rette opp: {formatting.dato(d['remedy_by'])}"))
    if d.get("decision"):
        decider = names.actors.get(d.get("decided_by"), d.get("decided_by"))
        lines.append(_line(f"{label(DECISIONS, d['decision'])} av {decider}"))
    return lines


def _mail(d: dict, names: _Names) -> list[Line]:
    message = names.mail.get(d.get("message"))
    text = label(MAIL_TEMPLATES, d.get("template"))
    if message is not None:
        text += f": «{message['subject']}»"
    if d.get("attempts", 1) > 1:
        text += f" (forsøk {d['attempts']})"
    return [_line(text)]


DESCRIBE: dict[str, Callable[[dict, _Names], list[Line]]] = {
    "apply": _application,
    "application-amended": _application,
    **dict.fromkeys(
        ("select", "reject", "withdraw", "contract", "activate", "complete", "terminate"),
        _transition,
    ),
    "member-added": _member,
    "member-changed": _member,
    "member-removed": _member,
    "signed": _signed,
    "countersigned": _countersigned,
    "contract-stored": _contract_stored,
    "contract-meeting-scheduled": _contract_meeting,
    "contract-meeting-held": _contract_meeting,
    "contract-meeting-cancelled": _contract_meeting_cancelled,
    "advisor-assigned": _advisor,
    "visit-scheduled": _visit_scheduled,
    "visit-moved": _visit_moved,
    "visit-done": _visit,
    "visit-cancelled": _visit,
    "visit-missed": _visit,
    "attendance-recorded": _attendance,
    "deliverable-delivered": _deliverable,
    "invoice-issued": _invoice_issued,
    "invoice-paid": _invoice_paid,
    "payment-received": _payment_received,
    "invoicing-details-changed": _invoicing_details,
    "invoice-credited": _invoice_credited,
    "payment-reminder-sent": _payment_reminder,
    "refund-due": _refund,
    "refund-paid": _refund,
    **dict.fromkeys(
        ("breach-opened", "breach-resolved", "breach-waived", "breach-decided"), _breach
    ),
    **dict.fromkeys(("mail-queued", "mail-sent", "mail-failed", "mail-retry"), _mail),
}


_CHANNELS = {"ehf": "EHF", "email": "e-post"}


def _invoice_delivery(d: dict, _names: _Names) -> list[Line]:
    """Delivered, handed over or rejected: the invoice, the channel, the reference."""
    channel = _CHANNELS.get(d.get("channel"), d.get("channel"))
    lines = [
        _invoice_link(d.get("series"), d.get("number"), f"Faktura {d.get('number')} ({channel})")
    ]
    if d.get("reference"):
        lines.append(_line(f"Ref. {d['reference']}"))
    return lines


DESCRIBE.update(
    dict.fromkeys(
        ("invoice-delivered", "invoice-handed-over", "invoice-delivery-rejected"),
        _invoice_delivery,
    )
)
