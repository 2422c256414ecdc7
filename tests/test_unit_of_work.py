"""The unit of work (proposals/operations/unit.py): operations inside one block commit together at its end,
or nothing of them is kept; on their own each commits itself."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Attachment, HistoryEntry, MessageAttachment, OrgUnit, Proposal, ReplyFile
from proposals.operations import attachments as attachments_module
from proposals.operations import create_draft_with_attachments, create_proposal, create_unit, fire_event
from proposals.operations.messages import post_message
from proposals.operations.reply_files import add_reply_files
from proposals.operations.unit import BrokenUnit, after_commit, if_rolled_back, inside, unit_of_work
from workflow import WorkflowError

from .helpers import SAMPLES, upload


def count(model) -> int:
    db.session.rollback()  # what is committed, and only that
    return db.session.scalar(select(func.count()).select_from(model))


def draft(cast) -> dict:
    return {"session_id": cast.session.id, "title": "一件提案", "reason": "理", "measures": "措", "category": "other"}


def test_operations_inside_a_block_commit_once_at_its_end(cast):
    with unit_of_work():
        assert inside()
        create_unit("department", {"code": "A1", "name": "甲部"})
        with unit_of_work():  # nested: only the outermost block commits
            create_unit("department", {"code": "A2", "name": "乙部"})
        assert db.session.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.code.in_(("A1", "A2")))) == 2
    assert not inside()
    db.session.rollback()
    assert db.session.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.code.in_(("A1", "A2")))) == 2


def test_an_exception_leaving_the_block_keeps_nothing_of_it(cast):
    before = count(OrgUnit)
    with pytest.raises(RuntimeError), unit_of_work():
        create_unit("department", {"code": "B1", "name": "丙部"})
        create_unit("department", {"code": "B2", "name": "丁部"})
        raise RuntimeError("a later step failed")
    assert count(OrgUnit) == before


def test_a_refusal_caught_inside_the_block_does_not_let_the_rest_commit(cast):
    """A refused event rolls back the block's transaction; a caller that goes on is told, and nothing is kept."""
    proposal = cast.proposal_in("review")
    before = (count(OrgUnit), count(HistoryEntry))
    with pytest.raises(BrokenUnit), unit_of_work():
        create_unit("department", {"code": "C1", "name": "戊部"})
        with pytest.raises(WorkflowError):
            fire_event(proposal.id, "accept", cast.author)  # not the author's to decide
        create_unit("department", {"code": "C2", "name": "己部"})  # written after the rollback: not kept either
    assert (count(OrgUnit), count(HistoryEntry)) == before


def test_a_draft_whose_file_cannot_be_written_is_not_kept(cast, files, monkeypatch):
    """The draft and its files are one transaction: a failed file write leaves no draft and no file."""
    written = attachments_module._write
    calls = []

    def second_fails(file, folder):
        calls.append(file)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return written(file, folder)

    monkeypatch.setattr(attachments_module, "_write", second_fails)
    uploads = [upload("一.pdf", SAMPLES["pdf"]), upload("二.xlsx", SAMPLES["xlsx"])]
    with pytest.raises(OSError):
        create_draft_with_attachments(cast.author, draft(cast), uploads)
    assert len(calls) == 2
    assert (count(Proposal), count(Attachment), count(HistoryEntry)) == (0, 0, 0)
    assert not files.exists() or list(files.iterdir()) == []


def test_files_of_a_block_rolled_back_later_are_removed(cast, files):
    with pytest.raises(RuntimeError), unit_of_work():
        create_draft_with_attachments(cast.author, draft(cast), [upload("一.pdf", SAMPLES["pdf"])])
        assert len(list(files.iterdir())) == 1  # written, not yet committed
        raise RuntimeError("a later step failed")
    assert count(Proposal) == 0 and list(files.iterdir()) == []


def test_what_cannot_be_undone_waits_for_the_commit(cast):
    done = []
    after_commit(lambda: done.append("alone"))  # outside a block: at once (the operation has committed)
    if_rolled_back(lambda: done.append("never"))  # outside a block: the operation undoes its own failures
    assert done == ["alone"]
    with unit_of_work():
        create_proposal(cast.author, draft(cast))
        after_commit(lambda: done.append("committed"))
        if_rolled_back(lambda: done.append("rolled back"))
        assert done == ["alone"]
    assert done == ["alone", "committed"]
    with pytest.raises(RuntimeError), unit_of_work():
        after_commit(lambda: done.append("second commit"))
        if_rolled_back(lambda: done.append("rolled back"))
        raise RuntimeError
    assert done == ["alone", "committed", "rolled back"]


def test_files_of_a_message_or_a_reply_in_a_block_rolled_back_are_removed(cast, files):
    proposal = cast.proposal_in("in_progress")
    with pytest.raises(RuntimeError), unit_of_work():
        post_message(proposal.id, cast.author, {"text": "请问进展如何？"}, [upload("照片.png", SAMPLES["png"])])
        add_reply_files(proposal.id, cast.lead, [upload("答复.pdf", SAMPLES["pdf"])])
        assert len([p for p in files.rglob("*") if p.is_file()]) == 2  # written, not yet committed
        raise RuntimeError("a later step failed")
    assert (count(MessageAttachment), count(ReplyFile)) == (0, 0)
    assert [p for p in files.rglob("*") if p.is_file()] == []


# Where a transaction is committed by name instead of by finish(): each is a boundary of its own, for its reason.
# Everything else is an operation, which ends with finish() and so can be combined in a unit of work.
COMMITTING_BY_NAME = {
    "proposals/operations/unit.py": "the unit of work itself",
    "proposals/auth/throttle.py": "sign-in attempts are kept in a transaction of their own, refused ones above all",
    "proposals/auth/credentials.py": "a sign-in refused because the directory is down keeps its audit row",
    "proposals/auth/provider_pages.py": "a provider's callback is a sign-in boundary; a refusal keeps its audit row",
    "proposals/closure/outbox.py": "each mail is recorded as it is claimed and sent: what went out stays sent",
    "proposals/closure/channels/outbox.py": "each SMS or messenger message likewise",
    "proposals/web/imports.py": "sign-in slips handed over (or found expired, and deleted) by the page",
    "proposals/api/imports.py": "sign-in slips handed over (or found expired, and deleted) by the API",
    "proposals/directory/cli.py": "the directory sync command (a dry run rolls back)",
    "proposals/scale/generate.py": "the bench's generator loads in batches",
    "proposals/demo/__init__.py": "seeding the demo",
}


def test_only_the_boundaries_named_commit_by_name():
    root = Path(__file__).resolve().parent.parent
    committing = {
        path.relative_to(root).as_posix()
        for path in (root / "proposals").rglob("*.py")
        if re.search(r"\bsession\.commit\(\)", path.read_text(encoding="utf-8"))
    }
    assert committing == set(COMMITTING_BY_NAME)
