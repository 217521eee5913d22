"""The console's words for the engine's codes (states, triggers, roles, statuses, flows).

Codes stay codes in the database, the CLI and the JSON; only what the staff read is translated.
An unknown code is shown as it is, never hidden.
"""

from __future__ import annotations

STATES = {
    "applied": "Søkt",
    "selected": "Valgt ut",
    "contracted": "Avtale inngått",
    "active": "Aktiv",
    "completed": "Fullført",
    "terminated": "Avsluttet",
    "declined": "Ikke tatt opp",
}

TRIGGERS = {
    "select": "Velg ut",
    "reject": "Avslå",
    "withdraw": "Trekk søknaden",
    "contract": "Inngå avtale",
    "activate": "Start deltakelse",
    "complete": "Fullfør",
    "terminate": "Avslutt avtalen",
}

USER_ROLES = {"admin": "Administrator", "finance": "Økonomi", "viewer": "Lesetilgang"}

MEMBER_ROLES = {
    "coordinator": "Koordinator",
    "school-owner": "Skoleeier",
    "culture-school-head": "Kulturskoleleder",
    "chief-executive": "Kommunedirektør",
    "elected": "Folkevalgt",
    "other": "Annen rolle",
}

INVOICE_STATUSES = {
    "issued": "Utstedt",
    "sent": "Sendt",
    "paid": "Betalt",
    "credited": "Kreditert",
}
INVOICE_KINDS = {"invoice": "Faktura", "credit": "Kreditnota"}

MESSAGE_STATUSES = {"queued": "Venter", "sent": "Sendt", "failed": "Feilet"}

BREACH_STATUSES = {
    "open": "Åpent",
    "resolved": "Rettet opp",
    "waived": "Frafalt",
    "terminated": "Avtalen avsluttet",
}

FLOWS = {
    "programme-day": "Programdag",
    "programme-lifecycle": "Programstart og -slutt",
    "schedule-visits": "Veiledningsbesøk",
    "invoicing": "Fakturering",
    "payment-reminders": "Betalingspåminnelser",
    "monitor-obligations": "Forpliktelser",
    "send-notifications": "Utsending av e-post",
}

RULES = {
    "gathering-attendance": "Deltakelse på fellessamlinger",
    "coordinator-meetings": "Deltakelse på koordinatorsamlinger",
    "group-composition": "Kommunegruppens sammensetning",
    "development-plan": "Utviklingsplan",
    "meeting-plan": "Møteplan",
    "visit-missed": "Veiledningsbesøk ikke gjennomført",
    "invoice-overdue": "Forfalt faktura",
}

INITIATORS = {"leadership": "Kommunens ledelse", "coordinator": "Koordinatoren"}


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return "–"
    return table.get(code, code)


TABLES = {
    "state": STATES,
    "trigger": TRIGGERS,
    "user_role": USER_ROLES,
    "member_role": MEMBER_ROLES,
    "invoice_status": INVOICE_STATUSES,
    "invoice_kind": INVOICE_KINDS,
    "message_status": MESSAGE_STATUSES,
    "breach_status": BREACH_STATUSES,
    "flow": FLOWS,
    "rule": RULES,
    "initiator": INITIATORS,
}

ACTIONS = {
    "apply": "Søknad mottatt",
    "application-amended": "Søknaden endret",
    "select": "Valgt ut",
    "reject": "Søknaden avslått",
    "withdraw": "Søknaden trukket",
    "contract": "Avtale inngått",
    "activate": "Deltakelsen startet",
    "complete": "Programmet fullført",
    "terminate": "Avtalen avsluttet",
    "member-added": "Medlem lagt til",
    "member-changed": "Medlem endret",
    "member-removed": "Medlem fjernet",
    "role-mapping-done": "Rollekartlegging registrert",
    "signed": "Avtalen signert",
    "mail-queued": "E-post lagt i kø",
    "mail-sent": "E-post sendt",
    "mail-failed": "E-post feilet",
    "mail-retry": "E-post lagt i kø på nytt",
    "advisor-assigned": "Veileder tildelt",
    "visit-scheduled": "Veiledningsbesøk planlagt",
    "visit-done": "Veiledningsbesøk gjennomført",
    "visit-cancelled": "Veiledningsbesøk avlyst",
    "visit-moved": "Veiledningsbesøk flyttet",
    "attendance-recorded": "Oppmøte registrert",
    "deliverable-delivered": "Leveranse mottatt",
    "invoice-issued": "Faktura utstedt",
    "invoice-paid": "Faktura betalt",
    "payment-received": "Innbetaling mottatt",
    "invoicing-details-changed": "Fakturaopplysninger endret",
    "invoice-credited": "Faktura kreditert",
    "payment-reminder-sent": "Betalingspåminnelse sendt",
    "refund-due": "Tilbakebetaling registrert",
    "refund-paid": "Tilbakebetalt",
    "breach-opened": "Brudd på forpliktelse registrert",
    "breach-resolved": "Brudd rettet opp",
    "breach-waived": "Brudd frafalt",
    "breach-decided": "Beslutning om avslutning",
}
TABLES["action"] = ACTIONS

