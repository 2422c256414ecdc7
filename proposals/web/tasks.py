"""My tasks (待办): the home page. What awaits the user in each of their roles, counted, with the first
few items and a link to the whole list.

Which proposals await whom is proposals.queries.TASKS (the engine's events, in SQL); this page only
chooses which groups a user's roles make relevant and how they read.
"""

from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from workflow import ROLES
from workflow.errors import N_

from .. import unions
from ..extensions import db
from ..models import CongressSession
from ..operations.votes import is_voter
from ..queries import TASKS, Filters, Page, count_each, list_page, sessions_voting
from ..reasons import of_proposals
from ..stats import local_today
from . import NavItem
from .lists import marks

bp = Blueprint("tasks", __name__)
NAV = [NavItem("tasks.index", N_("My tasks"), order=10)]

SHOWN = 5  # items listed under each group; the link leads to the rest
# roles whose holders have nothing to handle: one holding only these and `leader` reads the dashboard
LOOKING_ON = frozenset({"leader", "worker"})


def landing(user) -> str:
    """The endpoint a user lands on after login and on "/": the dashboard for a leader with no other duty
    (reading the figures is the whole work), the task list for everyone else."""
    if user.is_authenticated and unions.holds_somewhere(user, ("leader",)) and held_anywhere(user) <= LOOKING_ON:
        return "dashboard.index"
    return "tasks.index"


def held_anywhere(user) -> frozenset[str]:
    """Every role the user holds, in the company union or a grassroots one."""
    return user.roles | {r.role for r in user.union_role_rows}


@dataclass(frozen=True)
class Group:
    name: str
    count: int
    page: Page

    @property
    def label(self) -> str:
        return TASKS[self.name].label

    @property
    def hint(self) -> str | None:
        return TASKS[self.name].hint

    @property
    def url(self) -> str:
        return url_for("lists.index", task=self.name, sort=TASKS[self.name].sort)


def relevant(name: str, user, delegation_review_on: bool, approving: frozenset[str] = frozenset()) -> bool:
    """Whether the user's roles give them this kind of task, so that its group shows even when empty
    (groups open to everyone, such as drafts, show only when they have something). `approving`: the
    roles that approve the replies of an open session (its reply_approval)."""
    task = TASKS[name]
    if not task.roles or not unions.holds_somewhere(user, task.roles):
        return False
    if name == "cosign_invited":  # shown when someone invited them (else their co-signing is the next group)
        return False
    if name == "forward":
        return bool(user.delegation_id) and delegation_review_on
    if name == "approve_reply":
        return bool(approving & held_anywhere(user))
    if "department_handler" in task.roles:
        return user.department_id is not None
    return True


@bp.get("/")
def index():
    """Show what awaits the user: each group with its count, its first items and a link to all of them."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path if request.args else None))
    if landing(current_user) != "tasks.index":
        return redirect(url_for(landing(current_user)))
    today = local_today()
    counts = count_each(current_user, {name: Filters(task=name) for name in TASKS}, today)
    review_on = db.session.scalar(
        select(CongressSession.id).where(CongressSession.is_open, CongressSession.delegation_review).limit(1)
    )
    approving = frozenset(db.session.scalars(select(CongressSession.reply_approval).where(CongressSession.is_open)))
    groups = []
    for name in TASKS:
        if not (counts[name] or relevant(name, current_user, review_on is not None, approving)):
            continue
        page = Page([])
        if counts[name]:
            page = list_page(current_user, Filters(task=name), TASKS[name].sort, limit=SHOWN, today=today)
        groups.append(Group(name, counts[name], page))
    shown = [item for g in groups for item in g.page.items]
    voting = sessions_voting(today) if is_voter(current_user) else []
    return render_template(
        "tasks/index.html",
        groups=groups,
        marks=marks(Page(shown, overdue=frozenset().union(*(g.page.overdue for g in groups))), today),
        voting=voting,
        votes_url=url_for("votes.index"),
        roles=[r for r in ROLES if r in held_anywhere(current_user)],
        waiting=sum(g.count for g in groups),
        reasons=of_proposals(current_user, shown),
    )
