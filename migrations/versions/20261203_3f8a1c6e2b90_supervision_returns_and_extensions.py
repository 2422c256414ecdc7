"""supervision: committee re-handling rounds, returns asked of the committee, one extension per proposal

On proposals: `committee_rehandles` (the rounds the committee asked for, which max_rehandle does not count:
none so far), `extension_days` (the proposal's one extension), `extension_requested_days` and
`return_requested_at` (the open requests: none so far). An extension recorded before per assignment
counts as the proposal's one extension, ended assignments included (a re-assignment never gave a second).
On congress_sessions: `decline_days`, the working days within which the lead department returns an
assignment itself (DOMAIN's default, 5).

Revision ID: 3f8a1c6e2b90
Revises: c9e2a4f7b113
Create Date: 2026-12-03 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3f8a1c6e2b90"
down_revision = "c9e2a4f7b113"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.add_column(sa.Column("committee_rehandles", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("extension_days", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("extension_requested_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("return_requested_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.add_column(sa.Column("decline_days", sa.Integer(), nullable=False, server_default="5"))
        batch_op.create_check_constraint(
            op.f("ck_congress_sessions_decline_days"), "decline_days >= 0 AND decline_days <= 60"
        )
    op.execute(
        "UPDATE proposals SET extension_days = (SELECT MAX(a.extended_days) FROM assignments a"
        " WHERE a.proposal_id = proposals.id)"
        " WHERE EXISTS (SELECT 1 FROM assignments a WHERE a.proposal_id = proposals.id AND a.extended_days > 0)"
    )


def downgrade():
    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.drop_constraint(op.f("ck_congress_sessions_decline_days"), type_="check")
        batch_op.drop_column("decline_days")
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.drop_column("return_requested_at")
        batch_op.drop_column("extension_requested_days")
        batch_op.drop_column("extension_days")
        batch_op.drop_column("committee_rehandles")
