"""activation codes: imported people set their own password with a one-time code instead of an initial one

Revision ID: 7a3c5e9b1d24
Revises: 7d3e5a0c9b21
Create Date: 2026-12-02 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a3c5e9b1d24"
down_revision = "7d3e5a0c9b21"
branch_labels = None
depends_on = None


def upgrade():
    # nothing to carry over: no account has a code yet (those with an initial password keep it)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activation_salt", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("activation_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("activation_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("activation_used_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_activation_code_hash"), ["activation_code_hash"])


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_activation_code_hash"), type_="unique")
        batch_op.drop_column("activation_used_at")
        batch_op.drop_column("activation_expires_at")
        batch_op.drop_column("activation_code_hash")
        batch_op.drop_column("activation_salt")
