"""unions: a group of unions (the company union and the grassroots unions below it)

`congress_sessions.union_id`: the union whose congress the session is; null is the root (the company
union), which is what every session was before: existing sessions stay there. `union_roles`: a role held
in a grassroots union (a committee member of 第三分公司工会); the roles of `user_roles` stay the roles at
the root, as they were. `org_units.share_public_results`, read on the root: whether the workers of one
grassroots union see the public results of its siblings (no, until the group says so).
`proposals.escalated_from_session_id`: the session of the grassroots union a proposal was escalated from
(上报): none so far.

Revision ID: 4b7d2e9a1c30
Revises: 3f8a1c6e2b90
Create Date: 2026-12-04 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "4b7d2e9a1c30"
down_revision = "3f8a1c6e2b90"
branch_labels = None
depends_on = None

ROLES = (
    "'worker', 'delegate', 'delegation_head', 'committee', 'department_handler', 'supervisor', 'union_admin', 'leader'"
)


def upgrade():
    with op.batch_alter_table("org_units") as batch_op:
        batch_op.add_column(sa.Column("share_public_results", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.add_column(sa.Column("union_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_congress_sessions_union_id_org_units"), "org_units", ["union_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_congress_sessions_union_id"), ["union_id"], unique=False)
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.add_column(sa.Column("escalated_from_session_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_proposals_escalated_from_session_id_congress_sessions"),
            "congress_sessions",
            ["escalated_from_session_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_proposals_escalated_from_session_id"), ["escalated_from_session_id"], unique=False
        )
    op.create_table(
        "union_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("union_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_union_roles_role")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_union_roles_user_id_users")),
        sa.ForeignKeyConstraint(["union_id"], ["org_units.id"], name=op.f("fk_union_roles_union_id_org_units")),
        sa.PrimaryKeyConstraint("user_id", "role", "union_id", name=op.f("pk_union_roles")),
    )
    with op.batch_alter_table("union_roles") as batch_op:
        batch_op.create_index(batch_op.f("ix_union_roles_union_id"), ["union_id"], unique=False)


def downgrade():
    with op.batch_alter_table("union_roles") as batch_op:
        batch_op.drop_index(batch_op.f("ix_union_roles_union_id"))
    op.drop_table("union_roles")
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_escalated_from_session_id"))
        batch_op.drop_constraint(op.f("fk_proposals_escalated_from_session_id_congress_sessions"), type_="foreignkey")
        batch_op.drop_column("escalated_from_session_id")
    with op.batch_alter_table("congress_sessions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_congress_sessions_union_id"))
        batch_op.drop_constraint(op.f("fk_congress_sessions_union_id_org_units"), type_="foreignkey")
        batch_op.drop_column("union_id")
    with op.batch_alter_table("org_units") as batch_op:
        batch_op.drop_column("share_public_results")
