"""the dialogue on a proposal: its messages and their files

Revision ID: 7d3e5a0c9b21
Revises: a7d3c9e51f20
Create Date: 2026-12-02 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d3e5a0c9b21"
down_revision = "a7d3c9e51f20"
branch_labels = None
depends_on = None

KINDS = "('pdf', 'docx', 'xlsx', 'jpg', 'png')"


def upgrade():
    # nothing to carry over: there was no dialogue before this revision
    op.create_table(
        "proposal_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("side IN ('author', 'handling')", name=op.f("ck_proposal_messages_side")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_proposal_messages_author_id_users")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["org_units.id"], name=op.f("fk_proposal_messages_department_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_messages_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_messages")),
    )
    with op.batch_alter_table("proposal_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_messages_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_messages_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "proposal_message_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f("ck_proposal_message_attachments_kind")),
        sa.CheckConstraint("size > 0", name=op.f("ck_proposal_message_attachments_size")),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["proposal_messages.id"],
            name=op.f("fk_proposal_message_attachments_message_id_proposal_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_message_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_proposal_message_attachments_stored_name")),
    )
    with op.batch_alter_table("proposal_message_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_message_attachments_message_id"), ["message_id"], unique=False)


def downgrade():
    # (taking the dialogue away loses its messages: a downgrade is for a database restored from before it)
    with op.batch_alter_table("proposal_message_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_message_attachments_message_id"))
    op.drop_table("proposal_message_attachments")
    with op.batch_alter_table("proposal_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_messages_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_messages_author_id"))
    op.drop_table("proposal_messages")
