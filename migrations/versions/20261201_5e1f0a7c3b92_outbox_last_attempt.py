"""the outbox: when a message was last tried

Revision ID: 5e1f0a7c3b92
Revises: 5e0c1d7a9b42
Create Date: 2026-12-01 21:00:00

Existing rows keep their attempts and due times (a pending row without next_attempt_at is due now);
the moment of their last attempt is known for rows being sent (their claim) and sent rows (sent_at).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e1f0a7c3b92"
down_revision = "5e0c1d7a9b42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_attempt_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE notifications SET last_attempt_at = next_attempt_at WHERE email_state = 'sending'")
    op.execute("UPDATE notifications SET last_attempt_at = sent_at WHERE email_state = 'sent'")


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("last_attempt_at")
