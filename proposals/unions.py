"""The group of unions (两级工会): the company union at the root and the grassroots unions below it, each
holding its own congress.

How the group is stored, in one place:
- a union is an org unit of kind `union` (the root: one, without a parent) or `grassroots` (below the
  root or below another grassroots union);
- a session's `union_id` and a role's union name the union; None (null) is the root: what every session
  and role was before there was a group, and what a single union never needs to think about. The root's
  own id, when named, is stored as None, so a union has one spelling;
- a person's own union (their home) is the union their delegation or department lies in, walking up the
  units, else the root.

The scope rules (proposals/access.py and the operations apply them): a role held in a union counts for
that union's sessions; the oversight a role gives reads that union and the unions below it; a union's
administrators administer it and the unions below it, never a sibling.
"""

from dataclasses import dataclass, field

from sqlalchemy import event, false, or_, select, true
from sqlalchemy.orm import Session

from .extensions import db
from .models import UNION_KINDS, CongressSession, OrgUnit, Proposal, User

Scope = frozenset  # a set of union ids as stored (None: the root)

# the roles a union's congress gives (the others follow a unit: models.org.UNIT_ROLES)
SCOPED_ROLES = ("committee", "union_admin", "supervisor", "leader", "delegate")


@dataclass
class Tree:
    """The unions of the group, read once: parents and children by id (the root's id is kept as None)."""

    root: OrgUnit | None
    units: dict[int, OrgUnit]
    parent: dict[int | None, int | None] = field(default_factory=dict)
    children: dict[int | None, list[int]] = field(default_factory=dict)  # each union's, by code
    _unit_unions: dict[int, int | None] | None = field(default=None, repr=False)

    @classmethod
    def load(cls) -> "Tree":
        rows = db.session.scalars(select(OrgUnit).where(OrgUnit.kind.in_(UNION_KINDS)).order_by(OrgUnit.id)).all()
        root = next((u for u in rows if u.kind == "union" and u.parent_id is None), None)
        tree = cls(root=root, units={u.id: u for u in rows})
        for unit in sorted(rows, key=lambda u: u.code):
            if unit is not root:
                tree.parent[unit.id] = tree.key(unit.parent_id)
                tree.children.setdefault(tree.parent[unit.id], []).append(unit.id)
        return tree

    def key(self, union_id: int | None) -> int | None:
        """The stored spelling of a union's id: None for the root."""
        return None if union_id is None or (self.root is not None and union_id == self.root.id) else union_id

    def public_id(self, key: int | None) -> int | None:
        """The id the API shows for a stored union id (the root's own id, or None on an install without one)."""
        if key is None:
            return self.root.id if self.root is not None else None
        return key

    def is_union(self, union_id) -> bool:
        return union_id in self.units

    def above(self, key: int | None) -> list[int | None]:
        """`key` and every union above it, nearest first, ending at the root (None)."""
        chain = [key]
        while chain[-1] is not None:
            chain.append(self.parent.get(chain[-1]))
        return chain

    def below(self, key: int | None) -> Scope:
        """`key` and every union below it."""
        found, todo = {key}, [key]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return Scope(found)

    def union_of_unit(self, unit_id: int | None) -> int | None:
        """The union a unit lies in, as stored: the unit itself when it is a union, else the nearest union
        above it; None (the root) for none, or a unit under no union."""
        return None if unit_id is None else self._units().get(unit_id)

    def units_in(self, scope: Scope) -> list[int]:
        """The ids of every unit (delegations, departments, unions) lying in one of these unions."""
        return [unit for unit, union in self._units().items() if union in scope]

    def _units(self) -> dict[int, int | None]:
        """Every unit's union, read on first use (the units are few: hundreds, not the people)."""
        if self._unit_unions is None:
            rows = db.session.execute(select(OrgUnit.id, OrgUnit.parent_id)).all()
            parents = {row.id: row.parent_id for row in rows}
            found: dict[int, int | None] = {}
            for row in rows:
                here = row.id
                while here is not None and here not in self.units and here not in found:
                    here = parents.get(here)
                found[row.id] = found[here] if here in found else self.key(here)
            self._unit_unions = found
        return self._unit_unions

    def siblings_shared(self) -> bool:
        return bool(self.root is not None and self.root.share_public_results)

    def keys(self) -> Scope:
        """Every union, as stored (the root as None, even on an install that has no root unit yet)."""
        return Scope({None, *self.parent})

    def ordered(self) -> list[OrgUnit]:
        """The unions depth first from the root, each one's children by code."""
        out: list[OrgUnit] = []

        def walk(key):
            if key is None:
                if self.root is not None:
                    out.append(self.root)
            else:
                out.append(self.units[key])
            for child in self.children.get(key, ()):
                walk(child)

        walk(None)
        return out


