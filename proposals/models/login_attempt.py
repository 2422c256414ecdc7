"""Login attempts (登录尝试): the record behind login throttling, shared by every process through the database."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class LoginAttempt(db.Model):
    """One password check, by the user name typed (existing or not) and the address it came from.

    Attempts refused unchecked by the throttle are not recorded: they guessed nothing. Rows older
    than the throttling window count for nothing and are purged by `tick`.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        outcome = "success" if self.succeeded else "failure"
        return f"<LoginAttempt {outcome} for {self.username!r} from {self.address}>"


__all__ = ["LoginAttempt"]
