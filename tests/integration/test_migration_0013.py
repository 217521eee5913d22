"""Migration 0013: the register's rows so far are municipalities; a downgrade with a county branch
registered is refused (its cases would silently become a municipality's)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, text

from kulturskole.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.builders.cases import apply_case


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def test_rows_from_before_are_municipalities(engine: Engine) -> None:
    downgrade(engine, "0011")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO municipality (number, name, county_number, county_name, org_number)"
                " VALUES ('5001', 'Trondheim - Tråante', '50', 'Trøndelag', '942110464')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        kind = connection.execute(text("SELECT kind FROM municipality")).scalar_one()
    assert kind == "municipality"


@pytest.mark.usefixtures("programme_loaded")
def test_a_downgrade_with_a_county_branch_is_refused(engine: Engine) -> None:
    apply_case(engine, "F50")
    try:
        with pytest.raises(RuntimeError, match="1 county branches are registered"):
            downgrade(engine, "0012")
        assert current_revision(engine) != "0012"  # 0013 was not undone
        with engine.connect() as connection:
            kind = connection.execute(
                text("SELECT kind FROM municipality WHERE number = 'F50'")
            ).scalar_one()
        assert kind == "county-branch"
    finally:
        upgrade(engine)  # the later migrations undone on the way down come back: the schema
        # is shared by the tests that follow
    assert current_revision(engine) == head_revision()
