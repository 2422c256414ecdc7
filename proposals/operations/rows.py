"""What every operation creating a row with a code or name of its own shares: the field, the refusal, the write."""

from sqlalchemy.exc import IntegrityError

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import Line, message

from ..extensions import db
from .errors import Taken

Code = Line(required=True, max_length=40)


CODE_TAKEN = N_("This code is taken.")


def refuse(errors: dict, taken: dict) -> None:
    """Raise what is wrong: the payload's own faults first (422), else a name or code in use (409)."""
    if errors:
        raise InvalidPayload(errors | taken)
    if taken:
        ((msgid, params),) = taken.values()
        raise Taken(taken, message=msgid)


def insert_unique(row, field: str, msgid: str, already) -> None:
    """Add `row` and write it now. Two requests with the same name or code at once both pass the check
    before either writes; the unique index refuses the second, which is then told it is taken (409),
    not a server error. `already` is the query that finds the row that won."""
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if db.session.scalar(already) is None:
            raise  # some other constraint: not ours to explain
        raise Taken({field: message(msgid)}, message=msgid) from None
