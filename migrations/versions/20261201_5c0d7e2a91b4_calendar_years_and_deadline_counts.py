"""calendar years and what each deadline is counted from

Revision ID: 5c0d7e2a91b4
Revises: 5f1c2d9e8a47
Create Date: 2026-12-01 21:10:00

The union loads a year's official arrangement (calendar_years), and each assignment keeps what its
deadlines are counted from (a start date and a number of working days), so that they can be counted again
when a year's calendar changes. The existing rows are filled from what is known: the acknowledgement is
counted from the (China-local) day of assignment, the reply from that day or from the day of the latest
new handling round (an unsatisfied rating), and the number of working days is what separates that start
from the stored deadline on the calendar the deadline was counted on: the chinese-calendar package,
plain Monday to Friday in a year it does not know, and the union's own days. So every stored deadline is
what its start and count give until its year's calendar is loaded.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c0d7e2a91b4"
down_revision = "5f1c2d9e8a47"
branch_labels = None
depends_on = None

LOCAL = ZoneInfo("Asia/Shanghai")
COLUMNS = ("ack_start", "ack_working_days", "reply_start", "reply_working_days")


def _local_date(moment) -> date:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC).astimezone(LOCAL).date()


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


class _LegacyCalendar:
    """The working days as the application counted them before this revision."""

    def __init__(self, off: set[date], on: set[date]):
        self.off, self.on = off, on
        self.holidays, self.workdays = set(chinese_calendar.holidays), set(chinese_calendar.workdays)
        self.first, self.last = min(d.year for d in self.holidays), max(d.year for d in self.holidays)

    def working(self, day: date) -> bool:
        if day in self.off:
            return False
        if day in self.on:
            return True
        if self.first <= day.year <= self.last:
            return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)
        return day.weekday() < 5

    def between(self, start: date, end: date) -> int:
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.working(day)
        return count


def upgrade():
    op.create_table(
        "calendar_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["loaded_by_id"], ["users.id"], name=op.f("fk_calendar_years_loaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_years")),
        sa.UniqueConstraint("year", name=op.f("uq_calendar_years_year")),
    )
    # added NOT NULL with a placeholder, then filled: on SQLite a table that others refer to cannot be
    # rebuilt (as making a column NOT NULL afterwards would) while its rows are referred to
    for column in COLUMNS:
        kind, placeholder = (sa.Integer(), "0") if "days" in column else (sa.Date(), "2000-01-01")
        op.add_column("assignments", sa.Column(column, kind, nullable=False, server_default=placeholder))

    _backfill(op.get_bind())

    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot drop a default without rebuilding the table
        for column in COLUMNS:
            op.alter_column("assignments", column, server_default=None)


def _backfill(bind) -> None:
    overrides = bind.execute(sa.text("SELECT day, working FROM calendar_overrides")).all()
    legacy = _LegacyCalendar({_as_date(d) for d, w in overrides if not w}, {_as_date(d) for d, w in overrides if w})
    # the latest new handling round of each proposal: the reply deadline was counted again from its day
    rehandled = dict(
        bind.execute(
            sa.text(
                "SELECT proposal_id, max(at) FROM history"
                " WHERE event = 'evaluate' AND to_state = 'in_progress' GROUP BY proposal_id"
            )
        ).all()
    )
    rows = bind.execute(
        sa.text("SELECT id, proposal_id, assigned_at, ack_deadline, reply_deadline FROM assignments")
    ).all()
    update = sa.text(
        "UPDATE assignments SET ack_start = :ack_start, ack_working_days = :ack_days,"
        " reply_start = :reply_start, reply_working_days = :reply_days WHERE id = :id"
    )
    for id_, proposal_id, assigned_at, ack_deadline, reply_deadline in rows:
        assigned = _local_date(assigned_at)
        again = rehandled.get(proposal_id)
        reply_start = assigned
        if again is not None and _local_date(again) >= assigned:
            reply_start = _local_date(again)
        ack_deadline, reply_deadline = _as_date(ack_deadline), _as_date(reply_deadline)
        bind.execute(
            update,
            {
                "id": id_,
                "ack_start": assigned,
                "ack_days": max(legacy.between(assigned, ack_deadline), 0),
                "reply_start": reply_start,
                "reply_days": max(legacy.between(reply_start, reply_deadline), 0),
            },
        )


def downgrade():
    for column in reversed(COLUMNS):
        op.drop_column("assignments", column)  # ALTER TABLE ... DROP COLUMN: no rebuild on SQLite either
    op.drop_table("calendar_years")
