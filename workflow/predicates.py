"""Named pure predicates the lifecycle definition refers to.

`WHO` answers "is this actor one of the people this event is for?"; `CONDITIONS` choose between
the destinations of one event; `REQUIREMENTS` refuse an event the state of things does not allow
yet, each with the message shown to the actor. Every function returns a real bool.
"""

from collections.abc import Callable

from .errors import N_
from .facts import SYSTEM, Actor, Facts, Settings


def _is_author(a: Actor, f: Facts) -> bool:
    return a.id is not None and a.id == f.author_id


def _has(role: str) -> Callable[[Actor, Facts], bool]:
    def check(a: Actor, f: Facts) -> bool:
        return role in a.roles

    check.__name__ = role
    return check


def _assigned(a: Actor, f: Facts) -> bool:
    return (
        "department_handler" in a.roles
        and a.department_id is not None
        and (a.department_id == f.lead_department_id or a.department_id in f.cohandler_department_ids)
    )


def _lead_handler(a: Actor, f: Facts) -> bool:
    return "department_handler" in a.roles and a.department_id is not None and a.department_id == f.lead_department_id


def _cohandler(a: Actor, f: Facts) -> bool:
    return (
        "department_handler" in a.roles
        and a.department_id is not None
        and a.department_id in f.cohandler_department_ids
    )


def _head(a: Actor, f: Facts) -> bool:
    return "delegation_head" in a.roles and a.delegation_id is not None and a.delegation_id == f.delegation_id


def _key_leader(a: Actor, f: Facts) -> bool:
    return f.key and a.id is not None and a.id == f.key_leader_id


WHO: dict[str, Callable[[Actor, Facts], bool]] = {
    "author": _is_author,
    "delegate_other_than_author": lambda a, f: "delegate" in a.roles and not _is_author(a, f),
    "head_of_authors_delegation": _head,
    "committee": _has("committee"),
    "supervisor": _has("supervisor"),
    "key_leader": _key_leader,
    "union_admin": _has("union_admin"),
    "assigned_handler": _assigned,
    "lead_handler": _lead_handler,
    "cohandler": _cohandler,
    # the co-authors (authors of the proposals merged into it) rate like co-signers
    "author_or_cosigner": lambda a, f: (
        _is_author(a, f) or (a.id is not None and (a.id in f.cosigner_ids or a.id in f.coauthor_ids))
    ),
    SYSTEM: _has(SYSTEM),
}


def _cosigners_after(f: Facts, event: str) -> int:
    if event == "submit":  # a (re)submission starts co-signing again: earlier co-signatures signed another text
        return 0
    return len(f.cosigner_ids) + (1 if event == "cosign" else 0)


CONDITIONS: dict[str, Callable[[Facts, Actor, Settings, dict, str], bool]] = {
    # true when the co-signatures (counting the one being added) reach the session's threshold
    "enough_cosigners": lambda f, a, s, p, e: _cosigners_after(f, e) >= s.min_cosigners,
    # pre-review is on, and there is a delegation head to do it: otherwise it goes straight to the committee
    "delegation_review_on": lambda f, a, s, p, e: bool(s.delegation_review) and f.delegation_has_head,
    "actor_is_lead": lambda f, a, s, p, e: _lead_handler(a, f),
    "actor_is_author": lambda f, a, s, p, e: _is_author(a, f),
    "rated_unsatisfied": lambda f, a, s, p, e: p.get("rating") == "unsatisfied",
    "rehandle_left": lambda f, a, s, p, e: f.rehandle_round < s.max_rehandle,
}

REQUIREMENTS: dict[str, tuple[Callable[[Facts, Actor, Settings], bool], str]] = {
    "session_open": (
        lambda f, a, s: bool(s.session_open),
        N_("This session no longer takes proposals."),
    ),
    "not_yet_cosigned": (
        lambda f, a, s: a.id not in f.cosigner_ids,
        N_("You have already co-signed this proposal."),
    ),
    "own_assignment_unacknowledged": (
        lambda f, a, s: a.department_id not in f.acknowledged_department_ids,
        N_("Your department has already acknowledged this assignment."),
    ),
    "not_yet_countersigned": (
        lambda f, a, s: a.department_id not in f.countersigned_department_ids,
        N_("Your department has already countersigned this reply."),
    ),
    "all_countersigned": (
        lambda f, a, s: f.cohandler_department_ids <= f.countersigned_department_ids,
        N_("Every co-handling department must countersign before the reply is sent."),
    ),
    "not_yet_evaluated": (
        lambda f, a, s: a.id not in f.evaluator_ids,
        N_("You have already rated this reply."),
    ),
    "not_yet_extended": (
        lambda f, a, s: not f.extended,
        N_("The deadline has already been extended once."),
    ),
    # in delegation review the head acts; the committee only once the head's working days have passed
    "head_or_prereview_overdue": (
        lambda f, a, s: f.state != "delegation_review" or _head(a, f) or f.prereview_waited > s.delegation_review_days,
        N_("The delegation head is still within the working days for pre-review; the committee can act after that."),
    ),
    "not_key": (lambda f, a, s: not f.key, N_("This is already a key proposal.")),
    "is_key": (lambda f, a, s: f.key, N_("This is not a key proposal.")),
    "too_few_cosigners": (
        lambda f, a, s: len(f.cosigner_ids) < s.min_cosigners,
        N_("The proposal already has enough co-signers."),
    ),
}
