"""Sign-in details an import produced, kept sealed until they are printed or shown once."""

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class SignInSlips(db.Model):
    """One import's sign-in details (name, user name, initial secret), encrypted with the application's
    key; deleted when they are taken (printed or shown), or refused and deleted once expired."""

    __tablename__ = "sign_in_slips"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int]
    sealed: Mapped[str] = mapped_column(Text)

    created_by = relationship("User")


__all__ = ["SignInSlips"]
