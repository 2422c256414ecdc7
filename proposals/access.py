"""Who may see what: the one set of visibility predicates used by pages, API, exports and operations.

Firing rights are the engine's (workflow.predicates.WHO); these decide whether a proposal exists at
all for a user (a proposal one may not see answers 404, never a hint) and whether its author's
identity may be shown. tests/test_authorization_matrix.py walks every route against them.

A proposal never submitted (a draft, or a draft withdrawn before submission) is its author's alone.
"""

from sqlalchemy import and_, exists, false, or_, select, true

from workflow import LIFECYCLE, ROLES

from . import unions
from .models import Assignment, Cosignature, Proposal, User

PUBLIC_STATES = LIFECYCLE.tagged("public")

# who may open each area that is not about one proposal (pages and API alike; anyone else gets 403)
OVERSIGHT_ROLES = ("committee", "union_admin", "supervisor", "leader")  # dashboard, reports, ledger
# the review page: the roles the engine lets decide a review (accept, convert, reject, merge, send back)
REVIEW_EVENTS = ("accept", "convert", "reject", "merge", "send_back")
REVIEW_ROLES = tuple(sorted({who for e in REVIEW_EVENTS for who in LIFECYCLE.event(e).who if who in ROLES}))
ADMIN_ROLES = ("union_admin",)  # administration pages, imports, the API's reference-data writes


def can_view(user: User | None, proposal: Proposal) -> bool:
    """Whether `user` may know this proposal exists.

    In a group of unions (proposals/unions.py) the oversight a role gives reads its union and the unions
    below it, the public results are read in one's own union and those above it (every union's when the
    group shares them), and a delegate reads what awaits co-signatures in the congress they sit in."""
    if user is None:
        return False
    if proposal.author_id == user.id:
        return True
    if proposal.state == "draft" or proposal.submitted_at is None:
        return False
    tree = unions.current()
    key = proposal.session.union_id
    overseen = unions.scope_of(user, OVERSIGHT_ROLES, tree)
    if key in overseen:
        return True
    origin = proposal.escalated_from_session  # the grassroots union follows what it escalated
    if origin is not None and origin.union_id in overseen:
        return True
    if proposal.state in PUBLIC_STATES and key in unions.public_reach(user, tree):
        return True
    if proposal.state == "cosigning" and key in unions.holding(user, "delegate"):
        return True
    if user.has_role("delegation_head") and user.delegation_id and user.delegation_id == proposal.delegation_id:
        return True
    if any(c.user_id == user.id for c in proposal.cosignatures):
        return True
    return bool(
        user.has_role("department_handler")
        and user.department_id
        and any(a.department_id == user.department_id for a in proposal.assignments)
    )


def visible_filter(user: User):
    """The SQL condition equivalent to can_view(user, proposal), for lists and counts."""
    tree = unions.current()
    own = Proposal.author_id == user.id
    submitted = and_(Proposal.state != "draft", Proposal.submitted_at.is_not(None))
    overseen = unions.scope_of(user, OVERSIGHT_ROLES, tree)
    if overseen >= tree.keys():
        return or_(own, submitted)
    clauses = [own, and_(Proposal.state.in_(PUBLIC_STATES), unions.sessions_in(unions.public_reach(user, tree), tree))]
    if overseen:
        clauses.append(and_(submitted, unions.sessions_in(overseen, tree)))
        escalated = unions.sessions_in(overseen, tree, Proposal.escalated_from_session_id)
        clauses.append(and_(submitted, escalated))
    delegate_in = unions.holding(user, "delegate")
    if delegate_in:
        clauses.append(and_(Proposal.state == "cosigning", unions.sessions_in(delegate_in, tree)))
    if user.has_role("delegation_head") and user.delegation_id:
        clauses.append(and_(submitted, Proposal.delegation_id == user.delegation_id))
    clauses.append(
        and_(
            submitted,
            exists(
                select(Cosignature.id).where(
                    Cosignature.proposal_id == Proposal.id,
                    Cosignature.user_id == user.id,
                    Cosignature.ended_at.is_(None),
                )
            ),
        )
    )

    if user.has_role("department_handler") and user.department_id:
        clauses.append(
            and_(
                submitted,
                exists(
                    select(Assignment.id).where(
                        Assignment.proposal_id == Proposal.id, Assignment.department_id == user.department_id
                    )
                ),
            )
        )
    return or_(*clauses) if clauses else false()


# who follows handling from the inside (besides the assigned departments): the committee that assigned
# it, the supervisors who urge it and the union administrators
HANDLING_ROLES = ("committee", "supervisor", "union_admin")
# the kinds of handling record a history row may be (each event's is in operations/register.py)
PROGRESS, INTERNAL = "progress", "internal"


