"""Attendance, deliverables and breaches of obligations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("members", JSON, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_attendance_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint("case_id", "event_id", name=op.f("uq_attendance_case_id")),
    )
    op.create_table(
        "breach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("remedy_by", sa.Date(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("awaiting_flow_run_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_breach_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach")),
    )
    with op.batch_alter_table("breach", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_breach_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "uq_breach_open",
            ["case_id", "rule"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "deliverable",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=40), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_deliverable_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliverable")),
        sa.UniqueConstraint("case_id", "what", name=op.f("uq_deliverable_case_id")),
    )


def downgrade() -> None:
    op.drop_table("deliverable")
    with op.batch_alter_table("breach", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_breach_open",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_breach_case_id"))

    op.drop_table("breach")
    op.drop_table("attendance")
