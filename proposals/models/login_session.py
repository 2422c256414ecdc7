"""Login sessions (登录会话): one row per login, so that a login can be ended on the server.

The browser holds a random key in its session cookie and in its remember cookie (inside the id that
Flask-Login keeps, see User.get_id); the table holds only its hash. Logging out ends the row, and
with it every copy of either cookie; a session not used for a while ends by itself (auth/sessions.py).
"""

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


def session_digest(key: str) -> str:
    # the key has 256 random bits: a fast hash is enough, a leaked table gives no usable key
    return hashlib.sha256(key.encode()).hexdigest()


class LoginSession(db.Model):
    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]
    remember: Mapped[bool] = mapped_column(default=False)
    second_factor: Mapped[bool] = mapped_column(default=False)  # the login passed a second factor
    address: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"


__all__ = ["LoginSession", "session_digest"]
