"""Importing a roster or proposals collected on paper from an uploaded file, for the import page and the API.

The file is checked whole; anything wrong refuses all of it (tables.ImportRefused, row by row) and
changes nothing. Otherwise everything is written in one transaction. New people get no password (none is
hashed): they sign in through the directory or a provider, or activate their account with a code
(auth/activation.py); the codes the import issued are sealed as slips for the administrator who imported
them (sign_in.py), to print or show once: the users and their slips, or neither.

What comes through a page or the API is answered within the request, so a file has at most
IMPORT_PAGE_MAX_ROWS rows there (2,000 by default: well within the server's 60-second timeout even where
every row updates an existing person or walks a proposal through its steps, one by one). A larger file is
handed to the task queue on PostgreSQL (import_jobs.submit, which the page and the API call); without a
queue (SQLite) it is imported with `flask --app proposals import-roster FILE` (or `import-proposals`),
which the refusal names.
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from workflow.errors import N_
from workflow.payload import message

from ..access import ADMIN_ROLES
from ..extensions import db
from ..models import User
from ..operations.unit import unit_of_work
from . import proposal_import, roster_import, sign_in
from .files import require_somewhere
from .tables import ImportRefused, Problem, Table

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
    slips_id: int | None  # the sealed activation slips of the people created without a password, if any


PAGE_MAX_ROWS = 2_000
TOO_MANY_FOR_A_PAGE = {
    "roster": N_(
        "This file has %(n)d rows; at most %(max)d are imported through the page. Import it on the server with "
        "the command line: flask --app proposals import-roster FILE (add --check to check it first)."
    ),
    "proposals": N_(
        "This file has %(n)d rows; at most %(max)d are imported through the page. Import it on the server with "
        "the command line: flask --app proposals import-proposals FILE (add --check to check it first)."
    ),
}


def page_max_rows() -> int:
    return int(current_app.config.get("IMPORT_PAGE_MAX_ROWS", PAGE_MAX_ROWS))


def too_many(kind: str, table: Table) -> ImportRefused:
    """The refusal of a file too large for a request, naming the command that imports it."""
    params = {"n": len(table.rows), "max": page_max_rows()}
    return ImportRefused([Problem(None, None, message(TOO_MANY_FOR_A_PAGE[kind], params))])


def run_import(
    kind: str, filename: str, data: bytes, actor: User, *, table: Table | None = None, dry_run: bool = False
) -> Imported:
    """Read the file (unless its `table` is given) and import all of it in one transaction (committed), or
    raise ImportRefused and change nothing; with `dry_run`, only check it. `kind` is one of KINDS (the caller
    answers 404 for any other)."""
    require_somewhere(actor, ADMIN_ROLES)  # a grassroots union's: the rows are scoped (import_scope.py)
    module, run = KINDS[kind]
    table = table if table is not None else module.read(filename, data)
    if len(table.rows) > page_max_rows():
        raise too_many(kind, table)
    kept = None
    with unit_of_work():
        result = run(table, actor=actor, dry_run=dry_run)
        if kind == "roster" and not dry_run:  # the codes of the people created without a password, sealed for the actor
            slips = slips_of(result.codes)
            kept = sign_in.seal(actor, slips, kind="activation", expires_at=result.codes_expire_at)
    return Imported(kind, table, result, kept.id if kept is not None else None)


def write(kind: str, table: Table, plan, actor: User, progress=None, finish=None) -> Imported:
    """Write a file already checked whole (`plan`, what its module's check gave) in one transaction, with the
    roster's activation codes sealed for the actor in it: for the import jobs (import_jobs.py), whose
    `finish(imported)` writes in that transaction too."""
    module, _ = KINDS[kind]
    kept = None
    with unit_of_work():
        result = module.apply(plan, progress, actor=actor)
        if kind == "roster":
            kept = sign_in.seal(actor, slips_of(result.codes), kind="activation", expires_at=result.codes_expire_at)
        imported = Imported(kind, table, result, kept.id if kept is not None else None)
        if finish is not None:
            finish(imported)
    return imported


def summary(imported: Imported) -> dict:
    """What an import did, as JSON: the API's answer and an import job's result."""
    result = imported.result
    if imported.kind == "roster":
        counts = {
            "users_created": result.users_created,
            "users_updated": result.users_updated,
            "units_created": result.units_created,
            "units_renamed": result.units_renamed,
            "awaiting_activation": result.awaiting_activation,
        }
    else:
        counts = {"proposals_created": result.created, "states": result.states}
    return {"kind": imported.kind, **counts, "ignored_columns": imported.table.ignored, "slips_id": imported.slips_id}


def checked(imported: Imported) -> dict:
    """What checking a file found (nothing wrong: else ImportRefused), as JSON: the API's answer and a
    check-only job's result."""
    return {"kind": imported.kind, "checked": len(imported.table.rows), "ignored_columns": imported.table.ignored}


def slips_of(codes: list[tuple[str, str]]) -> list[sign_in.Slip]:
    """(name, user name, code) of each (user name, code) an import issued."""
    names = {}
    usernames = [username for username, _ in codes]
    for start in range(0, len(usernames), 5000):
        part = usernames[start : start + 5000]
        names |= dict(db.session.execute(select(User.username, User.name).where(User.username.in_(part))).all())
    return [(names.get(username, username), username, code) for username, code in codes]
