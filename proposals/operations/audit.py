"""Writing the administrative log: one AuditEntry per change, added to the change's own transaction.

The operations call `record()` just before they commit, so the entry is written exactly when the
change is, and rolled back with it. The actor is whoever the operation was told acts (the pages and
the API pass the signed-in user); None, from the command line, reads as "the system". The address
comes from the request when there is one.
"""

from datetime import datetime

from flask import has_request_context, request

from ..extensions import db
from ..models import AuditEntry, User
from . import clock


def _address() -> str | None:
    return (request.remote_addr or None) if has_request_context() else None


def record(
    action: str,
    target=None,
    details: dict | None = None,
    *,
    actor: User | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add (not commit) the log row of `action` on `target` (a model instance, flushed so it has an id)."""
    if target is not None and target.id is None:
        db.session.flush()
    entry = AuditEntry(
        at=now or clock.utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        details=_plain(details or {}),
        address=_address(),
    )
    db.session.add(entry)
    return entry


def _plain(value):
    """The details as JSON can hold them: dates as ISO strings, sets as sorted lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
