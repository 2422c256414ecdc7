"""sign-in slips: an import's sign-in details, sealed until printed or shown once

Revision ID: 5f1c2d9e8a47
Revises: c486175279fb
Create Date: 2026-12-01 21:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5f1c2d9e8a47"
down_revision = "c486175279fb"
branch_labels = None
depends_on = None


def upgrade():
    # nothing to carry over: generated passwords were never kept, so no existing import has slips
    op.create_table(
        "sign_in_slips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_sign_in_slips_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_slips")),
    )
    with op.batch_alter_table("sign_in_slips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_slips_created_by_id"), ["created_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sign_in_slips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_slips_created_by_id"))
    op.drop_table("sign_in_slips")
