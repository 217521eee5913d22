"""Invoices and credit notes, and the number series they are taken from.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_series",
        sa.Column("series", sa.String(length=100), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", name=op.f("pk_invoice_series")),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("instalment", sa.Integer(), nullable=False),
        sa.Column("amount_ore", sa.Integer(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("kid", sa.String(length=25), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("trigger_event_id", sa.String(length=100), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_org_number", sa.String(length=9), nullable=True),
        sa.Column("buyer_address", sa.Text(), nullable=True),
        sa.Column("buyer_reference", sa.String(length=200), nullable=False),
        sa.Column("credits_invoice_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reissue", sa.Boolean(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("document_html", sa.Text(), nullable=False),
        sa.Column("ehf_xml", sa.LargeBinary(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_invoice_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["credits_invoice_id"],
            ["invoice.id"],
            name=op.f("fk_invoice_credits_invoice_id_invoice"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_invoice_message_id_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("series", "number", name=op.f("uq_invoice_series")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "uq_invoice_standing",
            ["case_id", "instalment"],
            unique=True,
            sqlite_where=sa.text("kind = 'invoice' AND status != 'credited'"),
            postgresql_where=sa.text("kind = 'invoice' AND status != 'credited'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invoice_standing",
            sqlite_where=sa.text("kind = 'invoice' AND status != 'credited'"),
            postgresql_where=sa.text("kind = 'invoice' AND status != 'credited'"),
        )
        batch_op.drop_index(batch_op.f("ix_invoice_case_id"))

    op.drop_table("invoice")
    op.drop_table("invoice_series")
