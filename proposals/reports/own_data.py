"""A user's own data (我的数据), for them to download: a zip of data.json and the files they uploaded.

What is theirs: the account (never the password hash or the session counter), every proposal they
wrote (drafts too) with its co-signers as the author may see them, their co-signatures, votes,
evaluations, replies, progress notes and countersignatures, the messages they wrote in proposals'
dialogues (with their files) and the dialogue on each of their own proposals as they may read it, the
history rows where they acted, their notifications, their API tokens (never the secret's hash), the
administrative log about their account and their recent login attempts.

Nothing of other people's that the user may not see: a proposal they co-signed, voted for or were
notified about appears by number and title only, without its author, whose name may be
confidential (access.can_see_author); and its title only while they may view it (access.can_view,
at the moment of the export): a co-signed proposal sent back for revision is a draft again, its
new title not theirs to read.
"""

import io
import json
import zipfile
from datetime import date, datetime

from sqlalchemy import or_, select

from ..access import can_read_messages, can_view
from ..dialogue import writer
from ..extensions import db
from ..models import (
    ApiToken,
    Attachment,
    AuditEntry,
    Cosignature,
    Countersignature,
    Evaluation,
    HistoryEntry,
    MessageAttachment,
    Notification,
    ProgressNote,
    Proposal,
    ProposalMessage,
    Reply,
    User,
    Vote,
)
from ..models.login_attempt import LoginAttempt
from ..operations import clock
from ..operations.attachments import path_of
from ..operations.messages import messages_of

FORMAT = 1


def _value(value):
    if isinstance(value, datetime):
        return value.isoformat() + "Z"  # stored in UTC
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj, *names: str) -> dict:
    return {name: _value(getattr(obj, name)) for name in names}


def _proposal_ref(p: Proposal, reader: User) -> dict:
    """A proposal someone else wrote, as little as identifies it: never its author; its title and state
    only if `reader` may view it now (else they are null, and `visible` false)."""
    visible = can_view(reader, p)
    return {
        "id": p.id,
        "session": p.session.code,
        "number": p.number,
        "title": p.title if visible else None,
        "state": p.state if visible else None,
        "visible": visible,
    }


def _all(stmt) -> list:
    return list(db.session.scalars(stmt))


