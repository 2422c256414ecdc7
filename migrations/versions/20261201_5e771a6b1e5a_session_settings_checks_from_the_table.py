"""Session settings: one CHECK per setting, with both of its bounds, made from proposals/settings.py

The three CHECKs written by hand (min_cosigners, days, limits) kept only the lower bounds; the table of
settings gives each setting its own CHECK with the bounds the operations already enforced. A value
outside them could only have been written past the operations: it is brought to the nearest bound.

Revision ID: 5e771a6b1e5a
Revises: c4a7e1d90b35
Create Date: 2026-12-01 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5e771a6b1e5a"
down_revision = "c4a7e1d90b35"
branch_labels = None
depends_on = None

# (as proposals/settings.py had them when this revision was written: a migration does not follow the code)
BOUNDS = {
    "min_cosigners": (0, 100),
    "ack_days": (1, 365),
    "reply_days": (1, 365),
    "feedback_days": (1, 365),
    "max_rehandle": (0, 10),
    "remind_days_before": (0, 30),
    "vote_limit": (0, 100),
}
OLD = {
    "min_cosigners": "min_cosigners >= 0",
    "days": "ack_days >= 1 AND reply_days >= 1 AND feedback_days >= 1",
    "limits": "max_rehandle >= 0 AND remind_days_before >= 0 AND vote_limit >= 0",
}


def upgrade():
    sessions = sa.table("congress_sessions", *(sa.column(name, sa.Integer) for name in BOUNDS))
    for name, (low, high) in BOUNDS.items():
        column = sessions.c[name]
        op.execute(sessions.update().where(column < low).values({name: low}))
        op.execute(sessions.update().where(column > high).values({name: high}))
    with op.batch_alter_table("congress_sessions") as batch_op:
        for name in OLD:
            batch_op.drop_constraint(op.f(f"ck_congress_sessions_{name}"), type_="check")
        for name, (low, high) in BOUNDS.items():
            batch_op.create_check_constraint(
                op.f(f"ck_congress_sessions_{name}"), f"{name} >= {low} AND {name} <= {high}"
            )


def downgrade():
    with op.batch_alter_table("congress_sessions") as batch_op:
        for name in BOUNDS:
            batch_op.drop_constraint(op.f(f"ck_congress_sessions_{name}"), type_="check")
        for name, sql in OLD.items():
            batch_op.create_check_constraint(op.f(f"ck_congress_sessions_{name}"), sql)
