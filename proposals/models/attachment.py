"""Files attached to a proposal (附件): the record of each; the bytes live under the instance folder."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import db
from .base import utcnow

# the kinds of file a proposal may carry, recognised by their content; with the type they are served as
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(ATTACHMENT_TYPES)}", name="kind"),
        CheckConstraint("size > 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    # the name on disk: generated, never the user's
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    # the user's file name, sanitised, for display and download only
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # when the author left it out of the draft after it had been submitted with a version: kept for that
    # version, no longer the proposal's (an attachment never submitted is removed outright)
    left_out_at: Mapped[datetime | None]

    # (a backref, so that proposal.py need not know of attachments)
    proposal = relationship(
        "Proposal",
        backref=backref(
            "attachments",
            primaryjoin="and_(Proposal.id == Attachment.proposal_id, Attachment.left_out_at.is_(None))",
            order_by="Attachment.id",
        ),
    )
    uploaded_by = relationship("User")

    @property
    def content_type(self) -> str:
        return ATTACHMENT_TYPES[self.kind]

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.kind} of proposal {self.proposal_id}>"


__all__ = ["ATTACHMENT_TYPES", "Attachment"]
