"""Importing a roster or proposals collected on paper from an uploaded file, for the import page and the API.

The file is checked whole; anything wrong refuses all of it (tables.ImportRefused, row by row) and
changes nothing. Otherwise everything is written in one transaction. New people get no password (none is
hashed): they sign in through the directory or a provider, or activate their account with a code
(auth/activation.py) that the administrator issues, prints or sends afterwards.

What comes through a page or the API is answered within the request, so a file has at most
IMPORT_PAGE_MAX_ROWS rows there (20,000 by default: well within the server's 60-second timeout); a
larger roster is imported with `flask --app proposals import-roster FILE`, which the refusal names.
"""

from dataclasses import dataclass

from flask import current_app

from workflow.errors import N_
from workflow.payload import message

from ..access import ADMIN_ROLES
from ..models import User
from . import proposal_import, roster_import
from .files import require
from .tables import ImportRefused, Problem, Table
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
    slips_id: int | None  # sign-in slips of the import: none since codes replaced initial passwords


PAGE_MAX_ROWS = 20_000
TOO_MANY_FOR_A_PAGE = N_(
    "This file has %(n)d rows; at most %(max)d are imported through the page. Import it on the server with "
    "the command line: flask --app proposals import-roster FILE (add --check to check it first)."
)


def page_max_rows() -> int:
    return int(current_app.config.get("IMPORT_PAGE_MAX_ROWS", PAGE_MAX_ROWS))


def run_import(kind: str, filename: str, data: bytes, actor: User) -> Imported:
    """Read the file and import all of it in one transaction (committed), or raise ImportRefused and change
    nothing. `kind` is one of KINDS (the caller answers 404 for any other)."""
    require(actor, ADMIN_ROLES)
    module, run = KINDS[kind]
    table = module.read(filename, data)
    if len(table.rows) > page_max_rows():
        params = {"n": len(table.rows), "max": page_max_rows()}
        raise ImportRefused([Problem(None, None, message(TOO_MANY_FOR_A_PAGE, params))])
    with one_transaction():
        result = run(table, actor=actor)
    return Imported(kind, table, result, None)
