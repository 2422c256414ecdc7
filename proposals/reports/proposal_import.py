"""Importing proposals collected on paper, on behalf of their authors, from .xlsx or .csv.

Each row is a paper proposal form: the session (by code), the author (by user name), subject, reasons,
measures, category (code or name), optionally the confidentiality flag, the desired department (code
or name) and the co-signers who signed the form (user names). The whole file is checked first; when
anything is wrong nothing changes and every problem comes back with its row and column.

Then, in one transaction, each proposal takes the path a proposal written online takes, through the
same operations: `create_proposal` as its author, `submit` by its author, and `cosign` by each listed
co-signer; so it has its history and lands where the engine sends a co-signed proposal, under review
(or in delegation review when the session has it on). A paper form therefore lists exactly the
co-signers the session asks for (min_cosigners): the engine moves a proposal on with the last one.
The columns are the ledger's, so an exported ledger can be imported again.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from workflow import InvalidPayload, WorkflowError
from workflow.errors import N_
from workflow.payload import message, validate

from ..extensions import db
from ..i18n import translate_error
from ..models import Category, CongressSession, OrgUnit, User
from ..operations import PROPOSAL_FIELDS, audit, create_proposal, fire_event
from ..operations.unions import authorize_somewhere
from ..operations.unit import unit_of_work
from .import_scope import AUTHOR_BEYOND, SESSION_BEYOND, UNIT_BEYOND, Reach
from .tables import ImportRefused, Problem, flag, names, read_table

KEYS = (
    "session_code",
    "author_username",
    "title",
    "reason",
    "measures",
    "category",
    "confidential",
    "desired_department",
    "cosigner_usernames",
)
REQUIRED = ("session_code", "author_username", "title", "reason", "measures", "category")
# where the operation's payload fields are shown in the file
PAYLOAD_COLUMNS = {"session_id": "session_code", "desired_department_id": "desired_department"}


@dataclass
class ProposalResult:
    created: list[int] = field(default_factory=list)  # proposal ids, in file order
    states: dict[str, int] = field(default_factory=dict)  # where they landed: state -> count


@dataclass(frozen=True)
class _Item:
    row: int
    author: User
    payload: dict
    cosigners: tuple[User, ...]


class _Lookup:
    """The rows a file may name, loaded once."""

    def __init__(self):
        self.sessions = {s.code: s for s in db.session.scalars(select(CongressSession))}
        self.users = {u.username: u for u in db.session.scalars(select(User))}
        self.categories = {}
        for c in db.session.scalars(select(Category)):
            self.categories[c.code.casefold()] = c
            self.categories.setdefault(c.name.casefold(), c)
        self.departments = {}
        for d in db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "department", OrgUnit.active)):
            self.departments[d.code.casefold()] = d
            self.departments.setdefault(d.name.casefold(), d)


def read(filename: str, data: bytes):
    """The file as a table of proposal columns, or ImportRefused."""
    return read_table(filename, data, KEYS, REQUIRED)


def check(
    table, progress: Callable[[int], None] | None = None, *, actor: User | None = None
) -> tuple[list[_Item], list[Problem]]:
    """The proposals the file would create, and every problem with it; for a grassroots union's administrator,
    a row naming a session, a department or a person beyond the unions they administer too."""
    known = _Lookup()
    reach = Reach(actor)
    items: list[_Item] = []
    problems: list[Problem] = []
    for number, row in table.rows:
        found = []

        def problem(column, msgid, params=None, found=found):
            found.append((column, message(msgid, params)))

        for key in REQUIRED:
            if not row.get(key):
                problem(key, N_("This field is required."))
        session = known.sessions.get(row.get("session_code", ""))
        if session is None and row.get("session_code"):
            problem("session_code", N_("No such session."))
        elif session is not None and not reach.union(session.union_id):
            problem("session_code", SESSION_BEYOND)
        elif session is not None and not session.is_open:
            problem("session_code", N_("This session no longer takes proposals."))
        author = known.users.get(row.get("author_username", ""))
        if (author is None or not author.active) and row.get("author_username"):
            problem("author_username", N_("No active user has this user name."))
        elif author is not None and not reach.person(author.department_id, author.delegation_id):
            problem("author_username", AUTHOR_BEYOND, {"name": author.username})
        category = known.categories.get(row.get("category", "").casefold())
        if category is None and row.get("category"):
            problem("category", N_("No such category."))
        confidential = flag(row.get("confidential", ""))
        if confidential is None:
            problem("confidential", N_("Write yes or no."))
        department = None
        if row.get("desired_department"):
            department = known.departments.get(row["desired_department"].casefold())
            if department is None:
                problem("desired_department", N_("No such department."))
            elif not reach.unit(department.id):
                problem("desired_department", UNIT_BEYOND, {"code": department.code})
        cosigners = _cosigners(row, known, author, session, problem)
        for cosigner in cosigners:
            if not reach.person(cosigner.department_id, cosigner.delegation_id):
                problem("cosigner_usernames", AUTHOR_BEYOND, {"name": cosigner.username})
        payload = {
            "session_id": session.id if session else 0,
            "title": row.get("title", ""),
            "reason": row.get("reason", ""),
            "measures": row.get("measures", ""),
            "category": category.code if category else "",
            "confidential": bool(confidential),
            "desired_department_id": department.id if department else None,
        }
        try:
            validate(PROPOSAL_FIELDS, payload)
        except InvalidPayload as exc:
            reported = {column for column, _ in found}
            for name, msg in exc.fields.items():
                column = PAYLOAD_COLUMNS.get(name, name)
                if column not in reported:
                    found.append((column, msg))
        problems += [Problem(number, column, msg) for column, msg in found]
        if not found:
            items.append(_Item(number, author, payload, tuple(cosigners)))
        if progress:
            progress(1)
    return items, problems


def _cosigners(row: dict, known: _Lookup, author, session, problem) -> list[User]:
    listed = names(row.get("cosigner_usernames", ""))
    cosigners = []
    for username in listed:
        user = known.users.get(username)
        if user is None or not user.active:
            problem("cosigner_usernames", N_("No active user has the user name %(name)s."), {"name": username})
        elif not user.has_role("delegate"):
            problem("cosigner_usernames", N_("%(name)s is not a delegate."), {"name": username})
        elif author is not None and user.id == author.id:
            problem("cosigner_usernames", N_("The author cannot co-sign their own proposal."))
        elif user in cosigners:
            problem("cosigner_usernames", N_("%(name)s is listed twice."), {"name": username})
        else:
            cosigners.append(user)
    if session is not None and len(listed) != session.min_cosigners:
        params = {"n": session.min_cosigners, "found": len(listed)}
        problem("cosigner_usernames", N_("List the %(n)d co-signers the session asks for (found %(found)d)."), params)
    return cosigners


def apply(
    items: list[_Item], progress: Callable[[int], None] | None = None, *, actor: User | None = None
) -> ProposalResult:
    """Create, submit and co-sign each proposal through the operations, all in one transaction."""
    result = ProposalResult()
    row = None
    try:
        with unit_of_work():
            for item in items:
                row = item.row
                proposal = create_proposal(item.author, item.payload)
                proposal = fire_event(proposal.id, "submit", item.author)
                for cosigner in item.cosigners:
                    proposal = fire_event(proposal.id, "cosign", cosigner)
                result.created.append(proposal.id)
                result.states[proposal.state] = result.states.get(proposal.state, 0) + 1
                if progress:
                    progress(1)
            audit.record("import.proposals", details={"created": result.created, "states": result.states}, actor=actor)
    except WorkflowError as exc:  # checked beforehand, so only a rule we do not foresee gets here
        refusal = message(N_("Refused: %(reason)s"), {"reason": translate_error(exc)})
        raise ImportRefused([Problem(row, None, refusal)]) from exc
    return result


def import_proposals(table, *, dry_run: bool = False, progress=None, actor=None) -> ProposalResult:
    """Check the whole table, then create every proposal in one transaction; raise ImportRefused and
    change nothing if anything is wrong. `actor` is the union administrator importing (None: the system); a
    grassroots union's imports into their unions only."""
    authorize_somewhere(actor)
    items, problems = check(table, progress, actor=actor)
    if problems:
        raise ImportRefused(problems)
    if dry_run:
        return ProposalResult()
    return apply(items, progress, actor=actor)
