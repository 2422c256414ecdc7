"""Named pure predicates the lifecycle definition refers to.

`WHO` answers "is this actor one of the people this event is for?"; `CONDITIONS` choose between
the destinations of one event (and whether an event's conditional effects happen); `PERMITS` refuse
an actor whom the session's rules do not let fire the event (a permission refusal, with the message
shown to the actor); `REQUIREMENTS` refuse an event the state of things does not allow yet, each with
the message shown to the actor. Every function returns a real bool.
"""

import math
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


def _cosigner_delegations_after(f: Facts, a: Actor, event: str) -> tuple[int | None, ...]:
    """Each co-signer's delegation, counting the one being added (none on a (re)submission: co-signing starts
    again, the earlier co-signatures signed another text)."""
    if event == "submit":
        return ()
    return f.cosigner_delegation_ids + ((a.delegation_id,) if event == "cosign" else ())


def delegation_needed(f: Facts, s: Settings) -> int:
    """How many of its delegation's delegates (its head excluded) must co-sign a delegation proposal."""
    return math.ceil(round(s.delegation_share * f.delegation_delegates, 6))


def _enough(f: Facts, a: Actor, s: Settings, event: str) -> bool:
    """Whether the co-signatures (counting the one being added) let the proposal move on by itself: for a
    delegation proposal, the share of its delegation; else the session's number, from enough delegations."""
    delegations = _cosigner_delegations_after(f, a, event)
    if f.delegation_proposal:
        own = sum(1 for d in delegations if d is not None and d == f.delegation_id)
        return own >= delegation_needed(f, s)
    count = 0 if event == "submit" else len(f.cosigner_ids) + (1 if event == "cosign" else 0)
    distinct = {d for d in delegations if d is not None}
    return count >= s.min_cosigners and len(distinct) >= s.min_cosigner_delegations


def _late(f: Facts, s: Settings) -> bool:
    """A first submission after the collection window (a resubmission after send-back never is)."""
    return bool(s.collection_over) and not f.submitted_before


CONDITIONS: dict[str, Callable[[Facts, Actor, Settings, dict, str], bool]] = {
    # true when the co-signatures (counting the one being added) reach the session's threshold
    "enough_cosigners": lambda f, a, s, p, e: _enough(f, a, s, e),
    # a late submission the session takes as a suggestion (建议)
    "late_as_suggestion": lambda f, a, s, p, e: _late(f, s) and s.late_submissions == "suggestion",
    # pre-review is on, and there is a delegation head to do it: otherwise it goes straight to the committee
    "delegation_review_on": lambda f, a, s, p, e: bool(s.delegation_review) and f.delegation_has_head,
    "actor_is_lead": lambda f, a, s, p, e: _lead_handler(a, f),
    "actor_is_author": lambda f, a, s, p, e: _is_author(a, f),
    "rated_unsatisfied": lambda f, a, s, p, e: p.get("rating") == "unsatisfied",
    "rehandle_left": lambda f, a, s, p, e: f.unsatisfied_rounds < s.max_rehandle,
    # the reply: a draft while co-handlers countersign it or the approver has still to approve it
    "has_cohandlers": lambda f, a, s, p, e: bool(f.cohandler_department_ids),
    "approval_on": lambda f, a, s, p, e: s.reply_approval != "none",
    "disagrees": lambda f, a, s, p, e: p.get("agree") is False,
    # this countersignature is the last one the draft waits for
    "completes_countersigning": lambda f, a, s, p, e: (
        f.cohandler_department_ids - {a.department_id} <= f.countersigned_department_ids
    ),
}

# what a session's settings switch on: a payload field an event asks for only where its switch is on (`asked_if`)
SWITCHES: dict[str, Callable[[Settings], bool]] = {
    # the department's attitude (办理态度) rated beside the result of the handling (办理结果)
    "two_axis_rating": lambda s: bool(s.two_axis_rating),
}

