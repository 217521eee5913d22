"""Buyer details per case (invoicing_details), the buyer's e-mail and Peppol id stamped on each
invoice, and one invoice per KID.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoicing_details",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("org_number", sa.String(length=9), nullable=True),
        sa.Column("peppol_id", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_invoicing_details_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_invoicing_details")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("buyer_peppol_id", sa.String(length=100), nullable=True))
        batch_op.create_index(
            "uq_invoice_kid",
            ["kid"],
            unique=True,
            sqlite_where=sa.text("kid IS NOT NULL"),
            postgresql_where=sa.text("kid IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invoice_kid",
            sqlite_where=sa.text("kid IS NOT NULL"),
            postgresql_where=sa.text("kid IS NOT NULL"),
        )
        batch_op.drop_column("buyer_peppol_id")
        batch_op.drop_column("buyer_email")
    op.drop_table("invoicing_details")
