"""Row locks on SQLite, which has none.

PostgreSQL locks the row (SELECT ... FOR UPDATE, or an advisory lock) and the callers say how. SQLite
locks the whole database for writing, at the first write of a transaction: a write that changes nothing,
as the transaction's first statement, takes that lock now (waiting for it as BEGIN IMMEDIATE does, up to
busy_timeout) and holds it to the end, so that what is read next cannot change before the transaction
writes. One place for the trick, used wherever a row lock is wanted.
"""

from sqlalchemy import Table, bindparam, update

from ..extensions import db


def on_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def sqlite_write_lock(table: Table, row_id) -> bool:
    """On SQLite, take the database's write lock with a write of row `row_id` of `table` that changes
    nothing (columns with an update default are written as they are, so that none moves); True if so,
    False on any other database (which takes its row lock its own way)."""
    if not on_sqlite():
        return False
    db.session.connection().execute(_lock_statement(table), {"row_id": row_id})
    return True


_LOCKS: dict[str, object] = {}


def _lock_statement(table: Table):
    """The write that changes nothing, built once per table (each event runs it)."""
    found = _LOCKS.get(table.name)
    if found is None:
        unchanged = {c.name: c for c in table.c if c.onupdate is not None} or {"id": table.c.id}
        found = _LOCKS[table.name] = update(table).where(table.c.id == bindparam("row_id")).values(unchanged)
    return found
