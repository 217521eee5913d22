"""Fixed contexts for the golden samples of every mail kind (tests/golden/<sample>.txt/.html).

One builder per mail kind in ``CONTEXTS`` (kind → function returning the whole context); extra
samples of a kind in ``VARIANTS`` (sample name → (kind, builder)). To add a mail kind: add its
builder here, then run ``KULTURSKOLE_UPDATE_GOLDEN=1 uv run pytest tests/unit/test_golden_mails.py``
and read the new files (README.md).

Every fact comes from the real programme file (programmes/regionale-2024-2025.yaml) or is a
fixed, realistic value written here; nothing depends on the clock or the database. The
municipality is Rana ("Rana - Raane" in Statistics Norway's list), so that the samples show how
a municipality with a parallel (Sami) name is named.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from kulturskole import PROGRAMMES_DIR
from kulturskole.programme_file import parse_programme_file
from notifications.breach_text import evidence_sentences, rule_words

PROGRAMME = parse_programme_file(PROGRAMMES_DIR / "regionale-2024-2025.yaml")
OSLO = ZoneInfo("Europe/Oslo")

#: The day the welcome letter is sent (activation): events before it are not listed.
WELCOME_SENT = date(2024, 8, 1)

ADVISOR = {"name": "Ola Hansen", "email": "ola.hansen@kulturskoleradet.no", "phone": "900 12 345"}


def programme() -> dict[str, Any]:
    contract, contact = PROGRAMME.contract, PROGRAMME.contact
    return {
        "id": PROGRAMME.id,
        "title": PROGRAMME.title,
        "subtitles": list(PROGRAMME.subtitles),
        "period_start": PROGRAMME.period.start,
        "period_end": PROGRAMME.period.end,
        "contract": {
            "place": contract.place,
            "date_text": contract.date_text,
            "director": contract.director,
        },
        "contact": {
            "name": contact.name,
            "title": contact.title,
            "email": contact.email,
            "phone": contact.phone,
        },
        "fee_ore": PROGRAMME.fee_ore,
    }


def event(event_id: str) -> dict[str, Any]:
    """An event of the programme file as ``notifications.case_mail.event_context`` gives it."""
    found = next(e for e in PROGRAMME.events if e.id == event_id)
    clock = found.time
    return {
        "id": found.id,
        "title": found.title,
        "kind": found.kind,
        "mode": found.mode,
        "start": found.start,
        "end": found.end,
        "tentative": found.tentative,
        "when": found.when,
        "time": {"start": clock.start, "end": clock.end} if clock else None,
        "duration_minutes": found.duration_minutes,
        "note": found.note,
    }


def common() -> dict[str, Any]:
    """What every message gets (``notifications.case_mail.common_context``)."""
    return {
        "programme": programme(),
        "municipality": {
            "number": "1833",
            "name": "Rana - Raane",
            "own_name": "Rana",
            "parallel_names": "Raane",
            "written_name": "Rana kommune – Raane",
        },
        "recipient": {"name": "Kari Nordmann"},
        "council": {"name": "Norsk kulturskoleråd", "website": "https://www.kulturskoleradet.no"},
        "case": {"state": "active"},
    }


def visit(mode: str = "physical") -> dict[str, Any]:
    physical = mode == "physical"
    return {
        "start": datetime(2024, 10, 8, 10, 0, tzinfo=OSLO),
        "end": datetime(2024, 10, 8, 12, 30, tzinfo=OSLO),
        "mode": mode,
        "location": "Rana kulturskole, Ole Tobias Olsens gate 2" if physical else None,
        "advisor": dict(ADVISOR),
    }


def meeting() -> dict[str, Any]:
    """The agreement and contract meeting (``notifications.contract_meeting``'s context): digital,
    hosted by the case's advisor."""
    return {
        "start": datetime(2024, 8, 8, 9, 0, tzinfo=OSLO),
        "end": datetime(2024, 8, 8, 10, 0, tzinfo=OSLO),
        "mode": "digital",
        "location": "Nettmøte (lenke sendes før møtet)",
        "host": ADVISOR | {"advisor": True},
    }


def _with(**extra: Any) -> Callable[[], dict[str, Any]]:
    return lambda: common() | extra


def _welcome(advisor: dict[str, Any] | None = ADVISOR) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        events = [
            event(e.id)
            for e in PROGRAMME.events
            if e.tentative or e.end is None or e.end >= WELCOME_SENT
        ]
        return common() | {
            "events": events,
            "members": [
                {"name": "Kari Nordmann", "role": "koordinator"},
                {"name": "Per Olsen", "role": "kulturskoleleder"},
                {"name": "Siri Berg", "role": "skoleeier"},
                {"name": "Jon Lie", "role": "kommunedirektør"},
            ],
            "advisor": dict(advisor) if advisor else None,
            "instalments": PROGRAMME.invoicing.instalments,
            "meeting_plan_due": PROGRAMME.obligations.meeting_plan_due,
            "development_plan_due": PROGRAMME.obligations.development_plan_due,
        }

    return build


def _breach(rule: str) -> dict[str, Any]:
    """A breach as kulturskole.obligations.breaches._warn gives it to the letter: the evidence
    from the rule's data through notifications.breach_text."""
    words = rule_words(rule)
    evidence = {
        "gathering-attendance": {
            "gatherings": [
                {
                    "event": "joint-gathering-2",
                    "title": "Fellessamling 2",
                    "start": "2024-11-26",
                    "end": "2024-11-27",
                    "present": 2,
                    "group": 6,
                    "needed": 6,
                }
            ]
        },
        "meeting-plan": {"due": "2024-10-31"},
    }[rule]
    return {
        "rule": rule,
        "can_terminate": rule in PROGRAMME.obligations.terminating_rules,
        "rule_text": {
            "gathering-attendance": "Kommunegruppen skal delta på alle fellessamlinger.",
            "meeting-plan": "Kommunen skal ha en langsiktig møteplan for arbeidet mellom "
            "samlingene.",
        }[rule],
        "evidence": evidence_sentences(
            rule, evidence, [], min_group_size=PROGRAMME.participation.min_group_size
        ),
        "remedy_by": date(2024, 12, 12) if rule == "gathering-attendance" else date(2024, 11, 14),
        "undoable": words.undoable,
        "request": words.request,
    }


def _termination(initiated_by: str) -> dict[str, Any]:
    """A termination as notifications.termination_letter gives it: after the warning of
    28 November 2024, with the first instalment invoiced and unpaid."""
    leadership = initiated_by == "leadership"
    return {
        "reason": (
            "Brudd på forpliktelsen om kommunegruppens deltakelse på fellessamlingene: "
            "Kommunegruppen har ikke svart på varselet."
            if leadership
            else "Kommunen har ikke kapasitet til å fortsette."
        ),
        "initiated_by": initiated_by,
        "effective_on": date(2025, 1, 20),
        "warning": {
            "sent_on": date(2024, 11, 28),
            "about": rule_words("gathering-attendance").about,
            "evidence": _breach("gathering-attendance")["evidence"],
            "remedy_by": date(2024, 12, 12),
        }
        if leadership
        else None,
        "instalments": {
            "total": 3,
            "invoiced": [1],
            "unpaid": [240001],
            "still_invoiced": [],
            "not_invoiced": [
                {"number": 2, "regarding": "fellessamling 3 (12.–13. februar 2025)"},
                {"number": 3, "regarding": "fellessamling 5 (11.–12. september 2025)"},
            ],
        },
        "visits_cancelled": 2,
    }


def _visit_reminder(mode: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        start = datetime(2024, 10, 8, 10, 0, tzinfo=OSLO)
        return common() | {
            # as notifications.reminders._visit_reminders builds it
            "event": {
                "id": "visit-1",
                "title": "Veiledningsbesøk",
                "kind": "visit-window",
                "mode": mode,
                "start": start.date(),
                "end": start.date(),
                "tentative": False,
                "when": None,
                "time": {"start": "10:00", "end": "12:30"},
                "duration_minutes": 150,
                "note": None,
            },
            "days_before": 7,
            "advisor": dict(ADVISOR),
        }

    return build


#: mail kind → its fixed context. Every kind in notifications.render.TEMPLATES must be here.
CONTEXTS: dict[str, Callable[[], dict[str, Any]]] = {
    "application_received": _with(applied_on=date(2024, 4, 15), contact={"name": "Per Olsen"}),
    "selected": _with(min_group_size=PROGRAMME.participation.min_group_size),
    "not_selected": _with(
        reason="Utviklingsarbeidet er ikke knyttet til fylkesavdelingens utviklingsområde."
    ),
    "withdrawn": _with(reason="Kommunen har ikke kapasitet i programperioden."),
    "contract_for_signature": _with(
        attachment_name="kontrakt-regionale-2024-2025-1833.pdf",
        founding_document_name="grunnlagsdokument-regionale-program-2024-2025.pdf",
    ),
    "welcome": _welcome(),
    "reminder": _with(event=event("coordinator-meeting-1"), days_before=7),
    "invoice": _with(
        invoice={
            "number": "2024-0001",
            "buyer_name": "Rana kommune",
            "instalment": 1,
            "instalments": PROGRAMME.invoicing.instalments,
            "amount_ore": 666667,
            "issue_date": date(2024, 9, 26),
            "due_date": date(2024, 10, 26),
            "kid": "1833000016",
            "account": "1503.12.34567",
        },
        attachment_name="faktura-2024-0001.pdf",
        ehf=True,
        buyer_org_number="972 417 920",
    ),
    "credit_note": _with(
        credit_note={
            "number": 18,
            "buyer_name": "Rana kommune",
            "credited_number": 17,
            "credited_issue_date": date(2024, 9, 26),
            "amount_ore": 666667,
            "issue_date": date(2024, 10, 2),
            "reason": "Fakturaen gikk til feil mottaker.",
        },
        attachment_name="kreditnota-18.pdf",
        ehf=False,
    ),
    "payment_reminder": _with(
        reminder={
            "ordinal": 1,
            "invoice_number": 17,
            "kid": "1833000016",
            "account": "1503.12.34567",
            "amount_ore": 666667,
            "paid_ore": 200000,
            "balance_ore": 466667,
            "issue_date": date(2024, 9, 26),
            "due_date": date(2024, 10, 26),
            "new_due_date": date(2024, 11, 23),
        }
    ),
    "visit_invitation": lambda: common() | {"visit": visit()},
    "visit_changed": lambda: (
        common() | {"visit": visit(), "previous_start": datetime(2024, 10, 1, 8, 0, tzinfo=UTC)}
    ),
    "visit_cancelled": lambda: common() | {"visit": visit(), "reason": "Veilederen er syk."},
    "obligation_warning": _with(breach=_breach("gathering-attendance")),
    "termination": _with(termination=_termination("leadership")),
    "completion": _with(sharing_arena=event("sharing-arena")),
    "plan_reminder": _with(
        plan={"what": "meeting-plan", "due": PROGRAMME.obligations.meeting_plan_due}
    ),
    "event_invitation": _with(event=event("inspiration"), applicant={"kind": "municipality"}),
    "contract_meeting_invitation": lambda: common() | {"meeting": meeting()},
    "contract_meeting_cancelled": lambda: common() | {"meeting": meeting()},
    "event_scheduled": _with(
        event=event("coordinator-meeting-5")
        | {"tentative": False, "start": date(2025, 8, 27), "end": date(2025, 8, 27)},
        previous=event("coordinator-meeting-5"),
        applicant={"kind": "municipality"},
    ),
}

#: More samples of a kind, where a branch reads differently: sample name → (kind, builder).
VARIANTS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "welcome-no-advisor": ("welcome", _welcome(advisor=None)),
    "reminder-joint-gathering": (
        "reminder",
        _with(event=event("joint-gathering-1"), days_before=1),
    ),
    "reminder-visit": ("reminder", _visit_reminder("physical")),
    "reminder-visit-digital": ("reminder", _visit_reminder("digital")),
    "event_invitation-county-branch": (
        "event_invitation",
        lambda: (
            common()
            | {
                "municipality": {"number": "F50", "name": "Norsk kulturskoleråd Trøndelag"},
                "event": event("inspiration"),
                "applicant": {"kind": "county-branch"},
            }
        ),
    ),
    "visit_invitation-digital": (
        "visit_invitation",
        lambda: common() | {"visit": visit("digital")},
    ),
    # The finance and obligation letters' branches
    "obligation_warning-meeting-plan": (
        "obligation_warning",
        _with(breach=_breach("meeting-plan")),
    ),
    "termination-coordinator": ("termination", _with(termination=_termination("coordinator"))),
    "visit_cancelled-termination": (
        "visit_cancelled",
        lambda: (
            common()
            | {
                "visit": visit(),
                "reason": "Avtalen er avsluttet: Kommunen trekker seg.",
                "reason_kind": "termination",
            }
        ),
    ),
    "credit_note-refund": (
        "credit_note",
        lambda: (
            CONTEXTS["credit_note"]()
            | {"refund": {"amount_ore": 250_000, "invoice_amount_ore": 666_667, "account": None}}
        ),
    ),
    "payment_reminder-second": (
        "payment_reminder",
        lambda: (
            CONTEXTS["payment_reminder"]()
            | {"reminder": CONTEXTS["payment_reminder"]()["reminder"] | {"ordinal": 2}}
        ),
    ),
    "plan_reminder-development-plan": (
        "plan_reminder",
        _with(plan={"what": "development-plan", "due": PROGRAMME.obligations.development_plan_due}),
    ),
}

#: Standalone documents (notifications.render.DOCUMENTS) → context.
DOCUMENT_CONTEXTS: dict[str, Callable[[], dict[str, Any]]] = {
    "contract": common,
}


def samples() -> dict[str, tuple[str, Callable[[], dict[str, Any]]]]:
    """Every sample: name → (kind, builder); a kind's own sample is named by the kind."""
    return {kind: (kind, build) for kind, build in CONTEXTS.items()} | VARIANTS
