"""Unit tests run without a database, Prefect or processes: a test here that asks for one of
those fixtures is refused at collection, so a slow test cannot creep in unnoticed."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
OUTSIDE_THE_UNIT = {"backend", "database_url", "engine", "programme_loaded", "prefect_harness"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not item.path.is_relative_to(HERE):
            continue
        asked = OUTSIDE_THE_UNIT & set(getattr(item, "fixturenames", ()))
        if asked:
            raise pytest.UsageError(
                f"{item.nodeid} is a unit test but uses {', '.join(sorted(asked))}: "
                "move it to tests/integration or tests/e2e"
            )
