"""Imports too large for a request, run by the task queue's worker (PostgreSQL): what was asked, how far it is."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

# queued: waiting for the worker; checking: the whole file is being checked; running: it is being written, in
# one transaction; done: written (or, when only checked, found fine); failed: nothing was written
JOB_STATES = ("queued", "checking", "running", "done", "failed")
FINISHED = ("done", "failed")


class ImportJob(db.Model):
    """One uploaded file, kept where the uploads are kept (`stored_name` under the attachments folder) until the
    worker has taken it; its progress is written by the worker in transactions of its own, so a page sees it
    while the import's one transaction is still open."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # roster, proposals (reports/imports.KINDS)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded
    stored_name: Mapped[str | None] = mapped_column(String(64))  # None once the file is gone
    check_only: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    rows_done: Mapped[int] = mapped_column(default=0)  # of the current step: checked, then written
    rows_total: Mapped[int | None]  # known once the file is read
    result: Mapped[dict | None] = mapped_column(JSON)  # the counts, when done
    errors: Mapped[list | None] = mapped_column(JSON)  # [{row, column, msgid, params}], when failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by = relationship("User")

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.kind} {self.state}>"


__all__ = ["FINISHED", "JOB_STATES", "ImportJob"]
