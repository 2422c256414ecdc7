"""Proposals and their co-signatures."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow import LIFECYCLE, RATINGS, Facts

from ..extensions import db
from .base import utcnow

KINDS = ("proposal", "suggestion")
FINAL_RATINGS = (*RATINGS, "no_response")
NUMBERED_STATES = ("accepted", "assigned", "in_progress", "replied", "closed", "archived")


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(f"state IN {tuple(LIFECYCLE.states)}", name="state"),
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("state <> 'merged' OR merged_into_id IS NOT NULL", name="merged_has_target"),
        CheckConstraint(f"state NOT IN {NUMBERED_STATES} OR number IS NOT NULL", name="accepted_has_number"),
        CheckConstraint(f"final_rating IS NULL OR final_rating IN {FINAL_RATINGS}", name="final_rating"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        UniqueConstraint("session_id", "number", name="uq_proposals_session_number"),
        Index("ix_proposals_session_state", "session_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"))
    number: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(20), default="proposal")
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    desired_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    confidential: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    state: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    rehandle_round: Mapped[int] = mapped_column(default=0)
    final_rating: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # optimistic lock: a write based on a stale read fails instead of overwriting
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    session = relationship("CongressSession")
    category = relationship("Category")
    author = relationship("User", foreign_keys=[author_id])
    delegation = relationship("OrgUnit", foreign_keys=[delegation_id])
    desired_department = relationship("OrgUnit", foreign_keys=[desired_department_id])
    merged_into: Mapped["Proposal | None"] = relationship(remote_side=[id])
    cosignatures: Mapped[list["Cosignature"]] = relationship(
        back_populates="proposal", order_by="Cosignature.id", cascade="all"
    )
    assignments = relationship("Assignment", back_populates="proposal", order_by="Assignment.id", cascade="all")
    replies = relationship("Reply", back_populates="proposal", order_by="Reply.round", cascade="all")
    evaluations = relationship("Evaluation", back_populates="proposal", order_by="Evaluation.id", cascade="all")
    progress_notes = relationship("ProgressNote", order_by="ProgressNote.id", cascade="all")
    history = relationship("HistoryEntry", back_populates="proposal", order_by="HistoryEntry.seq", cascade="all")

    @property
    def active_assignments(self) -> list:
        return [a for a in self.assignments if a.ended_at is None]

    @property
    def lead_assignment(self):
        return next((a for a in self.active_assignments if a.role == "lead"), None)

    @property
    def current_reply(self):
        return next((r for r in self.replies if r.round == self.rehandle_round), None)

    def facts(self) -> Facts:
        """What the engine needs to know of this proposal."""
        active = self.active_assignments
        lead = self.lead_assignment
        cohandlers = [a for a in active if a.role == "cohandler"]
        return Facts(
            state=self.state,
            author_id=self.author_id,
            delegation_id=self.delegation_id,
            kind=self.kind,
            cosigner_ids=frozenset(c.user_id for c in self.cosignatures),
            lead_department_id=lead.department_id if lead else None,
            cohandler_department_ids=frozenset(a.department_id for a in cohandlers),
            acknowledged_department_ids=frozenset(a.department_id for a in active if a.acknowledged_at),
            countersigned_department_ids=frozenset(
                a.department_id for a in cohandlers if a.countersignature(self.rehandle_round)
            ),
            evaluator_ids=frozenset(e.user_id for e in self.evaluations if e.round == self.rehandle_round),
            rehandle_round=self.rehandle_round,
            extended=bool(lead and lead.extended_days),
        )

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state}>"


class Cosignature(db.Model):
    __tablename__ = "cosignatures"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id", name="uq_cosignatures_proposal_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="cosignatures")
    user = relationship("User")
