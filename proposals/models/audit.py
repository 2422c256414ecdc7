"""The administrative log (审计日志): who changed accounts, units, sessions, the calendar, or imported
data, and who logged in or failed to. Lifecycle events have their own log, the history table."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_at_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None: the system or the CLI
    action: Mapped[str] = mapped_column(String(40), index=True)  # e.g. user.create, login.failed
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))  # the client's IP address, when over the web

    actor = relationship("User")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"


__all__ = ["AuditEntry"]
