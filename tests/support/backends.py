"""The databases the suite runs on: SQLite always, PostgreSQL when configured.

``KULTURSKOLE_TEST_DATABASE_URL`` names a PostgreSQL database the suite may wipe; without it
the suite runs on SQLite only.
"""

from __future__ import annotations

import os

PG_URL = os.environ.get("KULTURSKOLE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
