"""Importing a roster or proposals collected on paper from an uploaded file, for the import page and the API.

The file is checked whole; anything wrong refuses all of it (tables.ImportRefused, row by row) and
changes nothing. Otherwise everything is written in one transaction with the sign-in slips of the
people it created, sealed for the administrator who imported them (sign_in.py): the users and their
slips, or neither.
"""

from dataclasses import dataclass

from sqlalchemy import select

from ..access import ADMIN_ROLES
from ..extensions import db
from ..models import User
from . import proposal_import, roster_import, sign_in
from .files import require
from .tables import Table
from .transaction import one_transaction

MAX_BYTES = 16 * 1024 * 1024
KINDS = {
    "roster": (roster_import, roster_import.import_roster),
    "proposals": (proposal_import, proposal_import.import_proposals),
}


@dataclass(frozen=True)
class Imported:
    kind: str
    table: Table
    result: object  # roster_import.RosterResult or proposal_import.ProposalResult
    slips_id: int | None  # the sealed sign-in slips of the people created, if any


def slips_of(generated: list[tuple[str, str]]) -> list[sign_in.Slip]:
    """(name, user name, secret) of each (user name, secret) an import generated."""
    usernames = [username for username, _ in generated]
    rows = db.session.execute(select(User.username, User.name).where(User.username.in_(usernames))).all()
    names = {username: name for username, name in rows}
    return [(names.get(username, username), username, secret) for username, secret in generated]


def run_import(kind: str, filename: str, data: bytes, actor: User) -> Imported:
    """Read the file and import all of it in one transaction (committed), or raise ImportRefused and change
    nothing. `kind` is one of KINDS (the caller answers 404 for any other)."""
    require(actor, ADMIN_ROLES)
    module, run = KINDS[kind]
    table = module.read(filename, data)
    kept = None
    with one_transaction():
        result = run(table, actor=actor)
        if kind == "roster":
            kept = sign_in.seal(actor, slips_of(result.passwords))
    return Imported(kind, table, result, kept.id if kept is not None else None)
