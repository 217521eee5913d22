"""Attachments made when their message is delivered.

An invoice's PDF is a layout of its HTML document, which is fixed (stored on the invoice) when
the invoice is issued. Laying it out costs ~0.1 s of CPU, a hundred times the rest of issuing
an invoice, so the issuing transaction no longer waits for it: the mail's attachment row is
queued without content, ``made_from`` = "invoice-pdf", and the delivery makes and stores it
just before the message goes out (notifications.attachments). Rows queued before this revision
keep their content and have no ``made_from``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_attachment", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column("made_from", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # Make what is still missing first: `kulturskole run notifications` (or delete the
    # unsent messages); a row without content cannot go back.
    with op.batch_alter_table("message_attachment", schema=None) as batch_op:
        batch_op.drop_column("made_from")
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
