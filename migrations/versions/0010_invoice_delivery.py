"""Delivery status of each invoice per channel (EHF through the access point, PDF by e-mail).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_invoice_delivery_invoice_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_delivery")),
        sa.UniqueConstraint("invoice_id", "channel", name=op.f("uq_invoice_delivery_invoice_id")),
    )
    with op.batch_alter_table("invoice_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_delivery_invoice_id"), ["invoice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_delivery_invoice_id"))
    op.drop_table("invoice_delivery")
