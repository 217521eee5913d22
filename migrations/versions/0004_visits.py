"""Advisors, blocked periods, guidance visits, and each case's advisor.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("counties", JSON, nullable=False),
        sa.Column("max_physical_per_day", sa.Integer(), nullable=False),
        sa.Column("max_digital_per_day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisor")),
        sa.UniqueConstraint("email", name=op.f("uq_advisor_email")),
    )
    op.create_table(
        "blocked_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=320), nullable=True),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_period")),
    )
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("window_id", sa.String(length=100), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisor_id"], ["advisor.id"], name=op.f("fk_visit_advisor_id_advisor")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_visit_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
        sa.UniqueConstraint("case_id", "window_id", name=op.f("uq_visit_case_id")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index("ix_visit_advisor_start", ["advisor_id", "start"], unique=False)

    # A plain ADD COLUMN (no batch copy of `cases` on SQLite: history rows refer to it).
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE cases ADD COLUMN advisor_id INTEGER "
            "CONSTRAINT fk_cases_advisor_id_advisor REFERENCES advisor (id)"
        )
    else:
        op.add_column("cases", sa.Column("advisor_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_cases_advisor_id_advisor", "cases", "advisor", ["advisor_id"], ["id"]
        )


def downgrade() -> None:
    op.drop_column("cases", "advisor_id")

    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_advisor_start")

    op.drop_table("visit")
    op.drop_table("blocked_period")
    op.drop_table("advisor")