def collect(user: User) -> dict:
    """Everything of `user`'s, as plain JSON values."""
    account = _row(user, "id", "username", "name", "email", "email_notifications", "active", "locale", "created_at")
    account["roles"] = sorted(user.roles)
    account["department"] = user.department.name if user.department else None
    account["delegation"] = user.delegation.name if user.delegation else None
    own = _all(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id))
    proposal_fields = (
        "id", "number", "kind", "title", "reason", "measures", "confidential", "state", "final_rating",
        "rehandle_round", "merged_into_id", "created_at", "updated_at", "submitted_at", "decided_at", "closed_at",
    )  # fmt: skip
    proposals = []
    for p in own:
        entry = _row(p, *proposal_fields)
        entry |= {"session": p.session.code, "category": p.category.code}
        entry["cosigners"] = [c.user.name for c in p.cosignatures]
        entry["attachments"] = [
            _row(a, "id", "filename", "kind", "size", "sha256", "created_at") | {"file": _zip_path(a)}
            for a in p.attachments
        ]
        entry["messages"] = _dialogue(p, user)
        proposals.append(entry)
    return {
        "format": FORMAT,
        "exported_at": _value(clock.utcnow()),
        "account": account,
        "proposals": proposals,
        "cosignatures": [
            _row(c, "id", "comment", "created_at") | {"proposal": _proposal_ref(c.proposal, user)}
            for c in _all(select(Cosignature).where(Cosignature.user_id == user.id).order_by(Cosignature.id))
        ],
        "votes": [
            _row(v, "id", "cast_at", "withdrawn_at")
            | {"proposal": _proposal_ref(db.session.get(Proposal, v.proposal_id), user)}
            for v in _all(select(Vote).where(Vote.voter_id == user.id).order_by(Vote.id))
        ],
        "evaluations": [
            _row(e, "id", "proposal_id", "round", "by_author", "rating", "attitude", "comment", "created_at")
            for e in _all(select(Evaluation).where(Evaluation.user_id == user.id).order_by(Evaluation.id))
        ],
        "replies": [
            _row(r, "id", "proposal_id", "round", "text", "outcome", "contact", "deadline", "created_at")
            for r in _all(select(Reply).where(Reply.user_id == user.id).order_by(Reply.id))
        ],
        "progress_notes": [
            _row(n, "id", "proposal_id", "note", "created_at")
            for n in _all(select(ProgressNote).where(ProgressNote.user_id == user.id).order_by(ProgressNote.id))
        ],
        "countersignatures": [
            _row(c, "id", "round", "comment", "created_at") | {"proposal_id": c.assignment.proposal_id}
            for c in _all(
                select(Countersignature).where(Countersignature.user_id == user.id).order_by(Countersignature.id)
            )
        ],
        "messages": [
            _row(m, "id", "side", "text", "created_at")
            | {
                "proposal": _proposal_ref(m.proposal, user),
                "attachments": [
                    _row(a, "id", "filename", "kind", "size", "sha256", "created_at") | {"file": _message_zip_path(a)}
                    for a in m.attachments
                ],
            }
            for m in _all(
                select(ProposalMessage).where(ProposalMessage.author_id == user.id).order_by(ProposalMessage.id)
            )
        ],
        "history": [
            _row(h, "id", "proposal_id", "seq", "event", "at", "from_state", "to_state", "comment", "payload")
            for h in _all(select(HistoryEntry).where(HistoryEntry.actor_id == user.id).order_by(HistoryEntry.id))
        ],
        "notifications": [
            _row(n, "id", "proposal_id", "event", "created_at", "read_at", "email_state", "sent_at")
            for n in _all(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
        ],
        "api_tokens": [
            _row(t, "id", "created_at", "expires_at", "revoked_at")
            for t in _all(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
        ],
        "account_log": [
            _row(a, "id", "at", "action", "target_type", "target_id", "address") | {"by_me": a.actor_id == user.id}
            for a in _all(
                select(AuditEntry)
                .where(
                    or_(
                        AuditEntry.actor_id == user.id,
                        (AuditEntry.target_type == "users") & (AuditEntry.target_id == user.id),
                    )
                )
                .order_by(AuditEntry.id)
            )
        ],
        "login_attempts": [
            _row(a, "at", "address", "succeeded")
            for a in _all(select(LoginAttempt).where(LoginAttempt.username == user.username).order_by(LoginAttempt.id))
        ],
    }


def _dialogue(proposal: Proposal, reader: User) -> list[dict]:
    """The dialogue on one's own proposal as its author reads it (writers masked as the page masks them);
    the files of others' messages by name only (one's own are in the zip, under "messages")."""
    if not can_read_messages(reader, proposal):
        return []
    shown = []
    for m in messages_of(proposal):
        who = writer(reader, proposal, m)
        shown.append(
            _row(m, "id", "side", "text", "created_at")
            | {"writer": who.name, "by_me": m.author_id == reader.id}
            | {"attachments": [_row(a, "id", "filename", "size") for a in m.attachments]}
        )
    return shown


def _zip_path(attachment: Attachment) -> str:
    safe = attachment.filename.replace("/", "_").replace("\\", "_")  # sanitised on upload; kept flat anyway
    return f"attachments/{attachment.id}-{safe}"


def _message_zip_path(attachment: MessageAttachment) -> str:
    safe = attachment.filename.replace("/", "_").replace("\\", "_")
    return f"message_attachments/{attachment.id}-{safe}"


def to_zip(user: User) -> bytes:
    """data.json and the files the user uploaded, in a zip."""
    data = collect(user)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=1))
        uploaded = select(Attachment).where(Attachment.uploaded_by_id == user.id).order_by(Attachment.id)
        for attachment in db.session.scalars(uploaded):
            path = path_of(attachment)
            if path.is_file():
                archive.write(path, _zip_path(attachment))
        sent = (
            select(MessageAttachment)
            .join(ProposalMessage, MessageAttachment.message_id == ProposalMessage.id)
            .where(ProposalMessage.author_id == user.id)
            .order_by(MessageAttachment.id)
        )
        for attachment in db.session.scalars(sent):
            path = path_of(attachment)
            if path.is_file():
                archive.write(path, _message_zip_path(attachment))
    return out.getvalue()
