"""Attachments of a draft (附件): checked by their content, stored under generated names, recorded in history.

A proposal carries at most MAX_ATTACHMENTS files of at most MAX_SIZE bytes each, of the kinds in
ATTACHMENT_TYPES, recognised by their first bytes (and, for Word and Excel files, by the parts inside
the zip), never by their name or the type the browser claims. Everything is checked before anything
is written: a refused upload leaves neither a row nor a file behind.

The files live under ATTACHMENTS_DIR (default: instance/attachments), outside the web root, named by
a random uuid; the user's file name is kept, sanitised, for display and download only.
"""

import hashlib
import io
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from sqlalchemy import func, select

from workflow import InvalidPayload, PermissionDenied, StateConflict
from workflow.errors import N_
from workflow.payload import message, validate

from ..access import can_view
from ..extensions import db
from ..models import Attachment, Proposal, User
from . import clock
from .drafts import EDITABLE, PROPOSAL_FIELDS, create_proposal, edit_draft
from .errors import NotFound
from .events import lock_proposal, write_history_row
from .unit import after_commit, finish, if_rolled_back, unit_of_work
from .versions import in_a_version

MAX_ATTACHMENTS = 5
MAX_SIZE = 10 * 1024 * 1024
FIELD = "attachments"
# the extensions a download name may end in for each kind; the first is added when the name has none of them
EXTENSIONS = {"pdf": ("pdf",), "docx": ("docx",), "xlsx": ("xlsx",), "jpg": ("jpg", "jpeg"), "png": ("png",)}
# the main part's content type in [Content_Types].xml: macro-enabled and template variants are refused
OFFICE_MAIN_TYPES = {
    "docx": ("word/", b"officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/", b"officedocument.spreadsheetml.sheet.main+xml"),
}
MAX_NAME = 200
_UNSAFE = re.compile(r'[<>:"/\\|?*]')


class Upload(Protocol):
    """A file as it arrived: werkzeug's FileStorage, or anything with a name and a binary stream."""

    filename: str | None
    stream: BinaryIO


@dataclass(frozen=True)
class CheckedFile:
    stream: BinaryIO  # seekable, at position 0
    filename: str  # sanitised, with an extension that matches the content
    kind: str
    size: int


# -- checking --------------------------------------------------------------------------------------


def detect_kind(stream: BinaryIO) -> str | None:
    """The kind of file by its content: pdf, docx, xlsx, jpg, png, or None for anything else."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(stream)
    return None


def _office_kind(stream: BinaryIO) -> str | None:
    """docx or xlsx when the zip holds the parts of one; only the directory and one small part are read."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                return None
            content_types = archive.read(info)
    except Exception:  # a broken or hostile zip (bad headers, encryption, odd compression) is just not ours
        return None
    finally:
        stream.seek(0)
    for kind, (folder, main_type) in OFFICE_MAIN_TYPES.items():
        if main_type in content_types and any(name.startswith(folder) for name in names):
            return kind
    return None


def _sanitised(name: str | None) -> str:
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # control and format characters (a right-to-left override can disguise "gpj.exe" as "exe.jpg")
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return _UNSAFE.sub("_", name).strip().strip(".").strip()[:MAX_NAME]


def clean_filename(name: str | None, kind: str) -> str:
    """The user's file name made safe to show and to offer as a download name, ending as its content is."""
    name = _sanitised(name)
    stem, dot, extension = name.rpartition(".")
    if not dot or extension.lower() not in EXTENSIONS[kind]:
        stem, extension = name, EXTENSIONS[kind][0]
    else:
        extension = extension.lower()
    stem = stem[: MAX_NAME - len(extension) - 1].strip() or "attachment"
    return f"{stem}.{extension}"


def _seekable(stream: BinaryIO) -> BinaryIO:
    """The stream itself when it can seek; otherwise a copy in memory of at most MAX_SIZE + 1 bytes."""
    try:
        if stream.seekable():
            return stream
    except (AttributeError, ValueError):
        pass
    copy = io.BytesIO()
    while (left := MAX_SIZE + 1 - copy.tell()) > 0 and (chunk := stream.read(min(left, 1024 * 1024))):
        copy.write(chunk)
    copy.seek(0)
    return copy


@dataclass(frozen=True)
class _Rewindable:
    filename: str | None
    stream: BinaryIO