# The counts a run reports (its summary in the run record), by key.
SUMMARY = {
    "activated": "startet",
    "completed": "fullført",
    "visits_scheduled": "besøk planlagt",
    "visits_not_placed": "besøk ikke plassert",
    "invoices_issued": "fakturaer utstedt",
    "invoiced": "fakturert",
    "breaches_opened": "brudd registrert",
    "breaches_resolved": "brudd rettet opp",
    "decisions_awaited": "venter på beslutning",
    "reminders_queued": "påminnelser lagt i kø",
    "mail_sent": "e-post sendt",
    "mail_failed": "e-post feilet",
    "issued": "utstedt",
    "total": "beløp",
    "already_invoiced": "allerede fakturert",
    "skipped": "hoppet over",
    "opened": "registrert",
    "resolved": "rettet opp",
    "still_open": "fortsatt åpne",
    "decided": "besluttet",
    "scheduled": "planlagt",
    "unplaced": "ikke plassert",
    "already_scheduled": "allerede planlagt",
    "skipped_windows": "vinduer hoppet over",
    "decision_needed": "trenger beslutning",
    "sent": "sendt",
    "retrying": "prøves igjen",
    "failed": "feilet",
    "mode": "leveringsmåte",
    "dry_run": "prøvekjøring",
}
TABLES["summary"] = SUMMARY
# --- Saker and Sak (the case pages) ---------------------------------------------------------
VISIT_STATUSES = {
    "scheduled": "Planlagt",
    "done": "Gjennomført",
    "missed": "Ikke gjennomført",
    "cancelled": "Avlyst",
}
VISIT_MODES = {"physical": "Fysisk", "digital": "Digitalt"}
DELIVERABLES = {"development-plan": "Utviklingsplan", "meeting-plan": "Møteplan"}
DECISIONS = {"approve": "Avslutning godkjent", "reject": "Forslaget om avslutning avvist"}
MAIL_TEMPLATES = {
    "application_received": "Kvittering for søknad",
    "selected": "Valgt ut",
    "not_selected": "Ikke valgt ut",
    "withdrawn": "Søknaden trukket",
    "contract_for_signature": "Avtale til signering",
    "welcome": "Velkommen",
    "reminder": "Påminnelse",
    "visit_invitation": "Invitasjon til veiledningsbesøk",
    "visit_changed": "Veiledningsbesøk endret",
    "visit_cancelled": "Veiledningsbesøk avlyst",
    "invoice": "Faktura",
    "credit_note": "Kreditnota",
    "payment_reminder": "Betalingspåminnelse",
    "obligation_warning": "Varsel om brudd på forpliktelse",
    "termination": "Avtalen avsluttet",
    "completion": "Programmet fullført",
    "plan_reminder": "Påminnelse om frist for plan",
}
ACTIONS.setdefault("mail-retry", "E-post sendes på nytt")
ACTIONS.setdefault("visit-missed", "Veiledningsbesøk ikke gjennomført")
TABLES.update(
    {
        "visit_status": VISIT_STATUSES,
        "visit_mode": VISIT_MODES,
        "deliverable": DELIVERABLES,
        "decision": DECISIONS,
        "mail_template": MAIL_TEMPLATES,
    }
)
# --- Beslutninger and Kjøringer ---------------------------------------------------------------
DECISIONS = {"approve": "Avslutning godkjent", "reject": "Forslaget avvist"}
TABLES["decision"] = DECISIONS

# The flows the console starts, by the short name its forms use (kulturskole.web.jobs).
RUN_FLOWS = {
    "invoicing": "Fakturering",
    "reminders": "Betalingspåminnelser",
    "visits": "Veiledningsbesøk",
    "obligations": "Forpliktelser",
    "lifecycle": "Programstart og -slutt",
    "notifications": "Utsending av e-post",
}
TABLES["run_flow"] = RUN_FLOWS

JOB_STATUSES = {
    "pending": "Venter på å starte",
    "running": "Kjører",
    "completed": "Fullført",
    "failed": "Feilet",
}
TABLES["job_status"] = JOB_STATUSES

