"""Who may propose and with whom, and the collection window: four session settings, delegation proposals
and invited co-signers

The settings (proposals/settings.py) get their columns and CHECKs; every session already there takes
the defaults, which keep the behaviour it had: every worker may submit, co-signers from any delegation,
late submissions accepted, a delegation's share of one half (used only by delegation proposals, which
did not exist). No proposal already there is a delegation proposal or has invitees: an ordinary one
keeps inviting its author's delegation.

Revision ID: 8b3f2c1d4e6a
Revises: 5e771a6b1e5a
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8b3f2c1d4e6a"
down_revision = "5e771a6b1e5a"
branch_labels = None
depends_on = None

# (as proposals/settings.py had them when this revision was written: a migration does not follow the code)
SETTINGS = (
    (
        sa.Column("proposers", sa.String(9), nullable=False, server_default="workers"),
        "proposers IN ('workers', 'delegates')",
    ),
    (
        sa.Column("min_cosigner_delegations", sa.Integer(), nullable=False, server_default="0"),
        "min_cosigner_delegations >= 0 AND min_cosigner_delegations <= 20",
    ),
    (
        sa.Column("delegation_share", sa.Float(), nullable=False, server_default="0.5"),
        "delegation_share >= 0.0 AND delegation_share <= 1.0",
    ),
    (
        sa.Column("late_submissions", sa.String(10), nullable=False, server_default="accept"),
        "late_submissions IN ('accept', 'suggestion', 'refuse')",
    ),
)


def upgrade():
    with op.batch_alter_table("congress_sessions") as batch_op:
        for column, _ in SETTINGS:
            batch_op.add_column(column)
        for column, check in SETTINGS:
            batch_op.create_check_constraint(op.f(f"ck_congress_sessions_{column.name}"), check)
    with op.batch_alter_table("congress_sessions") as batch_op:  # the model has no server default
        for column, _ in SETTINGS:
            batch_op.alter_column(column.name, server_default=None)
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.add_column(sa.Column("delegation_proposal", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "cosign_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_cosign_invitations_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_cosign_invitations_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cosign_invitations")),
        sa.UniqueConstraint("proposal_id", "user_id", name="uq_cosign_invitations_proposal_user"),
    )
    with op.batch_alter_table("cosign_invitations") as batch_op:
        batch_op.create_index(batch_op.f("ix_cosign_invitations_proposal_id"), ["proposal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cosign_invitations_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("cosign_invitations") as batch_op:
        batch_op.drop_index(batch_op.f("ix_cosign_invitations_user_id"))
        batch_op.drop_index(batch_op.f("ix_cosign_invitations_proposal_id"))
    op.drop_table("cosign_invitations")
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.drop_column("delegation_proposal")
    with op.batch_alter_table("congress_sessions") as batch_op:
        for column, _ in SETTINGS:
            batch_op.drop_constraint(op.f(f"ck_congress_sessions_{column.name}"), type_="check")
        for column, _ in reversed(SETTINGS):
            batch_op.drop_column(column.name)
