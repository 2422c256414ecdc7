"""attachments and the outstanding-proposal vote

Attachments of proposals; delegates' votes (one standing vote per proposal and delegate: a partial
unique index) and the published results; when a session's vote result was published.

Revision ID: a912cd5ec8a9
Revises: d5fe65d8aa8c
Create Date: 2026-11-24 00:27:08.522024

"""
# ruff: noqa: E501  (generated constraint expressions are long)

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a912cd5ec8a9"
down_revision = "d5fe65d8aa8c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vote_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_vote_publications_published_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["congress_sessions.id"], name=op.f("fk_vote_publications_session_id_congress_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_publications")),
        sa.UniqueConstraint("session_id", name=op.f("uq_vote_publications_session_id")),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('pdf', 'docx', 'xlsx', 'jpg', 'png')", name=op.f("ck_attachments_kind")),
        sa.CheckConstraint("size > 0", name=op.f("ck_attachments_size")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_attachments_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachments_stored_name")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_votes_proposal_id_proposals")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["congress_sessions.id"], name=op.f("fk_votes_session_id_congress_sessions")
        ),
        sa.ForeignKeyConstraint(["voter_id"], ["users.id"], name=op.f("fk_votes_voter_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_votes_proposal_id"), ["proposal_id"], unique=False)
        batch_op.create_index("ix_votes_session_voter", ["session_id", "voter_id"], unique=False)
        batch_op.create_index(
            "uq_votes_proposal_voter_active",
            ["proposal_id", "voter_id"],
            unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )

    with op.batch_alter_table("congress_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vote_results_published_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("congress_sessions", schema=None) as batch_op:
        batch_op.drop_column("vote_results_published_at")

    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_votes_proposal_voter_active",
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        )
        batch_op.drop_index("ix_votes_session_voter")
        batch_op.drop_index(batch_op.f("ix_votes_proposal_id"))

    op.drop_table("votes")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_proposal_id"))

    op.drop_table("attachments")
    op.drop_table("vote_publications")
