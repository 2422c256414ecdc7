"""Handling: assignments to departments, countersignatures, progress notes, replies, evaluations."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import OUTCOMES, RATINGS

from ..extensions import db
from .base import utcnow


class Assignment(db.Model):
    """A department's part in handling one proposal; ended (never deleted) when handed back."""

    __tablename__ = "assignments"
    __table_args__ = (CheckConstraint("role IN ('lead', 'cohandler')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    ack_deadline: Mapped[date]
    reply_deadline: Mapped[date]
    # what each deadline is counted from, so that it can be counted again when a year's calendar changes:
    # the deadline is `..._working_days` working days after `..._start` (extensions included)
    ack_start: Mapped[date]
    ack_working_days: Mapped[int]
    reply_start: Mapped[date]
    reply_working_days: Mapped[int]
    acknowledged_at: Mapped[datetime | None]
    extended_days: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[datetime | None]

    proposal = relationship("Proposal", back_populates="assignments")
    department = relationship("OrgUnit")
    countersignatures: Mapped[list["Countersignature"]] = relationship(
        back_populates="assignment", order_by="Countersignature.round", cascade="all"
    )

    def countersignature(self, round_: int) -> "Countersignature | None":
        return next((c for c in self.countersignatures if c.round == round_), None)


class Countersignature(db.Model):
    __tablename__ = "countersignatures"
    __table_args__ = (UniqueConstraint("assignment_id", "round", name="uq_countersignatures_assignment_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    round: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="countersignatures")


class ProgressNote(db.Model):
    __tablename__ = "progress_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reply(db.Model):
    """The lead department's answer in one handling round."""

    __tablename__ = "replies"
    __table_args__ = (
        UniqueConstraint("proposal_id", "round", name="uq_replies_proposal_round"),
        CheckConstraint(f"outcome IN {OUTCOMES}", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    round: Mapped[int] = mapped_column(default=0)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(1))
    contact: Mapped[str | None] = mapped_column(String(200))
    # the reply deadline in force when the reply was sent: on time means created_at's date <= deadline
    deadline: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="replies")
    department = relationship("OrgUnit")


class Evaluation(db.Model):
    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("proposal_id", "round", "user_id", name="uq_evaluations_proposal_round_user"),
        CheckConstraint(f"rating IN {RATINGS}", name="rating"),
        CheckConstraint(f"attitude IS NULL OR attitude IN {RATINGS}", name="attitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    round: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    by_author: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[str] = mapped_column(String(30))
    attitude: Mapped[str | None] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="evaluations")
    user = relationship("User")
