"""the working days to the first reply on the proposal row

Revision ID: 8e4b2f6a1d93
Revises: 6c1a9e4f2b57
Create Date: 2026-12-06 22:00:00

The report's average working days to reply was counted on every request, in Python, for each replied
proposal (the calendar is not in SQL). It is kept on the proposal row now with the other statistics facts
(proposals/facts.py: first_reply_working_days), so that SQL sums it. The existing rows are filled here from
the first replies and the lead assignments they answered, as facts.first_replies() reads them, counted on
the calendar's one count of working days (workflow.calendar, with the years the union loaded and its own
days, as the deadlines count them): the count is the calendar's, not this revision's to copy.
"""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from workflow.calendar import Calendar, Year, working_days_between

# revision identifiers, used by Alembic.
revision = "8e4b2f6a1d93"
down_revision = "6c1a9e4f2b57"
branch_labels = None
depends_on = None

LOCAL = ZoneInfo("Asia/Shanghai")
# each proposal's first reply (round 0; not a draft's) and the latest lead assignment made before it
FIRST_REPLIES = """SELECT replies.proposal_id,
    (SELECT max(assignments.assigned_at) FROM assignments
        WHERE assignments.proposal_id = replies.proposal_id AND assignments.role = 'lead'
        AND assignments.assigned_at <= replies.created_at),
    replies.created_at
FROM replies JOIN proposals ON proposals.id = replies.proposal_id
WHERE replies.round = 0 AND proposals.state <> 'draft'"""


def _local_date(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC).astimezone(LOCAL).date()


def _day(value):
    return datetime.fromisoformat(value).date() if isinstance(value, str) else value


def _json(value):
    return json.loads(value) if isinstance(value, str) else (value or [])


def backfill(bind) -> None:
    """Fill first_reply_working_days of every proposal with a first reply that answered an assignment."""
    overrides = bind.execute(sa.text("SELECT day, working FROM calendar_overrides")).all()
    years = [
        Year(year, tuple((_day(a), _day(b)) for a, b in _json(holidays)), tuple(_day(d) for d in _json(workdays)))
        for year, holidays, workdays in bind.execute(sa.text("SELECT year, holidays, workdays FROM calendar_years"))
    ]
    working = Calendar.build(
        years, (_day(d) for d, working in overrides if not working), (_day(d) for d, working in overrides if working)
    )
    off, on = working.off, working.on
    by_days: dict[int, list[int]] = {}
    for pid, assigned_at, replied_at in bind.execute(sa.text(FIRST_REPLIES)):
        if assigned_at is not None:
            days = max(working_days_between(_local_date(assigned_at), _local_date(replied_at), off, on), 0)
            by_days.setdefault(days, []).append(pid)
    update = sa.text("UPDATE proposals SET first_reply_working_days = :days WHERE id IN :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    for days, ids in by_days.items():
        for start in range(0, len(ids), 500):
            bind.execute(update, {"days": days, "ids": ids[start : start + 500]})


def upgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_reply_working_days", sa.Integer(), nullable=True))
    backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_column("first_reply_working_days")
