"""Payment reminders and refunds.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("balance_ore", sa.Integer(), nullable=False),
        sa.Column("new_due_date", sa.Date(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_payment_reminder_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_payment_reminder_message_id_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reminder")),
        sa.UniqueConstraint("invoice_id", "ordinal", name=op.f("uq_payment_reminder_invoice_id")),
    )
    with op.batch_alter_table("payment_reminder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_reminder_invoice_id"), ["invoice_id"], unique=False
        )
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=False),
        sa.Column("amount_ore", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoice.id"], name=op.f("fk_refund_invoice_id_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["credit_note_id"], ["invoice.id"], name=op.f("fk_refund_credit_note_id_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_refund_invoice_id")),
        sa.UniqueConstraint("credit_note_id", name=op.f("uq_refund_credit_note_id")),
    )


def downgrade() -> None:
    op.drop_table("refund")
    with op.batch_alter_table("payment_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_reminder_invoice_id"))
    op.drop_table("payment_reminder")