def can_see_handling(user: User | None, proposal: Proposal, record: str = INTERNAL) -> bool:
    """Whether `user` may see `proposal`'s handling records of this kind.

    Disclosure (企务公开) shows everyone the proposal, its released reply, the reply's class and the
    ratings; beyond that, PROGRESS (the progress notes) is also for the author and the co-signers, who
    follow their proposal, and INTERNAL (countersign comments, reasons for returning an assignment,
    the names of the handling staff) is for the assigned departments, the committee, supervisors and
    union administrators only. Whoever may not view the proposal sees none of it."""
    if user is None or not can_view(user, proposal):
        return False
    if unions.holds(user, HANDLING_ROLES, proposal.session.union_id):
        return True
    if proposal.key and proposal.key_leader_id is not None and user.id == proposal.key_leader_id:
        return True  # the leader in charge of a key proposal (领导领办) follows its handling
    if (
        user.has_role("department_handler")
        and user.department_id
        and any(a.department_id == user.department_id for a in proposal.active_assignments)
    ):  # assigned now: a department that returned its assignment no longer follows the handling
        return True
    if record == PROGRESS:
        return (
            user.id == proposal.author_id
            or any(c.user_id == user.id for c in proposal.cosignatures)
            or any(m.author_id == user.id for m in proposal.merged_from)  # co-authors follow it as co-signers do
        )
    return False


def can_see_author(user: User | None, proposal: Proposal) -> bool:
    """Confidential authors are hidden from everyone but themselves, the committee, the union staff and
    their delegation head; departments and public pages never see them."""
    if not proposal.confidential:
        return True
    if user is None:
        return False
    if user.id == proposal.author_id or unions.holds(user, ("committee", "union_admin"), proposal.session.union_id):
        return True
    return bool(
        user.has_role("delegation_head") and user.delegation_id and user.delegation_id == proposal.delegation_id
    )


def author_visible_filter(user: User):
    """The SQL condition equivalent to can_see_author(user, proposal): what may be grouped or filtered
    by the author's delegation without unmasking a confidential author."""
    if user.has_role("committee", "union_admin"):
        return true()
    clauses = [Proposal.confidential.is_(False), Proposal.author_id == user.id]
    if user.has_role("delegation_head") and user.delegation_id:
        clauses.append(Proposal.delegation_id == user.delegation_id)
    return or_(*clauses)


# -- the dialogue on a proposal (留言/沟通) ------------------------------------------------------------
# open from acceptance until closure: the states from "accepted" on the main way up to, not including,
# "closed" (what is closed keeps its messages, to be read, but takes no new one)
DIALOGUE_STATES = tuple(s for s in LIFECYCLE.or_later("accepted") if s not in LIFECYCLE.or_later("closed"))
# who speaks for the handling side besides the assigned departments
DIALOGUE_ROLES = ("committee", "supervisor")


def dialogue_side(user: User | None, proposal: Proposal) -> str | None:
    """The side `user` takes part in the proposal's dialogue on: "author" (the author and the co-signers),
    "handling" (a handler of a department assigned now, the committee, a supervisor), or None: not a
    participant. Whether they may write now also depends on the state (DIALOGUE_STATES)."""
    if user is None or getattr(user, "id", None) is None:
        return None
    if user.id == proposal.author_id or any(c.user_id == user.id for c in proposal.cosignatures):
        return "author"
    if user.has_role(*DIALOGUE_ROLES) or assigned_department_of(user, proposal) is not None:
        return "handling"
    return None


def assigned_department_of(user: User, proposal: Proposal) -> int | None:
    """The department `user` handles `proposal` for (an active assignment of it), or None."""
    if user.has_role("department_handler") and user.department_id:
        if any(a.department_id == user.department_id for a in proposal.active_assignments):
            return user.department_id
    return None


def can_read_messages(user: User | None, proposal: Proposal) -> bool:
    """Whether `user` may read the proposal's dialogue: the one read predicate (can_view), and a part in it.
    Pages, the API, notifications and the own-data download all ask this."""
    return user is not None and can_view(user, proposal) and dialogue_side(user, proposal) is not None


__all__ = [
    "PUBLIC_STATES",
    "OVERSIGHT_ROLES",
    "REVIEW_ROLES",
    "ADMIN_ROLES",
    "can_view",
    "visible_filter",
    "can_see_author",
    "author_visible_filter",
    "HANDLING_ROLES",
    "PROGRESS",
    "INTERNAL",
    "can_see_handling",
    "DIALOGUE_STATES",
    "DIALOGUE_ROLES",
    "dialogue_side",
    "assigned_department_of",
    "can_read_messages",
]
