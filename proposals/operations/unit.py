"""The unit of work: what several operations write commits together, or not at all.

Each operation ends with `finish()`: on its own (a page, an API call, a CLI command) it commits, so it is
its own unit of work; inside a `unit_of_work()` block it only flushes, and the block commits once when it
ends well, or rolls everything back when an exception leaves it (an import: every row or none; the
committee's bulk change; a draft with its files). Blocks nest: the outermost one commits.

An operation that is refused rolls back and raises. Inside a block that undoes the block's earlier work
too, which is what all-or-nothing means, provided the exception ends the block: a caller that caught it
and went on would commit the rest of a half-undone batch, so a block whose transaction was rolled back
inside it refuses to commit (`BrokenUnit`) rather than keep what came after.

The boundaries: a request commits once, by its one operation or by a block around the operations it combines
(saving a draft and submitting it, web/proposals.py); a CLI command likewise; the tick commits each step on its
own (each proposal's system event, each proposal's reminders, the purge, each message sent). The few places
that commit by name, and why, are listed in tests/test_unit_of_work.py.
"""

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_DEPTH, _BROKEN = "unit_of_work_depth", "unit_of_work_broken"
_COMMITTED, _ROLLED_BACK = "unit_of_work_after_commit", "unit_of_work_after_rollback"


class BrokenUnit(RuntimeError):
    """The transaction of a unit of work was rolled back inside it, and the block still ended well."""


@contextmanager
def unit_of_work():
    """Run the block as one transaction: committed at its end (by the outermost block), or rolled back."""
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    if depth == 0:
        for key in (_BROKEN, _COMMITTED, _ROLLED_BACK):
            session.info.pop(key, None)
    try:
        yield
        if depth == 0:
            if session.info.get(_BROKEN):
                raise BrokenUnit("the unit of work was rolled back inside it; nothing of it is kept")
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
            _run(session.info.pop(_ROLLED_BACK, []))
        raise
    finally:
        session.info[_DEPTH] = depth
    if depth == 0:
        _run(session.info.pop(_COMMITTED, []))


def _run(callbacks) -> None:
    for callback in callbacks:
        callback()


def inside() -> bool:
    """Whether an operation runs inside a unit_of_work() block (and so must not commit)."""
    return db.session().info.get(_DEPTH, 0) > 0


def finish() -> None:
    """The end of an operation: commit, or inside a unit of work write its rows for the block to commit."""
    if inside():
        db.session.flush()
    else:
        db.session.commit()


def after_commit(callback) -> None:
    """Run `callback` once what the operation wrote is committed: now, when it committed itself; at the end of
    the unit of work it runs in otherwise (never, if that is rolled back). For what cannot be undone, such
    as removing a file."""
    if inside():
        db.session().info.setdefault(_COMMITTED, []).append(callback)
    else:
        callback()


def if_rolled_back(callback) -> None:
    """Run `callback` if the unit of work the operation runs in is rolled back after the operation ended well
    (an operation on its own undoes its own failures): for what it did outside the database, such as
    writing a file."""
    if inside():
        db.session().info.setdefault(_ROLLED_BACK, []).append(callback)


@event.listens_for(Session, "after_soft_rollback")
def _note_rollback(session, previous_transaction) -> None:
    if session.info.get(_DEPTH, 0) > 0 and previous_transaction.parent is None:
        session.info[_BROKEN] = True
