"""What an import's rows may name, by who imports: the company union's administrators (and the command line)
anything; a grassroots union's administrators only what lies in their union or the unions below it (its units,
its sessions, its people, the roles held there), as the administration operations allow them
(proposals/operations/unions.py). A row naming anything beyond is a problem of that row, so the file is refused
whole and nothing is written, rather than the operation refusing midway."""

from workflow.errors import N_

from .. import unions
from ..access import ADMIN_ROLES
from ..models import UNION_KINDS, User
from ..models.org import UNIT_ROLES
from ..operations.unions import NOT_GROUP_ADMIN

UNIT_BEYOND = N_("The unit %(code)s lies in a union you do not administer.")
NEW_UNIT_BEYOND = N_("No unit of the unions you administer has the code %(code)s; create it on the units page first.")
PERSON_BEYOND = N_("This user belongs to a union you do not administer.")
NO_UNIT_THERE = N_("Give a delegation or a department of a union you administer.")
UNION_BEYOND = N_("The union %(code)s is not one you administer.")
NO_SUCH_UNION = N_("No union has the code %(code)s.")
SESSION_BEYOND = N_("This session belongs to a union you do not administer.")
AUTHOR_BEYOND = N_("%(name)s belongs to a union you do not administer.")


class Reach:
    """The unions `actor` may import into (every one for the company's administrators and the system, None)."""

    def __init__(self, actor: User | None):
        self.tree = unions.current()
        self.everything = actor is None or actor.has_role(*ADMIN_ROLES)
        self.scope = self.tree.keys() if self.everything else unions.scope_of(actor, ADMIN_ROLES, self.tree)

    def union(self, key: int | None) -> bool:
        return self.everything or self.tree.key(key) in self.scope

    def unit(self, unit_id: int | None) -> bool:
        """Whether the unit lies in a union reached (None, no unit: the root's)."""
        return self.everything or self.tree.union_of_unit(unit_id) in self.scope

    def person(self, department_id: int | None, delegation_id: int | None) -> bool:
        """Whether a person with these units belongs to a union reached (as unions.home_union)."""
        return self.unit(delegation_id if delegation_id is not None else department_id)

    def role_changes(self, before: tuple, after: tuple) -> list[tuple[str, dict | None]]:
        """The problems (msgid, params) of a change of roles, (root roles, {(role, union id)}) before and
        after, as operations/unions.authorize_roles refuses it."""
        if self.everything:
            return []
        found: list[tuple[str, dict | None]] = []
        if (set(before[0]) ^ set(after[0])) - UNIT_ROLES:
            found.append((NOT_GROUP_ADMIN, None))
        for union_id in sorted({u for _, u in set(before[1]) ^ set(after[1])}):
            if not self.union(union_id):
                found.append((UNION_BEYOND, {"code": self.tree.units[union_id].code}))
        return found

    def union_codes(self) -> dict[str, int]:
        """The union units by code (for the roles written `role@CODE`)."""
        return {u.code: u.id for u in self.tree.units.values() if u.kind in UNION_KINDS}