def current() -> Tree:
    """The group's tree, read once per transaction (a commit or rollback forgets it: a union added is seen)."""
    info = db.session.info
    if "union_tree" not in info:
        info["union_tree"] = Tree.load()
    return info["union_tree"]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop("union_tree", None)


def home_union(user: User, tree: Tree | None = None) -> int | None:
    """The union a person belongs to: the one their delegation, else their department, lies in (None: the
    root). A unit's union is the nearest unit of a union kind above it."""
    tree = tree or current()
    for unit in (user.delegation, user.department):
        while unit is not None:
            if unit.kind in UNION_KINDS:
                return tree.key(unit.id)
            unit = unit.parent
    return None


def holds(user: User, roles, key: int | None, tree: Tree | None = None, *, above: bool = True) -> bool:
    """Whether `user` holds one of `roles` in the union `key`, or (with `above`) in a union above it."""
    tree = tree or current()
    for union in tree.above(key) if above else [key]:
        if user.roles_in(union).intersection(roles):
            return True
    return False


def holds_somewhere(user: User, roles) -> bool:
    """Whether `user` holds one of `roles` in any union, the company's or a grassroots one: the gate of the
    pages and files those roles open (what they then show is scoped: scope_of, access.visible_filter)."""
    return bool(user.roles.intersection(roles)) or any(r.role in roles for r in user.union_role_rows)


def scope_of(user: User, roles, tree: Tree | None = None) -> Scope:
    """The unions where `user`'s holding one of `roles` reaches: each union they hold one in and the unions
    below it."""
    tree = tree or current()
    found: set[int | None] = set()
    held = ([None] if user.roles.intersection(roles) else []) + [
        r.union_id for r in user.union_role_rows if r.role in roles
    ]
    for key in held:
        found |= tree.below(tree.key(key))
    return Scope(found)


def parent_open_session(session: CongressSession, tree: Tree | None = None) -> CongressSession | None:
    """The open session of the union above `session`'s (the newest, if several), where a proposal is
    escalated to; None at the root, or when the union above holds no open session."""
    tree = tree or current()
    if session.union_id is None:
        return None
    parent = tree.parent.get(tree.key(session.union_id))
    union = CongressSession.union_id.is_(None) if parent is None else CongressSession.union_id == parent
    return db.session.scalar(
        select(CongressSession).where(union, CongressSession.is_open).order_by(CongressSession.id.desc()).limit(1)
    )


def may_handle(session: CongressSession, department_ids, tree: Tree | None = None) -> bool:
    """Whether these departments may handle a proposal of `session`: the departments of its own union and
    of the unions above it, up to the company's functional departments (a sibling's never)."""
    tree = tree or current()
    if not tree.parent:  # a single union: every department is the company's
        return True
    allowed = set(tree.above(tree.key(session.union_id)))
    return all(tree.union_of_unit(d) in allowed for d in department_ids)


def public_reach(user: User, tree: Tree | None = None) -> Scope:
    """The unions whose public results `user` sees: their own and those above it, every union they hold a
    role in and those above it; every union when the group shares its public results among siblings."""
    tree = tree or current()
    if tree.siblings_shared():
        return tree.keys()
    found = set(tree.above(home_union(user, tree)))
    for row in user.union_role_rows:
        found |= set(tree.above(tree.key(row.union_id)))
    return Scope(found)


def holding(user: User, role: str) -> Scope:
    """The unions `user` holds `role` in (exactly: not those below)."""
    found = {None} if role in user.roles else set()
    return Scope(found | {r.union_id for r in user.union_role_rows if r.role == role})


def sessions_in(scope: Scope, tree: Tree | None = None, column=None):
    """The SQL condition "the proposal's session (or `column`'s) is one of these unions'" (true() when they
    are all and `column` is the proposal's session)."""
    tree = tree or current()
    column = Proposal.session_id if column is None else column
    if scope >= tree.keys() and column is Proposal.session_id:
        return true()
    if not scope:
        return false()
    ids = [k for k in scope if k is not None]
    where = CongressSession.union_id.in_(ids) if ids else false()
    if None in scope:
        where = or_(where, CongressSession.union_id.is_(None))
    return column.in_(select(CongressSession.id).where(where))


__all__ = [
    "SCOPED_ROLES",
    "Tree",
    "Scope",
    "current",
    "home_union",
    "holds",
    "scope_of",
    "public_reach",
    "holding",
    "sessions_in",
    "parent_open_session",
]
