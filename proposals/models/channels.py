"""Messages beyond the application and email: SMS and the enterprise messengers (企业微信, 钉钉, 飞书).

A `Delivery` is one notification on its way by one channel to one address: a person's mobile number
or messenger id, or a department group's robot. Each has its own state, attempts and next try, so a
channel that is down (or a number the provider refuses) holds up nothing else; and each keeps one
idempotency `key` for all its attempts (Aliyun's OutId, Tencent's SessionContext, 飞书's uuid, and a
`ref` in the link of the other messengers), so a message sent again after a sender died is known as
the first.

Email keeps its state on the notification itself (`Notification.email_state`), as before: it is the
email channel's delivery.

Who wants what: the union's default channels per kind of notice (`ChannelDefault`), and each person's
own choice per kind (`ChannelPreference`), which replaces the default for that kind.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

# a person's channels, in the order shown; "email" is the mail outbox, the in-app list is always on
PERSONAL_CHANNELS = ("email", "sms", "wecom", "dingtalk", "feishu")
MESSENGERS = ("wecom", "dingtalk", "feishu")
# a department's group robot (群机器人) of each messenger: a default may include "group"
GROUP = "group"
DELIVERY_CHANNELS = ("sms", "wecom", "dingtalk", "feishu", "wecom_robot", "dingtalk_robot", "feishu_robot")
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "skipped")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Delivery(db.Model):
    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(_in("channel", DELIVERY_CHANNELS), name="ck_deliveries_channel"),
        CheckConstraint(_in("state", DELIVERY_STATES), name="ck_deliveries_state"),
        Index("ix_deliveries_due", "channel", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(255))  # a mobile number, a messenger userid, a robot's id
    robot_id: Mapped[int | None] = mapped_column(ForeignKey("group_robots.id"))
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the same on every attempt
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    notification = relationship("Notification")
    robot: Mapped["GroupRobot | None"] = relationship()


class GroupRobot(db.Model):
    """A department's group in a messenger, reached by the group's robot webhook (群机器人)."""

    __tablename__ = "group_robots"
    __table_args__ = (
        UniqueConstraint("department_id", "provider", name="uq_group_robots_department_provider"),
        CheckConstraint(_in("provider", MESSENGERS), name="ck_group_robots_provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    provider: Mapped[str] = mapped_column(String(20))
    webhook: Mapped[str] = mapped_column(String(500))  # the robot's address, its token included
    secret: Mapped[str | None] = mapped_column(String(255))  # 加签 secret (钉钉, 飞书), if the robot has one
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department = relationship("OrgUnit")


class ChannelDefault(db.Model):
    """The union's channels for one kind of notice, for whoever has not chosen their own."""

    __tablename__ = "channel_defaults"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    channels: Mapped[str] = mapped_column(String(200), default="")  # comma-separated, PERSONAL_CHANNELS + group
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelPreference(db.Model):
    """One person's channels for one kind of notice."""

    __tablename__ = "channel_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_channel_preferences_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    channels: Mapped[str] = mapped_column(String(200), default="")  # comma-separated PERSONAL_CHANNELS
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
