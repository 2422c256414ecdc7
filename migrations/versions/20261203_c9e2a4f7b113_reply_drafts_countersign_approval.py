"""the reply as practised: drafted by the lead, countersigned by the co-handlers on that draft, approved where
the session says so, then released; the session's outcome classes; the co-handlers' own countersign deadline

Revision ID: c9e2a4f7b113
Revises: 7a3c5e9b1d24
Create Date: 2026-12-03 07:00:00

Data already there: a released reply stays the round's reply (its date the release). A countersignature
given before drafts existed was an opinion given blind: it stays as it was (its history row keeps it as a
comment), with no draft, and counts as agreeing to none; a co-handler countersigns the lead's draft anew.
Every session gets DOMAIN's three classes, which is what its replies were given.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c9e2a4f7b113"
down_revision = "7a3c5e9b1d24"
branch_labels = None
depends_on = None

OUTCOME_CLASSES = [
    {"code": "A", "label": "A: solved or adopted", "requires": []},
    {"code": "B", "label": "B: being solved, or planned with a date", "requires": ["planned_date"]},
    {"code": "C", "label": "C: cannot be solved now, kept for reference", "requires": ["reason"]},
]
OLD_KINDS = "kind IN ('ack', 'reply', 'feedback', 'cosign')"
NEW_KINDS = "kind IN ('ack', 'reply', 'feedback', 'cosign', 'countersign')"
STATUSES = "status IN ('awaiting_countersign', 'awaiting_approval', 'returned', 'released')"


def upgrade():
    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.add_column(sa.Column("countersign_days", sa.Integer(), nullable=False, server_default="5"))
        batch_op.add_column(sa.Column("reply_approval", sa.String(length=10), nullable=False, server_default="none"))
        batch_op.add_column(sa.Column("outcome_classes", sa.JSON(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_congress_sessions_countersign_days"), "countersign_days >= 1 AND countersign_days <= 60"
        )
        batch_op.create_check_constraint(
            op.f("ck_congress_sessions_reply_approval"), "reply_approval IN ('none', 'supervisor', 'committee')"
        )
    sessions = sa.table("congress_sessions", sa.column("outcome_classes", sa.JSON()))
    op.execute(sessions.update().values(outcome_classes=OUTCOME_CLASSES))
    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.alter_column("outcome_classes", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("countersign_days", server_default=None)
        batch_op.alter_column("reply_approval", server_default=None)

    with op.batch_alter_table("proposals") as batch_op:
        batch_op.add_column(sa.Column("countersign_deadline", sa.Date(), nullable=True))
        batch_op.alter_column("latest_outcome", existing_type=sa.String(length=1), type_=sa.String(length=10))

    with op.batch_alter_table("assignments") as batch_op:
        batch_op.add_column(sa.Column("countersign_deadline", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("countersign_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("countersign_working_days", sa.Integer(), nullable=True))

    with op.batch_alter_table("replies") as batch_op:
        batch_op.drop_constraint(op.f("ck_replies_outcome"), type_="check")
        batch_op.alter_column("outcome", existing_type=sa.String(length=1), type_=sa.String(length=10))
        batch_op.add_column(sa.Column("planned_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))

    op.create_table(
        "reply_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revised_at", sa.DateTime(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f("ck_reply_drafts_status")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["org_units.id"], name=op.f("fk_reply_drafts_department_id_org_units")
        ),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_reply_drafts_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["reply_id"], ["replies.id"], name=op.f("fk_reply_drafts_reply_id_replies")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reply_drafts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_drafts")),
        sa.UniqueConstraint("proposal_id", "round", name="uq_reply_drafts_proposal_round"),
    )
    op.create_index(op.f("ix_reply_drafts_proposal_id"), "reply_drafts", ["proposal_id"], unique=False)

    with op.batch_alter_table("countersignatures") as batch_op:
        batch_op.drop_constraint("uq_countersignatures_assignment_round", type_="unique")
        batch_op.add_column(sa.Column("reply_draft_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agree", sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_countersignatures_reply_draft_id_reply_drafts"), "reply_drafts", ["reply_draft_id"], ["id"]
        )
        batch_op.create_index(op.f("ix_countersignatures_reply_draft_id"), ["reply_draft_id"], unique=False)
        batch_op.create_unique_constraint(
            "uq_countersignatures_draft_revision", ["assignment_id", "reply_draft_id", "revision"]
        )

    with op.batch_alter_table("reminders") as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reminders_kind"), NEW_KINDS)

    op.create_table(
        "reply_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('pdf', 'docx', 'xlsx', 'jpg', 'png')", name=op.f("ck_reply_files_kind")),
        sa.CheckConstraint("size > 0", name=op.f("ck_reply_files_size")),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f("fk_reply_files_proposal_id_proposals")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_reply_files_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_reply_files_stored_name")),
    )
    op.create_index(op.f("ix_reply_files_proposal_id"), "reply_files", ["proposal_id"], unique=False)


def downgrade():
    # what only the new flow has goes: unreleased drafts (their text stays in the history rows), the
    # countersignatures of drafts (kept where one per assignment and round remains), classes beyond A/B/C
    op.drop_index(op.f("ix_reply_files_proposal_id"), table_name="reply_files")
    op.drop_table("reply_files")  # (their files stay in the attachments folder, unreferenced)
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
    op.execute("DELETE FROM reminders WHERE kind = 'countersign'")
    with op.batch_alter_table("reminders") as batch_op:
        batch_op.create_check_constraint(op.f("ck_reminders_kind"), OLD_KINDS)

    op.execute(
        "DELETE FROM countersignatures WHERE reply_draft_id IS NOT NULL AND id NOT IN "
        "(SELECT max(id) FROM countersignatures GROUP BY assignment_id, round)"
    )
    with op.batch_alter_table("countersignatures") as batch_op:
        batch_op.drop_constraint("uq_countersignatures_draft_revision", type_="unique")
        batch_op.drop_index(op.f("ix_countersignatures_reply_draft_id"))
        batch_op.drop_constraint(op.f("fk_countersignatures_reply_draft_id_reply_drafts"), type_="foreignkey")
        batch_op.drop_column("agree")
        batch_op.drop_column("revision")
        batch_op.drop_column("reply_draft_id")
        batch_op.create_unique_constraint("uq_countersignatures_assignment_round", ["assignment_id", "round"])

    op.drop_index(op.f("ix_reply_drafts_proposal_id"), table_name="reply_drafts")
    op.drop_table("reply_drafts")

    op.execute("UPDATE replies SET outcome = 'C' WHERE outcome NOT IN ('A', 'B', 'C')")
    op.execute("UPDATE proposals SET latest_outcome = 'C' WHERE latest_outcome NOT IN ('A', 'B', 'C')")
    with op.batch_alter_table("replies") as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("planned_date")
        batch_op.alter_column("outcome", existing_type=sa.String(length=10), type_=sa.String(length=1))
        batch_op.create_check_constraint(op.f("ck_replies_outcome"), "outcome IN ('A', 'B', 'C')")

    with op.batch_alter_table("assignments") as batch_op:
        batch_op.drop_column("countersign_working_days")
        batch_op.drop_column("countersign_start")
        batch_op.drop_column("countersign_deadline")

    with op.batch_alter_table("proposals") as batch_op:
        batch_op.alter_column("latest_outcome", existing_type=sa.String(length=10), type_=sa.String(length=1))
        batch_op.drop_column("countersign_deadline")

    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.drop_constraint(op.f("ck_congress_sessions_reply_approval"), type_="check")
        batch_op.drop_constraint(op.f("ck_congress_sessions_countersign_days"), type_="check")
        batch_op.drop_column("outcome_classes")
        batch_op.drop_column("reply_approval")
        batch_op.drop_column("countersign_days")
