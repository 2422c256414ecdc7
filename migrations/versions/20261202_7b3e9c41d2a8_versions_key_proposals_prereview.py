"""Submitted versions, co-signatures of a version, key proposals, pre-review and key reminder days

Each submission's text and attachments are kept as a version (proposal_versions and the attachments
each carried); a co-signature is of one version and is ended, not deleted, when the proposal is
resubmitted; an attachment left out of a later version is kept for the earlier one. The committee
may mark key proposals (重点提案) with a leader in charge. Two session settings: the working days
of the delegation's pre-review and the reminder days before a key proposal's deadline.

Every proposal already submitted gets its first version: its text and attachments as they are now
(the best record there is of what was submitted), and its co-signatures are of that version.

Revision ID: 7b3e9c41d2a8
Revises: 8b3f2c1d4e6a
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7b3e9c41d2a8"
down_revision = "8b3f2c1d4e6a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "proposal_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_versions_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_versions")),
        sa.UniqueConstraint("proposal_id", "number", name="uq_proposal_versions_proposal_number"),
    )
    op.create_index(op.f("ix_proposal_versions_proposal_id"), "proposal_versions", ["proposal_id"])
    op.create_table(
        "proposal_version_attachments",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_proposal_version_attachments_attachment_id_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["proposal_versions.id"],
            name=op.f("fk_proposal_version_attachments_version_id_proposal_versions"),
        ),
        sa.PrimaryKeyConstraint("version_id", "attachment_id", name=op.f("pk_proposal_version_attachments")),
    )
    op.create_index(
        op.f("ix_proposal_version_attachments_attachment_id"), "proposal_version_attachments", ["attachment_id"]
    )
    with op.batch_alter_table("attachments") as batch_op:
        batch_op.add_column(sa.Column("left_out_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("cosignatures") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint("uq_cosignatures_proposal_user", type_="unique")
        batch_op.create_unique_constraint(
            "uq_cosignatures_proposal_user_version", ["proposal_id", "user_id", "version"]
        )
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.add_column(sa.Column("key", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("key_leader_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_proposals_key_leader_id_users"), "users", ["key_leader_id"], ["id"])
    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.add_column(sa.Column("delegation_review_days", sa.Integer(), nullable=False, server_default="5"))
        batch_op.add_column(sa.Column("key_remind_days_before", sa.Integer(), nullable=False, server_default="5"))
        batch_op.create_check_constraint(
            op.f("ck_congress_sessions_delegation_review_days"),
            "delegation_review_days >= 1 AND delegation_review_days <= 60",
        )
        batch_op.create_check_constraint(
            op.f("ck_congress_sessions_key_remind_days_before"),
            "key_remind_days_before >= 0 AND key_remind_days_before <= 30",
        )
    # a first version for every proposal already submitted, with the attachments it carries now
    op.execute(
        "INSERT INTO proposal_versions (proposal_id, number, submitted_at, title, reason, measures)"
        " SELECT id, 1, submitted_at, title, reason, measures FROM proposals WHERE submitted_at IS NOT NULL"
    )
    op.execute(
        "INSERT INTO proposal_version_attachments (version_id, attachment_id)"
        " SELECT v.id, a.id FROM proposal_versions v JOIN attachments a ON a.proposal_id = v.proposal_id"
    )


def downgrade():
    # co-signatures ended by a resubmission were of an earlier text: without versions they cannot be told
    # apart from those that count, so they go (their history rows remain); so do the left-out attachments'
    # rows, whose files stay on disk
    op.execute("DELETE FROM cosignatures WHERE ended_at IS NOT NULL")
    op.execute("DELETE FROM proposal_version_attachments")
    op.execute("DELETE FROM attachments WHERE left_out_at IS NOT NULL")
    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.drop_constraint(op.f("ck_congress_sessions_key_remind_days_before"), type_="check")
        batch_op.drop_constraint(op.f("ck_congress_sessions_delegation_review_days"), type_="check")
        batch_op.drop_column("key_remind_days_before")
        batch_op.drop_column("delegation_review_days")
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.drop_constraint(op.f("fk_proposals_key_leader_id_users"), type_="foreignkey")
        batch_op.drop_column("key_leader_id")
        batch_op.drop_column("key")
    with op.batch_alter_table("cosignatures") as batch_op:
        batch_op.drop_constraint("uq_cosignatures_proposal_user_version", type_="unique")
        batch_op.create_unique_constraint("uq_cosignatures_proposal_user", ["proposal_id", "user_id"])
        batch_op.drop_column("ended_at")
        batch_op.drop_column("version")
    with op.batch_alter_table("attachments") as batch_op:
        batch_op.drop_column("left_out_at")
    op.drop_index(op.f("ix_proposal_version_attachments_attachment_id"), table_name="proposal_version_attachments")
    op.drop_table("proposal_version_attachments")
    op.drop_index(op.f("ix_proposal_versions_proposal_id"), table_name="proposal_versions")
    op.drop_table("proposal_versions")
