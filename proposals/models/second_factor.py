"""The optional second factor (双因素认证): a TOTP secret (RFC 6238, as authenticator apps use) and the
one-time recovery codes (恢复码) of a user. Kept apart from the user row: most users have none."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class SecondFactor(db.Model):
    """A user's TOTP secret: pending until confirmed with a first code, then in force."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # base32; an app must read it back to compute codes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None]  # the time step of the last code accepted: a code works once

    def __repr__(self) -> str:
        state = "on" if self.confirmed_at else "pending"
        return f"<SecondFactor {state} of user {self.user_id}>"


class RecoveryCode(db.Model):
    """One recovery code, kept hashed, good for one login when the phone is lost."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


__all__ = ["SecondFactor", "RecoveryCode"]
