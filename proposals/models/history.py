"""The append-only history of every event, and the notification outbox."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class HistoryEntry(db.Model):
    __tablename__ = "history"
    __table_args__ = (UniqueConstraint("proposal_id", "seq", name="uq_history_proposal_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    seq: Mapped[int]
    event: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)

    proposal = relationship("Proposal", back_populates="history")
    actor = relationship("User")


class Notification(db.Model):
    """One message to one user: shown in the application, and mailed after commit when wanted."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    history_id: Mapped[int | None] = mapped_column(ForeignKey("history.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # pending -> sending (claimed by one sender) -> sent; skipped (no address, mail turned off, inactive);
    # a refused delivery goes back to pending until next_attempt_at, and to failed after too many tries;
    # a union administrator may put a failed one back (proposals/closure/outbox.py)
    email_state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]  # when a sender last took it (tried it, or is trying it now)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    user = relationship("User")
    proposal = relationship("Proposal")
