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

# --- Beslutninger and Kjøringer ---------------------------------------------------------------
DECISIONS = {"approve": "Avslutning godkjent", "reject": "Forslaget avvist"}
TABLES["decision"] = DECISIONS

# The flows the console starts, by the short name its forms use (kulturskole.web.jobs).
RUN_FLOWS = {
    "invoicing": "Fakturering",
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
