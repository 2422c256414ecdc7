"""Deadline reminders and overdue notices: one row per person told, so each is given at most once."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

# ack: the departments' acknowledgement; reply: the lead department's reply; feedback: the author's rating;
# cosign: the session's co-signing deadline
REMINDER_KINDS = ("ack", "reply", "feedback", "cosign", "countersign")
# before: `remind_days_before` working days ahead; overdue: once the deadline has passed
REMINDER_STAGES = ("before", "overdue")


class Reminder(db.Model):
    """That `user` was told of the deadline `due` of a proposal, by the notification it names."""

    __tablename__ = "reminders"
    __table_args__ = (
        # a changed deadline (extension, new handling round) is a new date, so it is reminded of again
        UniqueConstraint("proposal_id", "kind", "stage", "due", "user_id", name="uq_reminders_once"),
        CheckConstraint(f"kind IN {REMINDER_KINDS}", name="kind"),
        CheckConstraint(f"stage IN {REMINDER_STAGES}", name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))  # indexed by uq_reminders_once
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))
    due: Mapped[date]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notification = relationship("Notification")

    def __repr__(self) -> str:
        return f"<Reminder {self.kind} {self.stage} {self.due} proposal {self.proposal_id} user {self.user_id}>"
