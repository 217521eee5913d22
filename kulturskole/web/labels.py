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
    "invoice-credited": "Faktura kreditert",
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
    "obligation_warning": "Varsel om brudd på forpliktelse",
    "termination": "Avtalen avsluttet",
    "completion": "Programmet fullført",
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
