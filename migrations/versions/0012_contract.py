"""The council director's signature, the signed contract as a PDF, the contract meeting.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("director_signatory_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("director_signed_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_director_signatory_id_person"),
            "person",
            ["director_signatory_id"],
            ["id"],
        )
    op.create_table(
        "signed_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_signed_contract_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_contract")),
        sa.UniqueConstraint("case_id", name=op.f("uq_signed_contract_case_id")),
    )
    op.create_table(
        "contract_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=True),
        sa.Column("host_name", sa.String(length=200), nullable=False),
        sa.Column("host_email", sa.String(length=320), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_contract_meeting_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["advisor_id"], ["advisor.id"], name=op.f("fk_contract_meeting_advisor_id_advisor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_meeting")),
        sa.UniqueConstraint("case_id", name=op.f("uq_contract_meeting_case_id")),
    )
    with op.batch_alter_table("contract_meeting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_meeting_host_email"), ["host_email"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contract_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_meeting_host_email"))
    op.drop_table("contract_meeting")
    op.drop_table("signed_contract")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cases_director_signatory_id_person"), type_="foreignkey"
        )
        batch_op.drop_column("director_signed_on")
        batch_op.drop_column("director_signatory_id")
