"""Files sent with a reply (a scanned 答复函): added by the lead department before the round's reply goes
out, read with the draft by those who see handling records, and with the released reply by whoever may
read the reply; checked and stored as a proposal's attachments are (operations/attachments.py).

Whoever may read a file is decided here, at the moment of reading, for the page, the API and the download
alike: `visible_reply_file`.
"""

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from workflow import PermissionDenied, StateConflict
from workflow.errors import N_

from ..access import can_see_handling, can_view
from ..extensions import db
from ..models import Proposal, Reply, ReplyFile, User
from . import clock
from .attachments import Upload, check_uploads, remove_files, rewindable, store
from .errors import NotFound
from .events import lock_proposal, write_history_row
from .unit import finish, if_rolled_back


def released(proposal: Proposal, round_: int) -> bool:
    """Whether the reply of this handling round has gone out to the author."""
    stmt = select(Reply.id).where(Reply.proposal_id == proposal.id, Reply.round == round_).limit(1)
    return db.session.scalar(stmt) is not None


def files_of(proposal: Proposal, round_: int) -> list[ReplyFile]:
    stmt = select(ReplyFile).where(ReplyFile.proposal_id == proposal.id, ReplyFile.round == round_)
    return list(db.session.scalars(stmt.order_by(ReplyFile.id)))


def may_read(user: User | None, proposal: Proposal, round_: int) -> bool:
    """A released reply's files are the reply's readers'; a draft's are the handling records' readers'."""
    return can_view(user, proposal) if released(proposal, round_) else can_see_handling(user, proposal)


def readable(user: User | None, proposal: Proposal) -> dict[int, list[ReplyFile]]:
    """The files of each handling round `user` may read now, by round (the page's lists)."""
    found: dict[int, list[ReplyFile]] = {}
    stmt = select(ReplyFile).where(ReplyFile.proposal_id == proposal.id).order_by(ReplyFile.id)
    for row in db.session.scalars(stmt):
        found.setdefault(row.round, []).append(row)
    return {r: rows for r, rows in found.items() if may_read(user, proposal, r)}


def visible_reply_file(user: User | None, proposal_id: int, file_id: int) -> ReplyFile:
    """The file of this proposal's reply if `user` may read it now; NotFound otherwise, never a hint."""
    found = db.session.get(ReplyFile, file_id)
    if found is None or found.proposal_id != proposal_id:
        raise NotFound()
    proposal = db.session.get(Proposal, proposal_id)
    if not may_read(user, proposal, found.round):
        raise NotFound()
    return found


def may_add(user: User | None, proposal: Proposal) -> bool:
    """Whether `user` may add files to the reply now: the lead department's staff, while it is handled and the
    round's reply has not gone out."""
    return (
        user is not None
        and user.has_role("department_handler")
        and user.department_id is not None
        and user.department_id == proposal.lead_department_id
        and proposal.state == "in_progress"
        and not released(proposal, proposal.rehandle_round)
    )


def add_reply_files(proposal_id: int, user: User, uploads: list[Upload], *, now: datetime | None = None) -> list:
    """Add files to the present round's reply and commit, with a "reply_files" history row (its names, no
    comment: a handling record until the reply goes out); or refuse and write nothing."""
    uploads = rewindable(uploads)
    now = now or clock.utcnow()
    written: list[Path] = []
    try:
        proposal = lock_proposal(proposal_id)
        if not can_view(user, proposal):
            raise NotFound()
        if not (user.has_role("department_handler") and user.department_id == proposal.lead_department_id):
            raise PermissionDenied(N_("Only the lead department adds files to its reply."))
        round_ = proposal.rehandle_round
        if proposal.state != "in_progress" or released(proposal, round_):
            raise StateConflict(N_("Files go with a reply before it goes out."), state=proposal.state)
        existing = db.session.scalar(
            select(func.count())
            .select_from(ReplyFile)
            .where(ReplyFile.proposal_id == proposal.id, ReplyFile.round == round_)
        )
        rows = [
            ReplyFile(
                proposal_id=proposal.id,
                round=round_,
                stored_name=stored_name,
                filename=file.filename,
                kind=file.kind,
                size=file.size,
                sha256=sha256,
                uploaded_by_id=user.id,
                created_at=now,
            )
            for file, stored_name, sha256 in store(check_uploads(uploads, existing=existing), written)
        ]
        db.session.add_all(rows)
        db.session.flush()
        files = [{"id": r.id, "filename": r.filename, "kind": r.kind, "size": r.size, "sha256": r.sha256} for r in rows]
        write_history_row(proposal, "reply_files", user, now, proposal.state, proposal.state, {"files": files})
        finish()
    except BaseException:
        db.session.rollback()
        remove_files(written)
        raise
    if_rolled_back(lambda: remove_files(written))  # inside a unit of work that then fails
    return rows
