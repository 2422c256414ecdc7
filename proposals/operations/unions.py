"""Who administers what in a group of unions: the checks every administrative operation makes.

A union's administrators (`union_admin` held in it, proposals/unions.py) administer that union and the
unions below it, never a sibling or the union above:
- its sessions (`authorize(actor, session.union_id)`);
- the units that lie in it: its delegations and departments, and the grassroots unions below it;
- the people whose delegation or department lies in it, and the roles held in those unions;
- what belongs to the whole group (the company union's own roles, the calendar, the categories, the
  channels, the thresholds, the outbox) only the company union's administrators do (`authorize(actor)`).
None as the actor is the system (the command line, the demo data, the scale generator), which may.
"""

from workflow import InvalidPayload, PermissionDenied
from workflow.errors import N_
from workflow.payload import message

from .. import unions
from ..access import ADMIN_ROLES
from ..models import OrgUnit, User
from ..models.org import UNIT_ROLES

NOT_ADMIN = N_("Only union administrators may do this.")
NOT_ADMIN_THERE = N_("Only administrators of this union or of a union above it may do this.")
NOT_GROUP_ADMIN = N_("Only the company union's administrators may give or take the company union's roles.")
NO_UNION = N_("No such union.")


def authorize(actor: User | None, union: int | None = None, tree: unions.Tree | None = None) -> None:
    """Refuse unless `actor` administers the union `union` (None: the root), holding the role there or in a
    union above it (None: the system, which may)."""
    if actor is None:
        return
    if union is None:
        if not actor.has_role(*ADMIN_ROLES):
            raise PermissionDenied(NOT_ADMIN)
    elif not unions.holds(actor, ADMIN_ROLES, union, tree):
        raise PermissionDenied(NOT_ADMIN_THERE)


def authorize_somewhere(actor: User | None) -> None:
    """Refuse unless `actor` administers some union (the operation then checks which)."""
    if actor is not None and not unions.holds_somewhere(actor, ADMIN_ROLES):
        raise PermissionDenied(NOT_ADMIN)


def union_named(union_id, field: str, tree: unions.Tree) -> int | None:
    """The stored key of the union `union_id` names (None: the root), or 422 naming `field`."""
    if union_id is None:
        return None
    if not tree.is_union(union_id):
        raise InvalidPayload({field: message(NO_UNION)})
    return tree.key(union_id)


def unit_union(unit: OrgUnit, tree: unions.Tree | None = None) -> int | None:
    """The union whose administrators administer `unit`: for a grassroots union the union above it (as
    for creating it), for a delegation or department the union it lies in."""
    tree = tree or unions.current()
    if unit.kind in ("union", "grassroots"):
        return tree.parent.get(tree.key(unit.id)) if unit.kind == "grassroots" else None
    return tree.union_of_unit(unit.parent_id)


def person_union(department_id: int | None, delegation_id: int | None, tree: unions.Tree | None = None) -> int | None:
    """The union of a person with these units (as unions.home_union: the delegation's, else the department's)."""
    tree = tree or unions.current()
    unit_id = delegation_id if delegation_id is not None else department_id
    return tree.union_of_unit(unit_id)


def authorize_person(actor: User | None, user: User, tree: unions.Tree | None = None) -> None:
    """Refuse unless `actor` administers the union `user` belongs to."""
    tree = tree or unions.current()
    authorize(actor, person_union(user.department_id, user.delegation_id, tree), tree)


def authorize_roles(actor: User | None, before: tuple, after: tuple, tree: unions.Tree | None = None) -> None:
    """Refuse unless `actor` may make this change of roles: (root role names, {(role, union id)}) before and
    after. A company role other than those that follow a unit (worker, department liaison, delegation
    head) is given or taken by the company union's administrators; a role held in a union, by that union's."""
    if actor is None:
        return
    tree = tree or unions.current()
    changed = set(before[0]) ^ set(after[0])
    if changed - UNIT_ROLES and not actor.has_role(*ADMIN_ROLES):
        raise PermissionDenied(NOT_GROUP_ADMIN)
    for _role, union_id in set(before[1]) ^ set(after[1]):
        authorize(actor, tree.key(union_id), tree)
