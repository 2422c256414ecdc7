"""The group's figures (两级工会): every union's rates side by side, ranked, with drill-down into one union and
its sessions' trend, over the unions the caller oversees.

GET /api/v1/stats/unions and the group dashboard (/dashboard/unions) both ask `group_figures`; the figures
themselves are stats.report's (its by_union and by_session breakdowns, stats.session_figures), never counted
again here.
"""

from sqlalchemy import select

from workflow import PermissionDenied
from workflow.errors import N_

from . import stats, unions
from .access import OVERSIGHT_ROLES
from .extensions import db
from .models import CongressSession, User
from .operations import NotFound

# what the group's figures rank the unions by (the dashboard's three)
UNION_RANKS = ("closure_rate", "on_time_rate", "satisfaction_rate")
NOT_OVERSEEN = N_("Only the committee, union staff, supervisors and leaders of a union see its figures.")


def overseen(user: User, tree: unions.Tree | None = None) -> unions.Scope:
    """The unions whose figures `user` reads: where they hold an oversight role, and those below."""
    return unions.scope_of(user, OVERSIGHT_ROLES, tree or unions.current())


def chosen_union(user: User, union_id: int | None, tree: unions.Tree | None = None) -> int | None:
    """The stored key of the union asked for, checked: NotFound for no union, PermissionDenied for one the
    caller does not oversee. None asks for none (and is returned as None too: check `union_id` first)."""
    tree = tree or unions.current()
    if union_id is None:
        return None
    if not tree.is_union(union_id):
        raise NotFound(N_("No such union."))
    if tree.key(union_id) not in overseen(user, tree):
        raise PermissionDenied(NOT_OVERSEEN)
    return tree.key(union_id)


def group_figures(user: User, *, union_id: int | None = None, rank: str = UNION_RANKS[0]) -> dict:
    """Every union's figures (its sessions' together), ranked best first by `rank`; with `union_id`, that
    union and those below it, and its sessions' figures, the earliest first (drill-down). `trends`: each
    union's sessions, the earliest first. Refused (PermissionDenied) to whoever oversees no union."""
    tree = unions.current()
    scope = overseen(user, tree)
    if not scope:
        raise PermissionDenied(NOT_OVERSEEN)
    key = chosen_union(user, union_id, tree)
    if union_id is not None:
        scope = tree.below(key)
    figures = stats.session_figures(user=user)
    rows = [r for r in figures["by_union"] if tree.key(r["union_id"]) in scope]
    union_of = dict(db.session.execute(select(CongressSession.id, CongressSession.union_id)).all())
    trends: dict[int | None, list[dict]] = {}
    for row in stats.in_order(figures["by_session"]):
        trends.setdefault(tree.public_id(tree.key(union_of.get(row["session_id"]))), []).append(row)
    body = {
        "rank": rank,
        "unions": stats.ranked(rows, rank),
        "trends": {r["union_id"]: trends.get(r["union_id"], []) for r in rows},
    }
    if union_id is not None:
        body["sessions"] = trends.get(tree.public_id(key), [])
    return body
