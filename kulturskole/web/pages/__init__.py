"""The console's pages, one module per menu item; each exports ``routes``."""

from __future__ import annotations

from kulturskole.web.pages import (
    audit,
    case,
    cases,
    decisions,
    invoices,
    login,
    mail,
    overview,
    payments,
    runs,
)

ROUTES = [
    *login.routes,
    *overview.routes,
    *cases.routes,
    *case.routes,
    *invoices.routes,
    *payments.routes,
    *decisions.routes,
    *runs.routes,
    *mail.routes,
    *audit.routes,
]
