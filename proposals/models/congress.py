"""Congress sessions (届次/会次) and their settings."""

from dataclasses import fields
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow import Settings
from workflow.calendar import Year

from ..extensions import db
from ..settings import columns as setting_columns
from ..settings import dates, defaults
from .base import utcnow

# the settings a union may change per session: columns, defaults and CHECKs from the one table
SETTING_DEFAULTS = defaults()
SETTING_DATES = dates()
ENGINE_NAMES = {"session_open": "is_open"}  # the engine's name of a setting: the session's
DERIVED = {"collection_over"}  # what the engine reads that the session derives from a setting and the day


class CongressSession(setting_columns(), db.Model):
    __tablename__ = "congress_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # the union whose congress this is; None: the root, the company union (proposals/unions.py)
    union_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # and a column for each setting of proposals/settings.py: is_open, the dates, the rules and deadlines
    # the last acceptance number given in this session; incremented under the row's write lock
    last_number: Mapped[int] = mapped_column(default=0)
    # when the committee published the outstanding-proposal vote's result (who: VotePublication)
    vote_results_published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def settings(self, today: date | None = None) -> Settings:
        """What the lifecycle engine reads of the session (each of its fields is a setting here, or derived
        from one and `today`, China-local: whether the collection window is over)."""
        values = {
            f.name: getattr(self, ENGINE_NAMES.get(f.name, f.name)) for f in fields(Settings) if f.name not in DERIVED
        }
        return Settings(**values, collection_over=self.collection_over(today))

    def collection_over(self, today: date | None) -> bool:
        """Whether `today` is after the last day of the collection window (none fixed: never over)."""
        return self.collection_end is not None and today is not None and today > self.collection_end

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
