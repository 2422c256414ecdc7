"""API tokens: bearer secrets for the JSON API, kept only as a hash, with an expiry and a revocation."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


def _digest(secret: str) -> str:
    # the secret has 256 random bits, so a fast hash is enough: nothing to guess from a leaked table
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user = relationship("User")

    @classmethod
    def issue(cls, user, hours: int, now: datetime | None = None) -> tuple["ApiToken", str]:
        """A new token for `user` (added to the session, not committed) and its secret, shown only once."""
        now = now or utcnow()
        secret = secrets.token_urlsafe(32)
        token = cls(
            user_id=user.id, token_hash=_digest(secret), created_at=now, expires_at=now + timedelta(hours=hours)
        )
        db.session.add(token)
        return token, secret

    @classmethod
    def find_valid(cls, secret: str, now: datetime | None = None) -> "ApiToken | None":
        """The unexpired, unrevoked token with this secret, or None."""
        now = now or utcnow()
        return db.session.scalar(
            select(cls).where(cls.token_hash == _digest(secret), cls.revoked_at.is_(None), cls.expires_at > now)
        )

    def revoke(self, now: datetime | None = None) -> None:
        self.revoked_at = now or utcnow()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of user {self.user_id}>"
