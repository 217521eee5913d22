"""The shipped programme file, as the tests load it."""

from __future__ import annotations

from kulturskole import PROGRAMMES_DIR

PROGRAMME_FILE = PROGRAMMES_DIR / "regionale-2024-2025.yaml"
PROGRAMME_ID = "regionale-2024-2025"
