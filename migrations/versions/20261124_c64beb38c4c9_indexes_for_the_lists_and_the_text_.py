"""indexes for the lists and the text search at scale

Revision ID: c64beb38c4c9
Revises: 9d8a426c17a9
Create Date: 2026-11-24 02:37:03.167906

The list's sorts by title and by last change and its session filter walk an index; on PostgreSQL
the text search (ILIKE '%...%' on title, reasons and measures) uses a trigram index (pg_trgm, part
of PostgreSQL's contrib, which Debian's postgresql package ships). Creating the extension needs a
role allowed to (the database owner on PostgreSQL 13 and later: pg_trgm is a trusted extension).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c64beb38c4c9"
down_revision = "9d8a426c17a9"
branch_labels = None
depends_on = None

TEXT_COLUMNS = ("title", "reason", "measures")


def upgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index("ix_proposals_session_id_id", ["session_id", "id"], unique=False)
        batch_op.create_index("ix_proposals_title_id", ["title", "id"], unique=False)
        batch_op.create_index("ix_proposals_updated_at_id", ["updated_at", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_proposals_text_trgm",
            "proposals",
            list(TEXT_COLUMNS),
            postgresql_using="gin",
            postgresql_ops=dict.fromkeys(TEXT_COLUMNS, "gin_trgm_ops"),
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_proposals_text_trgm", table_name="proposals")  # (the extension stays: others may use it)
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_updated_at_id")
        batch_op.drop_index("ix_proposals_title_id")
        batch_op.drop_index("ix_proposals_session_id_id")