# What a run reports, per flow: (the JSON's key, the count's name); a list counts its items.
RUN_COUNTS = {
    "invoicing": [
        ("issued", "Fakturaer"),
        ("total", "Beløp i alt"),
        ("already_invoiced", "Allerede fakturert"),
        ("skipped", "Hoppet over"),
    ],
    "reminders": [
        ("sent", "Påminnelser sendt"),
        ("for_finance", "Ubetalt etter to påminnelser"),
    ],
    "visits": [
        ("scheduled", "Besøk planlagt"),
        ("unplaced", "Ikke plassert"),
        ("already_scheduled", "Allerede planlagt"),
        ("skipped_windows", "Besøksvinduer hoppet over"),
        ("advisors_assigned", "Veiledere tildelt"),
        ("waiting_windows", "Besøksvinduer som ennå ikke er invitert til"),
    ],
    "obligations": [
        ("opened", "Nye brudd"),
        ("resolved", "Rettet opp"),
        ("still_open", "Fortsatt åpne"),
        ("decisions_awaited", "Venter på beslutning"),
        ("decided", "Besluttet under kjøringen"),
    ],
    "lifecycle": [
        ("activated", "Deltakelse startet"),
        ("completed", "Fullført"),
        ("decision_needed", "Trenger beslutning"),
        ("reminders_queued", "Påminnelser lagt i kø"),
    ],
    "notifications": [
        ("sent", "Sendt"),
        ("retrying", "Prøves igjen senere"),
        ("failed", "Feilet"),
        ("reminders_queued", "Påminnelser lagt i kø"),
    ],
}
RUN_COUNTS["day"] = [
    ("activated", "Deltakelse startet"),
    ("completed", "Fullført"),
    ("visits_scheduled", "Besøk planlagt"),
    ("visits_not_placed", "Besøk ikke plassert"),
    ("invoices_issued", "Fakturaer"),
    ("invoiced", "Fakturert"),
    ("breaches_opened", "Nye brudd"),
    ("breaches_resolved", "Brudd rettet opp"),
    ("decisions_awaited", "Venter på beslutning"),
    ("reminders_queued", "Påminnelser"),
    ("payment_reminders_sent", "Betalingspåminnelser"),
    ("mail_sent", "E-post sendt"),
    ("mail_failed", "E-post feilet"),
]
RUN_AMOUNTS = {"total", "invoiced"}  # NOK, shown with the kroner filter
# The console's short name of a flow by its Prefect name (RunRecord.flow).
RUN_KEYS = {
    "invoicing": "invoicing",
    "payment-reminders": "reminders",
    "schedule-visits": "visits",
    "monitor-obligations": "obligations",
    "programme-lifecycle": "lifecycle",
    "send-notifications": "notifications",
    "programme-day": "day",
}
MAIL_MODES = {"smtp": "over SMTP", "files": "som .eml-filer (ingen SMTP satt opp)"}
VISIT_MODES = {"physical": "fysisk", "digital": "digitalt"}
# Why a visit could not be placed (kulturskole.visits.scheduling), in Norwegian.
UNPLACED = {
    "the window has no days left after the effective date": (
        "besøksvinduet har ingen dager igjen etter datoen"
    ),
    "every day left in the window is blocked (weekends, holidays, blocked periods)": (
        "alle dagene som er igjen i vinduet, er sperret (helger, helligdager, sperreperioder)"
    ),
}

# Payments import: what happened to each line of a bank file.
PAYMENT_OUTCOMES = {
    "paid": "Betalt (fakturaen er gjort opp)",
    "partial": "Delbetaling (restbeløp gjenstår)",
    "no-kid": "Uten KID",
    "unknown-kid": "Ukjent KID",
    "ambiguous-kid": "KID-en står på flere fakturaer",
    "overpayment": "Mer enn restbeløpet",
    "not-open": "Fakturaen er ikke åpen",
    "before-invoice": "Bokført før fakturadatoen",
    "zero-amount": "Beløpet er 0",
    "already-imported": "Allerede importert",
}
TABLES["payment_outcome"] = PAYMENT_OUTCOMES

# Delivery of invoices (models/delivery.py): per channel, its status.
DELIVERY_STATUSES = {"pending": "venter", "delivered": "levert", "rejected": "avvist"}
DELIVERY_CHANNELS = {"ehf": "EHF", "email": "E-post"}
TABLES["delivery_status"] = DELIVERY_STATUSES
TABLES["delivery_channel"] = DELIVERY_CHANNELS
ACTIONS.setdefault("invoice-delivered", "Faktura levert")
ACTIONS.setdefault("invoice-handed-over", "EHF overlevert til aksesspunktet")
ACTIONS.setdefault("invoice-delivery-rejected", "Levering av faktura avvist")


def delivery_text(row: dict) -> str:
    """ "EHF: levert", "E-post: venter", "EHF: venter (overlevert)": what the staff read."""
    text = f"{label(DELIVERY_CHANNELS, row['channel'])}: {label(DELIVERY_STATUSES, row['status'])}"
    if row["status"] == "pending" and row["channel"] == "ehf" and row["reference"]:
        text += " (overlevert)"
    return text


# Applicants (kulturskole.services.applicants): a municipality or a county branch; event mail.
APPLICANT_KINDS = {"municipality": "Kommune", "county-branch": "Fylkesavdeling"}
TABLES["applicant_kind"] = APPLICANT_KINDS
MAIL_TEMPLATES.setdefault("event_invitation", "Invitasjon til samling")
MAIL_TEMPLATES.setdefault("event_scheduled", "Tidspunkt fastsatt")
SUMMARY.setdefault("invitations_queued", "invitasjoner lagt i kø")
RUN_COUNTS["day"].insert(
    RUN_COUNTS["day"].index(("reminders_queued", "Påminnelser")) + 1,
    ("invitations_queued", "Invitasjoner"),
)
