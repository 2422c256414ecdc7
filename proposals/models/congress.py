"""Congress sessions (届次/会次) and their settings."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow import Settings
from workflow.calendar import Year

from ..extensions import db
from .base import utcnow

# the settings a union may change per session, with DOMAIN.md's defaults
SETTING_DEFAULTS = {
    "min_cosigners": 2,
    "delegation_review": False,
    "ack_days": 5,
    "reply_days": 30,
    "feedback_days": 15,
    "max_rehandle": 2,
    "remind_days_before": 3,
    "vote_limit": 5,
    "two_axis_rating": True,
}
SETTING_DATES = ("collection_start", "collection_end", "cosign_deadline", "vote_start", "vote_end")


class CongressSession(db.Model):
    __tablename__ = "congress_sessions"
    __table_args__ = (
        CheckConstraint("min_cosigners >= 0", name="min_cosigners"),
        CheckConstraint("ack_days >= 1 AND reply_days >= 1 AND feedback_days >= 1", name="days"),
        CheckConstraint("max_rehandle >= 0 AND remind_days_before >= 0 AND vote_limit >= 0", name="limits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_open: Mapped[bool] = mapped_column(default=True)
    collection_start: Mapped[date | None]
    collection_end: Mapped[date | None]
    cosign_deadline: Mapped[date | None]
    vote_start: Mapped[date | None]
    vote_end: Mapped[date | None]
    min_cosigners: Mapped[int] = mapped_column(default=2)
    delegation_review: Mapped[bool] = mapped_column(default=False)
    ack_days: Mapped[int] = mapped_column(default=5)
    reply_days: Mapped[int] = mapped_column(default=30)
    feedback_days: Mapped[int] = mapped_column(default=15)
    max_rehandle: Mapped[int] = mapped_column(default=2)
    remind_days_before: Mapped[int] = mapped_column(default=3)
    vote_limit: Mapped[int] = mapped_column(default=5)
    two_axis_rating: Mapped[bool] = mapped_column(default=True)
    # the last acceptance number given in this session; incremented under the row's write lock
    last_number: Mapped[int] = mapped_column(default=0)
    # when the committee published the outstanding-proposal vote's result (who: VotePublication)
    vote_results_published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def settings(self) -> Settings:
        return Settings(
            min_cosigners=self.min_cosigners,
            delegation_review=self.delegation_review,
            max_rehandle=self.max_rehandle,
            ack_days=self.ack_days,
            reply_days=self.reply_days,
            feedback_days=self.feedback_days,
            remind_days_before=self.remind_days_before,
            session_open=self.is_open,
        )

    def __repr__(self) -> str:
        return f"<CongressSession {self.code}>"


class CalendarOverride(db.Model):
    """A union's own correction of the working-day calendar: an extra day off or an extra working day."""

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    working: Mapped[bool]
    note: Mapped[str | None] = mapped_column(String(200))


class CalendarYear(db.Model):
    """A year's official arrangement (the State Council's notice) as the union loaded it: it replaces the
    statutory fallback, or the package's own table, for that year."""

    __tablename__ = "calendar_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    holidays: Mapped[list] = mapped_column(JSON, default=list)  # [[first, last], ...] as ISO dates
    workdays: Mapped[list] = mapped_column(JSON, default=list)  # [day, ...] as ISO dates
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def arrangement(self) -> Year:
        return Year(
            self.year,
            tuple((date.fromisoformat(a), date.fromisoformat(b)) for a, b in self.holidays),
            tuple(date.fromisoformat(d) for d in self.workdays),
        )
