"""Handling: assignments to departments, countersignatures, progress notes, replies, evaluations."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import RATINGS

from ..extensions import db
from .attachment import ATTACHMENT_TYPES
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
    # a co-handler's own deadline to countersign the lead's draft reply (countersign_days working days from
    # the draft's latest revision), null while there is no draft to countersign
    countersign_deadline: Mapped[date | None]
    countersign_start: Mapped[date | None]
    countersign_working_days: Mapped[int | None]
    ended_at: Mapped[datetime | None]

    proposal = relationship("Proposal", back_populates="assignments")
    department = relationship("OrgUnit")
    countersignatures: Mapped[list["Countersignature"]] = relationship(
        back_populates="assignment", order_by="Countersignature.round", cascade="all"
    )

    def countersignature(self, round_: int) -> "Countersignature | None":
        """What this department said of the present revision of round `round_`'s draft reply (None: nothing
        yet, or no draft)."""
        draft = next((d for d in self.proposal.reply_drafts if d.round == round_), None)
        if draft is None:
            return None
        return next(
            (c for c in self.countersignatures if c.reply_draft_id == draft.id and c.revision == draft.revision), None
        )

    def agreed(self, round_: int) -> bool:
        """Whether this department agreed to the present revision of round `round_`'s draft reply."""
        found = self.countersignature(round_)
        return bool(found and found.agree)


class Countersignature(db.Model):
    """A co-handling department's word on one revision of the lead's draft reply: it agrees (with an
    optional comment) or disagrees (with its reason, `comment`), which returns the draft to the lead.

    Rows from before drafts existed have no draft (`reply_draft_id` null): an opinion given blind, kept as
    it was said (its history row holds it as a comment) and never counted as agreeing to any draft."""

    __tablename__ = "countersignatures"
    __table_args__ = (
        UniqueConstraint("assignment_id", "reply_draft_id", "revision", name="uq_countersignatures_draft_revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    round: Mapped[int]
    reply_draft_id: Mapped[int | None] = mapped_column(ForeignKey("reply_drafts.id"), index=True)
    revision: Mapped[int | None]
    agree: Mapped[bool | None]
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


# what a draft reply waits for; "returned": a co-handler disagreed or the approver sent it back, so the lead
# revises it; "released": it went out as the round's Reply
DRAFT_STATUSES = ("awaiting_countersign", "awaiting_approval", "returned", "released")


class ReplyDraft(db.Model):
    """The lead department's reply of one handling round before it goes out: co-handling departments
    countersign it and, where the session says so, a supervisor or the committee approves it. Revised in
    place (`revision` counts; each revision's text stays in its `reply` history row); released as the
    round's `Reply`, which alone the author and the reports ever see."""

    __tablename__ = "reply_drafts"
    __table_args__ = (
        UniqueConstraint("proposal_id", "round", name="uq_reply_drafts_proposal_round"),
        CheckConstraint(f"status IN {DRAFT_STATUSES}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    round: Mapped[int] = mapped_column(default=0)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10))
    contact: Mapped[str | None] = mapped_column(String(200))
    planned_date: Mapped[date | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revised_at: Mapped[datetime] = mapped_column(default=utcnow)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"))

    proposal = relationship("Proposal", back_populates="reply_drafts")
    department = relationship("OrgUnit")
    countersignatures: Mapped[list["Countersignature"]] = relationship(order_by="Countersignature.id", viewonly=True)

    def current_countersignatures(self) -> list["Countersignature"]:
        """The countersignatures given to the present revision."""
        return [c for c in self.countersignatures if c.revision == self.revision]


class Reply(db.Model):
    """The lead department's answer in one handling round, as released to the author (created_at: the
    release, the moment the author receives it)."""

    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("proposal_id", "round", name="uq_replies_proposal_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    round: Mapped[int] = mapped_column(default=0)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    # a code of the session's outcome classes (settings.outcome_classes): A/B/C by default
    outcome: Mapped[str] = mapped_column(String(10))
    contact: Mapped[str | None] = mapped_column(String(200))
    planned_date: Mapped[date | None]  # when a class that requires it (B: 计划解决) plans the solution
    reason: Mapped[str | None] = mapped_column(Text)  # why it cannot be solved now, for a class that requires it (C)
    # the reply deadline in force when the reply was sent: on time means created_at's date <= deadline
    deadline: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="replies")
    department = relationship("OrgUnit")


class ReplyFile(db.Model):
    """A file the lead department sends with a round's reply (a scanned 答复函), checked and stored as a
    proposal's attachment is (operations.attachments). Read with the draft by those who see handling
    records; once the round's reply is out, by whoever may read the reply (operations/reply_files.py)."""

    __tablename__ = "reply_files"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(ATTACHMENT_TYPES)}", name="kind"),
        CheckConstraint("size > 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    round: Mapped[int]
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # generated, never the user's
    filename: Mapped[str] = mapped_column(String(200))  # the user's, sanitised, for display and download
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def content_type(self) -> str:
        return ATTACHMENT_TYPES[self.kind]


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
