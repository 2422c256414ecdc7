"""categories come with the schema, and can be retired

Revision ID: c486175279fb
Revises: 5e1d0c7a9b42
Create Date: 2026-12-01 21:00:00

A bare install had no categories, so no proposal could be written. The default list is seeded here
(each category whose code is not there yet: a database that already has them keeps its own names and
order), and a category can be retired: it stays on its proposals and is no longer offered for new ones.
The list is written out here (a migration must not depend on today's code); restore() treats exactly
these rows as an empty database (proposals.maintenance.restore.SEEDED_CATEGORIES).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c486175279fb"
down_revision = "5e1d0c7a9b42"
branch_labels = None
depends_on = None

DEFAULT_CATEGORIES = (
    ("production", "生产经营"),
    ("reform", "改革发展"),
    ("rights", "职工权益"),
    ("safety", "安全生产"),
    ("welfare", "生活福利"),
    ("training", "教育培训"),
    ("culture", "文化建设"),
    ("other", "其他"),
)


def upgrade():
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired", sa.Boolean(), server_default=sa.false(), nullable=False))
    categories = sa.table(
        "categories", sa.column("code", sa.String), sa.column("name", sa.String), sa.column("position", sa.Integer)
    )
    conn = op.get_bind()
    present = set(conn.scalars(sa.select(categories.c.code)))
    rows = [
        {"code": code, "name": name, "position": position}
        for position, (code, name) in enumerate(DEFAULT_CATEGORIES)
        if code not in present
    ]
    if rows:
        op.bulk_insert(categories, rows)


def downgrade():
    # the seeded rows stay: proposals may point at them
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("retired")