PERMITS: dict[str, tuple[Callable[[Facts, Actor, Settings], bool], str]] = {
    "may_propose": (
        lambda f, a, s: s.proposers != "delegates" or "delegate" in a.roles,
        N_("Only delegates may submit proposals to this session; you may keep your draft."),
    ),
    "reply_approver": (
        lambda f, a, s: s.reply_approval in a.roles,
        N_("This session's replies are approved by another role."),
    ),
    "delegation_head_for_delegation": (
        lambda f, a, s: (
            not f.delegation_proposal
            or ("delegation_head" in a.roles and a.delegation_id is not None and a.delegation_id == f.delegation_id)
        ),
        N_("Only the head of the delegation may submit a delegation proposal."),
    ),
}

REQUIREMENTS: dict[str, tuple[Callable[[Facts, Actor, Settings], bool], str]] = {
    "parent_session_open": (
        lambda f, a, s: f.parent_session_open,
        N_("The union above has no open session to take this proposal."),
    ),
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
    "draft_to_countersign": (
        lambda f, a, s: f.draft_status == "awaiting_countersign",
        N_("There is no draft reply to countersign: the lead department has not drafted one yet, or is revising it."),
    ),
    "draft_to_approve": (
        lambda f, a, s: f.draft_status == "awaiting_approval",
        N_("There is no countersigned draft reply waiting for approval."),
    ),
    "not_yet_evaluated": (
        lambda f, a, s: a.id not in f.evaluator_ids,
        N_("You have already rated this reply."),
    ),
    # the author rates while the reply waits for it; the co-signers also once the author's rating closed it
    "author_rates_while_replied": (
        lambda f, a, s: f.state == "replied" or not _is_author(a, f),
        N_("The proposal is closed: its author can no longer rate the reply."),
    ),
    # a co-signer rates when they wish, but within the session's working days for rating after the reply
    "rating_window_open": (
        lambda f, a, s: _is_author(a, f) or not f.rating_window_over,
        N_("The working days for rating this reply have passed: it can no longer be rated."),
    ),
    "not_yet_extended": (
        lambda f, a, s: not f.extended,
        N_("The deadline has already been extended once."),
    ),
    "no_extension_request": (
        lambda f, a, s: not f.extension_requested,
        N_("More time has already been asked for: the supervisor has yet to answer."),
    ),
    "extension_requested": (
        lambda f, a, s: f.extension_requested,
        N_("No department has asked for more time."),
    ),
    "within_decline_days": (
        lambda f, a, s: f.assignment_waited <= s.decline_days,
        N_("The days to return it have passed: ask the committee to take it back."),
    ),
    # within the days to return it, an assignment not yet acknowledged is returned directly (decline)
    "decline_days_passed": (
        lambda f, a, s: f.state != "assigned" or f.assignment_waited > s.decline_days,
        N_("Your department may still return it itself (Ask to return)."),
    ),
    "no_return_request": (
        lambda f, a, s: not f.return_requested,
        N_("Your department has already asked to return it: the committee has yet to answer."),
    ),
    "return_requested": (
        lambda f, a, s: f.return_requested,
        N_("The department has not asked to return it."),
    ),
    "not_late_refused": (
        lambda f, a, s: not (_late(f, s) and s.late_submissions == "refuse"),
        N_("The collection window of this session has closed: it takes no more proposals."),
    ),
    # in delegation review the head acts; the committee only once the head's working days have passed
    "head_or_prereview_overdue": (
        lambda f, a, s: f.state != "delegation_review" or _head(a, f) or f.prereview_waited > s.delegation_review_days,
        N_("The delegation head is still within the working days for pre-review; the committee can act after that."),
    ),
    "not_key": (lambda f, a, s: not f.key, N_("This is already a key proposal.")),
    "is_key": (lambda f, a, s: f.key, N_("This is not a key proposal.")),
    "too_few_cosigners": (
        lambda f, a, s: not _enough(f, Actor.system(), s, "close_cosigning"),
        N_("The proposal already has enough co-signers."),
    ),
}
