"""Prefect flows: in which order things happen to cases, and when.

A flow calls service functions; it holds no business rule. Domain code never imports Prefect.
"""

import os

# The council's machines need not phone home; an administrator can still turn it on.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# Prefect loads a flow file by its path; each imports flows.runs, so this runs first.
from kulturskole import bootstrap  # noqa: E402

bootstrap.wire()
