"""Reply-To on outgoing messages.

Every message goes out from the no-reply address; ``reply_to`` ({name, address}, nullable) is the
person an answer should reach: the programme contact, or the advisor for a visit. Computed when
the message is queued (from the message's context) and stored with it, like the recipients.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reply_to",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("reply_to")
