"""Running several operations as one transaction, for imports: every row goes in, or none does.

The operations commit as they finish (each is one unit of work for a page or an API call). Inside
`one_transaction()` their commits only flush, so their rows, history and notifications are written
but stay uncommitted until the block ends well; any exception rolls all of it back. Only the session
of the current application context is affected.
"""

from contextlib import contextmanager

from ..extensions import db


@contextmanager
def one_transaction():
    session = db.session()
    if "commit" in vars(session):
        yield  # already inside one: the outer block commits
        return
    session.commit = session.flush  # shadows Session.commit on this one session object
    try:
        yield
    except BaseException:
        del session.commit
        session.rollback()
        raise
    del session.commit
    session.commit()
