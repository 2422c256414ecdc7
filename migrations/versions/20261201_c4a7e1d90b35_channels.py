"""channels: deliveries by SMS and the messengers, group robots, channel defaults and preferences

Revision ID: c4a7e1d90b35
Revises: dfa2afba6a1f
Create Date: 2026-12-01 23:59:00

Existing data: the email state of every notification stays where it is (the email channel's delivery);
the other channels start empty, so nothing already told is told again by SMS. Every kind of notice
gets the union default it had so far, email only (what `email_notifications` governed), so no one is
told by a new channel before the union or the person chooses it.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "c4a7e1d90b35"
down_revision = "dfa2afba6a1f"
branch_labels = None
depends_on = None

CHANNELS = ("sms", "wecom", "dingtalk", "feishu", "wecom_robot", "dingtalk_robot", "feishu_robot")
STATES = ("pending", "sending", "sent", "failed", "skipped")
MESSENGERS = ("wecom", "dingtalk", "feishu")
KINDS = (
    "submit",
    "withdraw",
    "cosign",
    "close_cosigning",
    "forward",
    "send_back",
    "accept",
    "convert",
    "reject",
    "merge",
    "assign",
    "decline",
    "progress",
    "countersign",
    "reply",
    "evaluate",
    "close_unrated",
    "urge",
    "extend",
    "remind_ack",
    "remind_reply",
    "remind_feedback",
    "remind_cosign",
    "overdue_ack",
    "overdue_reply",
)


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        "group_robots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("webhook", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_in("provider", MESSENGERS), name="ck_group_robots_provider"),
        sa.ForeignKeyConstraint(["department_id"], ["org_units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department_id", "provider", name="uq_group_robots_department_provider"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("robot_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(_in("channel", CHANNELS), name="ck_deliveries_channel"),
        sa.CheckConstraint(_in("state", STATES), name="ck_deliveries_state"),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"]),
        sa.ForeignKeyConstraint(["robot_id"], ["group_robots.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_due", ["channel", "state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_notification_id"), ["notification_id"], unique=False)
    defaults = op.create_table(
        "channel_defaults",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channels", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )
    op.create_table(
        "channel_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channels", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "kind", name="uq_channel_preferences_user_kind"),
    )
    with op.batch_alter_table("channel_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_preferences_user_id"), ["user_id"], unique=False)
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(defaults, [{"kind": kind, "channels": "email", "updated_at": now} for kind in KINDS])


def downgrade():
    with op.batch_alter_table("channel_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_preferences_user_id"))
    op.drop_table("channel_preferences")
    op.drop_table("channel_defaults")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_notification_id"))
        batch_op.drop_index("ix_deliveries_due")
    op.drop_table("deliveries")
    op.drop_table("group_robots")
