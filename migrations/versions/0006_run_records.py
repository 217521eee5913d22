"""What each flow run did, for the status overview.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=60), nullable=False),
        sa.Column("programme_id", sa.String(length=100), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_record")),
    )
    with op.batch_alter_table("run_record", schema=None) as batch_op:
        batch_op.create_index("ix_run_record_flow", ["flow", "finished_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_record", schema=None) as batch_op:
        batch_op.drop_index("ix_run_record_flow")

    op.drop_table("run_record")
