"""Applicants: the municipality register also holds the council's county branches (``kind``).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a server default: no table rebuild on SQLite; every row so far is a
    # municipality.
    op.add_column(
        "municipality",
        sa.Column("kind", sa.String(length=20), server_default="municipality", nullable=False),
    )


def downgrade() -> None:
    # A county branch's cases point at its row; refuse rather than lose them silently.
    bind = op.get_bind()
    branches = bind.execute(
        sa.text("SELECT count(*) FROM municipality WHERE kind <> 'municipality'")
    ).scalar_one()
    if branches:
        raise RuntimeError(
            f"{branches} county branches are registered; downgrading below 0013 would make them "
            "municipalities: remove their cases and rows first"
        )
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("kind")
