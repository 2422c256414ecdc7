"""Forgotten-password links (找回密码): one-time links mailed to a user who asked for one.

The link's secret is never stored. It is derived, when the message is composed, from the application's
SECRET_KEY and the row's random `salt` (proposals/auth/reset.py); the row keeps only its SHA-256, by
which the link is found. Someone who reads the database alone can therefore neither use nor forge a
link. A link works once (`used_at`), until `expires_at`, and only while it is the user's newest one.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class PasswordReset(db.Model):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    salt: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the outbox row that carries the link (its message is composed from this row)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), unique=True)
    address: Mapped[str] = mapped_column(String(64))  # where the request came from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user = relationship("User")
    notification = relationship("Notification")

    def __repr__(self) -> str:
        return f"<PasswordReset {self.id} of user {self.user_id}>"


__all__ = ["PasswordReset"]
