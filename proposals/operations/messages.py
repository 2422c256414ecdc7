"""The dialogue on a proposal (留言/沟通): writing a message, with files, and telling the other side.

From acceptance until closure (access.DIALOGUE_STATES) the author side (the author, the co-signers) and
the handling side (the assigned departments, the committee, the supervisors) may write to each other
(access.dialogue_side). A message is text, and files checked exactly as a proposal's attachments are
(operations.attachments: kind by content, size, sanitised names); it is never edited or deleted, and is
written with its row in the administrative log and its notifications in one transaction, or not at all.

A notification says only that there is a new message: never its text, and only to whom may read it
(access.can_read_messages).
"""

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from workflow import InvalidPayload, PermissionDenied, StateConflict
from workflow.errors import N_
from workflow.payload import Text, message, validate

from ..access import DIALOGUE_STATES, assigned_department_of, can_read_messages, can_view, dialogue_side
from ..extensions import db
from ..models import MessageAttachment, Proposal, ProposalMessage, User
from . import audit, clock
from .attachments import FIELD, MAX_ATTACHMENTS, check_uploads, remove_files, rewindable, store
from .errors import NotFound
from .events import lock_proposal
from .notify import AUDIENCES, notify_users, queue_deliveries
from .unit import finish, if_rolled_back

EVENT = "message"  # the notifications' event (closure/messages.py NOTICES)
MAX_TEXT = 4000
MESSAGE_FIELDS = {"text": Text(required=True, max_length=MAX_TEXT)}


def readable(user: User | None, proposal_id: int) -> Proposal:
    """The proposal whose dialogue `user` may read: NotFound if they may not view it, PermissionDenied if
    they may view it but take no part in its dialogue."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or user is None or not can_view(user, proposal):
        raise NotFound()
    if not can_read_messages(user, proposal):
        raise PermissionDenied(
            N_(
                "Only the author, the co-signers, the assigned departments, the committee and the supervisors "
                "take part in a proposal's dialogue."
            )
        )
    return proposal


def messages_of(proposal: Proposal) -> list[ProposalMessage]:
    """The proposal's messages, oldest first (the caller has checked that the reader may read them)."""
    stmt = select(ProposalMessage).where(ProposalMessage.proposal_id == proposal.id).order_by(ProposalMessage.id)
    return list(db.session.scalars(stmt))


def may_write(user: User | None, proposal: Proposal) -> bool:
    """Whether `user` may write a message on the proposal now (the page shows its form when so)."""
    return can_read_messages(user, proposal) and proposal.state in DIALOGUE_STATES


def visible_message_file(user: User, proposal_id: int, attachment_id: int) -> MessageAttachment:
    """A file of a message on this proposal if `user` may read its dialogue; NotFound otherwise, never a hint."""
    found = db.session.get(MessageAttachment, attachment_id)
    if found is None or found.message.proposal_id != proposal_id or not can_read_messages(user, found.message.proposal):
        raise NotFound()
    return found


def _uploads_checked(uploads) -> list:
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidPayload({FIELD: message(N_("At most %(max)d files per message."), {"max": MAX_ATTACHMENTS})})
    return check_uploads(uploads)


def post_message(proposal_id: int, user: User, data, uploads=(), *, now: datetime | None = None) -> ProposalMessage:
    """Write a message on the proposal and commit it, with its files, its log row and the other side's
    notifications; or refuse (404, 403, 409 outside the dialogue's window, 422) and write nothing."""
    uploads = rewindable(uploads)
    now = now or clock.utcnow()
    written: list[Path] = []
    try:
        proposal = lock_proposal(proposal_id)
        if not can_view(user, proposal):
            raise NotFound()
        side = dialogue_side(user, proposal)
        if side is None:
            readable(user, proposal_id)  # raises the refusal
        if proposal.state not in DIALOGUE_STATES:
            raise StateConflict(
                N_("Messages can be written from acceptance until the proposal is closed."), state=proposal.state
            )
        clean = validate(MESSAGE_FIELDS, data)
        checked = _uploads_checked(uploads)
        row = ProposalMessage(
            proposal_id=proposal.id,
            author_id=user.id,
            side=side,
            department_id=assigned_department_of(user, proposal) if side == "handling" else None,
            text=clean["text"],
            created_at=now,
        )
        db.session.add(row)
        db.session.flush()
        if checked:
            for file, stored_name, sha256 in store(checked, written):
                db.session.add(
                    MessageAttachment(
                        message_id=row.id,
                        stored_name=stored_name,
                        filename=file.filename,
                        kind=file.kind,
                        size=file.size,
                        sha256=sha256,
                        created_at=now,
                    )
                )
            db.session.flush()
        details = {
            "message_id": row.id,
            "side": side,
            "attachments": [{"filename": f.filename, "size": f.size} for f in checked],
        }  # never the text: the log is read by the union's staff, who take no part in the dialogue
        audit.record("proposal.message", proposal, details, actor=user, now=now)
        _tell_other_side(proposal, row, user, now)
        finish()
    except BaseException:
        db.session.rollback()
        remove_files(written)
        raise
    if_rolled_back(lambda: remove_files(written))  # inside a unit of work that then fails
    return row


def _tell_other_side(proposal: Proposal, row: ProposalMessage, writer: User, now: datetime) -> None:
    """Notify the other side: the author side of a handling side's message; the assigned departments (the
    committee while none is assigned) and whoever of the handling side has written here, of the author's."""
    if row.side == "handling":
        ids = [proposal.author_id, *AUDIENCES["cosigners"].resolve(proposal, proposal.state)]
    else:
        departments = AUDIENCES["assigned_departments"].resolve(proposal, proposal.state)
        if not departments:
            departments = AUDIENCES["committee"].resolve(proposal, proposal.state)
        earlier = select(ProposalMessage.author_id).where(
            ProposalMessage.proposal_id == proposal.id, ProposalMessage.side == "handling"
        )
        ids = [u.id for u in departments] + list(db.session.scalars(earlier))
    ids = [i for i in dict.fromkeys(ids) if i != writer.id]
    if not ids:
        return
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    # only whom the one predicate lets read the dialogue, active accounts only
    told = [people[i] for i in ids if i in people and people[i].active and can_read_messages(people[i], proposal)]
    rows = notify_users(told, proposal, EVENT, now)
    db.session.flush()
    queue_deliveries([(n.id, n.user_id, n.event) for n in rows])
