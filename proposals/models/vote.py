"""The outstanding-proposal vote (优秀提案评选): delegates' votes, and the result the committee published."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

ACTIVE = text("withdrawn_at IS NULL")


class Vote(db.Model):
    """One delegate's vote for one proposal. A withdrawn vote stays on record, marked withdrawn."""

    __tablename__ = "votes"
    __table_args__ = (
        # one standing vote per proposal and delegate; withdrawn ones do not count
        Index(
            "uq_votes_proposal_voter_active",
            "proposal_id",
            "voter_id",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
        Index("ix_votes_session_voter", "session_id", "voter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    proposal = relationship("Proposal")
    voter = relationship("User")

    def __repr__(self) -> str:
        return f"<Vote {self.id} by {self.voter_id} for {self.proposal_id}>"


class VotePublication(db.Model):
    """The result as the committee published it: who, when, and the ranking as it stood then."""

    __tablename__ = "vote_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"), unique=True)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # [{"proposal_id": 7, "votes": 12, "rank": 1}, ...], best first
    ranking: Mapped[list] = mapped_column(JSON, default=list)

    session = relationship("CongressSession")
    published_by = relationship("User")


__all__ = ["Vote", "VotePublication"]
