"""The dialogue on a proposal (留言/沟通): messages between its author side and its handling side.

A message is part of the record: it is never edited and never deleted (the mapper refuses both), and
its files are kept as the proposal's attachments are, under generated names. Who may read or write
them is access.dialogue_side / access.can_read_messages; they are never disclosed.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .attachment import ATTACHMENT_TYPES
from .base import utcnow

# the author and the co-signers; the assigned departments, the committee and the supervisors
SIDES = ("author", "handling")


class ProposalMessage(db.Model):
    __tablename__ = "proposal_messages"
    __table_args__ = (CheckConstraint(f"side IN {SIDES}", name="side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    side: Mapped[str] = mapped_column(String(20))
    # the department the writer spoke for (a handler of an assigned department), else null: a department's
    # staff are named only to whom may see the handling's internal records, the others read the department
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal")
    author = relationship("User")
    department = relationship("OrgUnit")
    attachments: Mapped[list["MessageAttachment"]] = relationship(
        back_populates="message", order_by="MessageAttachment.id"
    )

    def __repr__(self) -> str:
        return f"<ProposalMessage {self.id} on proposal {self.proposal_id}>"


class MessageAttachment(db.Model):
    """A file sent with a message: checked and stored as a proposal's attachment is (operations.attachments)."""

    __tablename__ = "proposal_message_attachments"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(ATTACHMENT_TYPES)}", name="kind"),
        CheckConstraint("size > 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("proposal_messages.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)  # generated, never the user's
    filename: Mapped[str] = mapped_column(String(200))  # the user's, sanitised, for display and download
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[ProposalMessage] = relationship(back_populates="attachments")

    @property
    def content_type(self) -> str:
        return ATTACHMENT_TYPES[self.kind]

    def __repr__(self) -> str:
        return f"<MessageAttachment {self.id} {self.kind} of message {self.message_id}>"


def _refuse(mapper, connection, target) -> None:
    raise ValueError(f"{target!r} is part of the record: it is never changed or deleted")


for _model in (ProposalMessage, MessageAttachment):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)


__all__ = ["SIDES", "ProposalMessage", "MessageAttachment"]
