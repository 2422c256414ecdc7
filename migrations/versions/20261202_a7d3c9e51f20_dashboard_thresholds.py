"""The dashboard's colour thresholds, set by the union administrator on the union's own row

Two nullable percentages on org_units (used on the root `union` unit alone): a rate shows green from
`dashboard_green`, amber from `dashboard_amber`, red below. Null on every row already there means the
defaults (90 and 70), so nothing is backfilled.

Revision ID: a7d3c9e51f20
Revises: 7b3e9c41d2a8
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7d3c9e51f20"
down_revision = "7b3e9c41d2a8"
branch_labels = None
depends_on = None

CHECK = (
    "(dashboard_green IS NULL AND dashboard_amber IS NULL) OR (dashboard_amber >= 0"
    " AND dashboard_green <= 100 AND dashboard_amber < dashboard_green)"
)


def upgrade():
    with op.batch_alter_table("org_units") as batch_op:
        batch_op.add_column(sa.Column("dashboard_green", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dashboard_amber", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_org_units_dashboard_thresholds"), CHECK)


def downgrade():
    with op.batch_alter_table("org_units") as batch_op:
        batch_op.drop_constraint(op.f("ck_org_units_dashboard_thresholds"), type_="check")
        batch_op.drop_column("dashboard_amber")
        batch_op.drop_column("dashboard_green")