def rewindable(uploads) -> list[Upload]:
    """The uploads with streams that can be read again (they are checked more than once)."""
    return [_Rewindable(u.filename, _seekable(u.stream)) for u in uploads]


def _size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def check_uploads(uploads: list[Upload], existing: int = 0) -> list[CheckedFile]:
    """Check count, size and kind of every upload; raise InvalidPayload on the attachments field, or
    return them ready to store. Reads, never writes."""
    if existing + len(uploads) > MAX_ATTACHMENTS:
        msgid = (
            N_("At most %(max)d attachments per proposal; this one already has %(have)d.")
            if existing
            else N_("At most %(max)d attachments per proposal.")
        )
        raise InvalidPayload({FIELD: message(msgid, {"max": MAX_ATTACHMENTS, "have": existing})})
    checked, empty, too_large, wrong_kind = [], [], [], []
    for upload in uploads:
        shown = "“" + (_sanitised(upload.filename) or "?") + "”"
        stream = _seekable(upload.stream)
        size = _size(stream)
        kind = detect_kind(stream) if 0 < size <= MAX_SIZE else None
        if size == 0:
            empty.append(shown)
        elif size > MAX_SIZE:
            too_large.append(shown)
        elif kind is None:
            wrong_kind.append(shown)
        else:
            checked.append(CheckedFile(stream, clean_filename(upload.filename, kind), kind, size))
    for names, msgid in (
        (wrong_kind, N_("Not a PDF, Word (.docx), Excel (.xlsx), JPEG or PNG file: %(names)s.")),
        (too_large, N_("Larger than %(mb)d MB: %(names)s.")),
        (empty, N_("Empty file: %(names)s.")),
    ):
        if names:
            raise InvalidPayload({FIELD: message(msgid, {"names": ", ".join(names), "mb": MAX_SIZE // 1024 // 1024})})
    return checked


# -- storing ---------------------------------------------------------------------------------------


def attachments_dir() -> Path:
    """Where the files are kept: ATTACHMENTS_DIR (relative to the instance folder), by default instance/attachments."""
    return Path(current_app.instance_path) / current_app.config.get("ATTACHMENTS_DIR", "attachments")


def path_of(attachment: Attachment) -> Path:
    return attachments_dir() / attachment.stored_name


def _write(file: CheckedFile, folder: Path) -> tuple[str, str]:
    """Write one checked file under a new random name; return the name and the content's SHA-256."""
    name = uuid.uuid4().hex
    digest = hashlib.sha256()
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # read by this service alone
    with os.fdopen(fd, "wb") as out:
        while chunk := file.stream.read(1024 * 1024):
            digest.update(chunk)
            out.write(chunk)
    return name, digest.hexdigest()


def store(checked: list[CheckedFile], written: list[Path]):
    """Write each checked file under a new name in the attachments folder, noting its path in `written` (for
    the caller to remove should its transaction fail); yield (file, stored name, SHA-256) for its row."""
    folder = attachments_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for file in checked:
        stored_name, sha256 = _write(file, folder)
        written.append(folder / stored_name)
        yield file, stored_name, sha256


def _described(attachment: Attachment) -> dict:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "kind": attachment.kind,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def _own_draft(proposal: Proposal, user: User) -> None:
    if proposal.can_edit(user):
        return
    if proposal.author_id != user.id:
        if not can_view(user, proposal):
            raise NotFound()
        raise PermissionDenied(N_("Only the author may change the attachments of a proposal."))
    raise StateConflict(N_("Attachments can be changed only while the proposal is a draft."), state=proposal.state)


def visible_attachment(user: User, proposal_id: int, attachment_id: int) -> Attachment:
    """The attachment of this proposal if `user` may view the proposal now (access.can_view, as its page);
    NotFound otherwise, never a hint whether it exists."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.proposal_id != proposal_id or not can_view(user, attachment.proposal):
        raise NotFound()
    return attachment


def may_change(proposal: Proposal, user: User) -> bool:
    """Whether `user` may add or remove attachments of the proposal now: the author, while it is a draft."""
    return proposal.author_id == user.id and proposal.state == "draft"


def count_of(proposal_id: int) -> int:
    """How many attachments the proposal carries now (those left out of it are kept for their versions)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.proposal_id == proposal_id, Attachment.left_out_at.is_(None))
    )


def add_attachments(
    proposal_id: int, user: User, uploads: list[Upload], *, now: datetime | None = None
) -> list[Attachment]:
    """Attach files to the author's draft and commit, with an "attach" history row; or refuse and write nothing."""
    uploads = rewindable(uploads)
    if not uploads:
        return []
    now = now or clock.utcnow()
    written: list[Path] = []
    try:
        proposal = lock_proposal(proposal_id)
        _own_draft(proposal, user)
        checked = check_uploads(uploads, existing=count_of(proposal.id))
        rows = [
            Attachment(
                proposal_id=proposal.id,
                stored_name=stored_name,
                filename=file.filename,
                kind=file.kind,
                size=file.size,
                sha256=sha256,
                uploaded_by_id=user.id,
                created_at=now,
            )
            for file, stored_name, sha256 in store(checked, written)
        ]
        db.session.add_all(rows)
        db.session.flush()
        payload = {"attachments": [_described(a) for a in rows], "note": ", ".join(a.filename for a in rows)}
        write_history_row(proposal, "attach", user, now, "draft", "draft", payload)
        proposal.updated_at = now
        finish()
    except BaseException:
        db.session.rollback()
        remove_files(written)
        raise
    if_rolled_back(lambda: remove_files(written))
    return rows


def remove_files(paths: list[Path]) -> None:
    """Remove files written for what was then not kept (a refusal, a unit of work rolled back)."""
    for path in paths:
        path.unlink(missing_ok=True)


def remove_attachment(attachment_id: int, user: User, *, now: datetime | None = None) -> Attachment:
    """Remove a file from the author's draft, recording what it was in the history. A file a submitted
    version carried is only left out of the draft (its row and file stay, for that version); one never
    submitted is removed outright."""
    now = now or clock.utcnow()
    try:
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None:
            raise NotFound()
        proposal = lock_proposal(attachment.proposal_id)
        _own_draft(proposal, user)
        attachment = db.session.get(Attachment, attachment_id, populate_existing=True)
        if attachment is None or attachment.left_out_at is not None:  # removed by a request that held the lock first
            raise NotFound()
        path = path_of(attachment)
        kept = in_a_version(attachment.id)
        payload = {"attachment": _described(attachment), "note": attachment.filename, "kept_for_versions": kept}
        write_history_row(proposal, "detach", user, now, "draft", "draft", payload)
        if kept:
            attachment.left_out_at = now
            path = None
        else:
            db.session.delete(attachment)
        db.session.expire(proposal, ["attachments"])
        proposal.updated_at = now
        finish()
    except BaseException:
        db.session.rollback()
        raise
    if path is not None:
        after_commit(lambda: path.unlink(missing_ok=True))  # a failed commit keeps its file
    return attachment


# -- saving a draft with its files, as the proposal form does ----------------------------------------


def _refuse_with_fields(exc: InvalidPayload, spec: dict, data) -> None:
    """Refuse the uploads, naming the wrong proposal fields too so that the form shows every mistake at once."""
    fields = dict(exc.fields)
    try:
        validate(spec, data)
    except InvalidPayload as other:
        fields = {**other.fields, **fields}
    raise InvalidPayload(fields) from None


def create_draft_with_attachments(author: User, data, uploads: list[Upload], *, now: datetime | None = None):
    """Create a draft and attach files to it, in one transaction: files that would be refused, or that
    cannot be written, prevent the draft too."""
    uploads = rewindable(uploads)
    try:
        check_uploads(uploads)
    except InvalidPayload as exc:
        _refuse_with_fields(exc, PROPOSAL_FIELDS, data)
    with unit_of_work():
        proposal = create_proposal(author, data, now=now)
        add_attachments(proposal.id, author, uploads, now=now)
    return proposal


def edit_draft_with_attachments(proposal_id: int, author: User, data, uploads: list[Upload], *, now=None):
    """Edit a draft and attach more files to it; files that would be refused prevent the edit too."""
    uploads = rewindable(uploads)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound()
    if uploads:
        _own_draft(proposal, author)
        try:
            check_uploads(uploads, existing=count_of(proposal_id))
        except InvalidPayload as exc:
            _refuse_with_fields(exc, EDITABLE, data)
    with unit_of_work():
        proposal = edit_draft(proposal_id, author, data, now=now)
        add_attachments(proposal_id, author, uploads, now=now)
    return proposal
