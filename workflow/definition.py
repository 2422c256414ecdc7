"""The default lifecycle of a congress proposal (DOMAIN.md), as data.

Each event lists who may fire it (names in predicates.WHO), its payload fields, what the session's rules
ask of the actor (`permits`, predicates.PERMITS), requirements that must hold (predicates.REQUIREMENTS),
effects that happen only when a condition holds (`effects_if`), payload fields asked for only where a
session's switch is on (`asked_if`, predicates.SWITCHES) or required only when a condition holds on the rest
of the payload (`required_if`), and its transitions: sources,
destination (None: the state stays) and conditions (predicates.CONDITIONS; a name prefixed with "!"
must be false). The first transition whose conditions hold is taken. `notify` names the audiences told of the event.

States carry tags (what they mean to the application) and lie on the main way or off it; the
application's lists of states are derived from these, never written out again.
"""

from .errors import N_
from .payload import Boolean, Choice, Code, Day, Integer, IntegerList, Line, Text

RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
OUTCOMES = ("A", "B", "C")

# Tags say what a state means to the application (workflow.engine.STATE_TAGS); every list of states
# outside this file is derived from them (Lifecycle.tagged) or from the main way (Lifecycle.or_later):
# - public: every worker of the organisation may read the proposal (disclosure, 企务公开);
# - numbered: accepted by the committee, so it carries its session's number (a CHECK constraint);
# - decided: the committee has reviewed it (accepted, converted, rejected or merged: the acceptance rate);
# - handling: departments are handling it, with deadlines running (overdue, reminders);
# - merge_target: a proposal under review may be merged into it (still under review or being handled).
STATES = {
    "draft": {"label": N_("Draft")},
    "cosigning": {"label": N_("Co-signing")},
    "delegation_review": {"label": N_("Delegation review")},
    "review": {"label": N_("Under review"), "tags": ["merge_target"]},
    "accepted": {
        "label": N_("Accepted"),
        "tags": ["public", "numbered", "decided", "merge_target"],
    },
    "rejected": {"label": N_("Not accepted"), "final": True, "tags": ["decided"]},
    "merged": {"label": N_("Merged"), "final": True, "tags": ["decided"]},
    "withdrawn": {"label": N_("Withdrawn"), "final": True},
    "assigned": {
        "label": N_("Assigned"),
        "tags": ["public", "numbered", "decided", "handling", "merge_target"],
    },
    "in_progress": {
        "label": N_("In progress"),
        "tags": ["public", "numbered", "decided", "handling", "merge_target"],
    },
    "replied": {
        "label": N_("Replied"),
        "tags": ["public", "numbered", "decided", "merge_target"],
    },
    "closed": {"label": N_("Closed"), "tags": ["public", "numbered", "decided"]},
    "archived": {
        "label": N_("Archived"),
        "final": True,
        "tags": ["public", "numbered", "decided"],
    },
}
# the main way from the first state to the last: "replied or later" is every state after replied on it
MAIN_WAY = [
    "draft",
    "cosigning",
    "delegation_review",
    "review",
    "accepted",
    "assigned",
    "in_progress",
    "replied",
    "closed",
    "archived",
]

_REASON = Text(required=True, max_length=2000)
_COMMENT = Text(max_length=2000)
# who is told when a reply goes out to the author, whichever event releases it
_RELEASED = ["author", "cosigners", "coauthors"]
_EXTENSION_DAYS = Integer(required=True, minimum=1, maximum=90)  # working days added to the open deadline
# where a proposal can be made (or stop being) a key proposal: from review until it is closed
_KEY_STATES = ("review", "accepted", "assigned", "in_progress", "replied")

EVENTS = {
    "submit": {
        "label": N_("Submit"),
        "who": ["author"],
        # the session's rules: who may propose, a delegation's proposal by its head alone
        "permits": ["may_propose", "delegation_head_for_delegation"],
        "requires": ["session_open", "not_late_refused"],
        # after the collection window a session may take a (first) submission as a suggestion
        "effects_if": [{"effect": "to_suggestion", "when": "late_as_suggestion"}],
        "transitions": [
            {"source": ["draft"], "dest": "cosigning", "conditions": ["!enough_cosigners"]},
            {"source": ["draft"], "dest": "delegation_review", "conditions": ["delegation_review_on"]},
            {"source": ["draft"], "dest": "review"},
        ],
        "notify": ["cosign_invitees"],
    },
    "withdraw": {
        "label": N_("Withdraw"),
        "who": ["author"],
        "payload": {"reason": _COMMENT},
        "transitions": [{"source": ["draft", "cosigning", "delegation_review", "review"], "dest": "withdrawn"}],
        "notify": ["cosigners"],
    },
    "cosign": {
        "label": N_("Co-sign"),
        "who": ["delegate_other_than_author"],
        "requires": ["not_yet_cosigned"],
        "payload": {"comment": _COMMENT},
        "transitions": [
            {"source": ["cosigning"], "dest": None, "conditions": ["!enough_cosigners"]},
            {"source": ["cosigning"], "dest": "delegation_review", "conditions": ["delegation_review_on"]},
            {"source": ["cosigning"], "dest": "review"},
        ],
        "notify": ["author"],
    },
    "close_cosigning": {
        "label": N_("Close co-signing"),
        "who": ["system"],
        "requires": ["too_few_cosigners"],
        "effects": ["to_suggestion"],
        "transitions": [{"source": ["cosigning"], "dest": "review"}],
        "notify": ["author"],
    },
    # the committee may act in the head's stead once the pre-review's working days have passed
    "forward": {
        "label": N_("Forward"),
        "who": ["head_of_authors_delegation", "committee"],
        "requires": ["head_or_prereview_overdue"],
        "payload": {"comment": _COMMENT},
        "transitions": [{"source": ["delegation_review"], "dest": "review"}],
        "notify": ["author"],
    },
    "send_back": {
        "label": N_("Send back for revision"),
        "who": ["committee", "head_of_authors_delegation"],
        "requires": ["head_or_prereview_overdue"],
        "payload": {"reason": _REASON},
        "transitions": [
            {"source": ["review"], "dest": "draft", "who": ["committee"]},
            {"source": ["delegation_review"], "dest": "draft", "who": ["head_of_authors_delegation", "committee"]},
        ],
        "notify": ["author", "former_cosigners"],
    },
    "accept": {
        "label": N_("Accept"),
        "who": ["committee"],
        "payload": {"comment": _COMMENT},
        "effects": ["number"],
        "transitions": [{"source": ["review"], "dest": "accepted"}],
        "notify": ["author", "cosigners"],
    },
    "convert": {
        "label": N_("Convert to suggestion"),
        "who": ["committee"],
        "payload": {"reason": _COMMENT},
        "effects": ["number", "to_suggestion"],
        "transitions": [{"source": ["review"], "dest": "accepted"}],
        "notify": ["author", "cosigners"],
    },
    "reject": {
        "label": N_("Reject"),
        "who": ["committee"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": ["review"], "dest": "rejected"}],
        "notify": ["author", "cosigners"],
    },
    "merge": {
        "label": N_("Merge"),
        "who": ["committee"],
        "payload": {"into_id": Integer(required=True), "comment": _COMMENT},
        "transitions": [{"source": ["review"], "dest": "merged"}],
        "notify": ["author", "cosigners"],
    },
    # a grassroots committee forwards what lies beyond its union's authority (属于本单位职权范围) to the
    # open session of the union above (上报/转递): the same proposal, under that union's review
    "escalate": {
        "label": N_("Escalate to the union above"),
        "who": ["committee"],
        "requires": ["parent_session_open"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": ["review"], "dest": "review"}],
        "notify": ["author", "committee", "escalating_committee"],
    },
    "assign": {
        "label": N_("Assign"),
        "who": ["committee"],
        "payload": {
            "lead_department_id": Integer(required=True),
            "cohandler_department_ids": IntegerList(),
            "comment": _COMMENT,
        },
        "transitions": [{"source": ["accepted"], "dest": "assigned"}],
        "notify": ["assigned_departments"],
    },
    "acknowledge": {
        "label": N_("Acknowledge"),
        "who": ["assigned_handler"],
        "requires": ["own_assignment_unacknowledged"],
        "transitions": [
            {"source": ["assigned"], "dest": "in_progress", "conditions": ["actor_is_lead"]},
            {"source": ["assigned", "in_progress"], "dest": None, "conditions": ["!actor_is_lead"]},
        ],
        "notify": [],
    },
    # within the session's `decline_days` of the assignment the lead department hands it back itself; after
    # that it asks the committee (request_return), which approves (back to accepted, like a decline) or refuses
    "decline": {
        "label": N_("Ask to return"),
        "who": ["lead_handler"],
        "requires": ["within_decline_days"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": ["assigned"], "dest": "accepted"}],
        "notify": ["committee", "supervisors"],
    },
    "request_return": {
        "label": N_("Ask the committee to take it back"),
        "who": ["lead_handler"],
        "requires": ["decline_days_passed", "no_return_request"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": ["assigned", "in_progress"], "dest": None}],
        "notify": ["committee"],
    },
    "approve_return": {
        "label": N_("Take the assignment back"),
        "who": ["committee"],
        "requires": ["return_requested"],
        "payload": {"comment": _COMMENT},
        "transitions": [{"source": ["assigned", "in_progress"], "dest": "accepted"}],
        "notify": ["released_departments"],
    },
    "refuse_return": {
        "label": N_("Refuse to take it back"),
        "who": ["committee"],
        "requires": ["return_requested"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": ["assigned", "in_progress"], "dest": None}],
        "notify": ["lead_department"],
    },
    "progress": {
        "label": N_("Record progress"),
        "who": ["assigned_handler"],
        "payload": {"note": Text(required=True, max_length=4000)},
        "transitions": [{"source": ["in_progress"], "dest": None}],
        "notify": ["author"],
    },
    # the lead department drafts the reply; co-handling departments countersign that draft (or disagree,
    # returning it to the lead); the session may have the supervisor or the committee approve it; it goes
    # out to the author (state replied) when nothing more is waited for. A transition's own `notify` says
    # who is told when that way is taken: never the author before the reply goes out.
    "countersign": {
        "label": N_("Countersign"),
        "who": ["cohandler"],
        "requires": ["draft_to_countersign", "not_yet_countersigned"],
        # agree (the default) with an optional comment, or disagree with the reason, which returns the draft
        "payload": {"agree": Boolean(), "comment": _COMMENT, "reason": Text(max_length=2000)},
        "required_if": [
            {
                "field": "reason",
                "when": "disagrees",
                "message": N_("Say why your department does not agree with the draft."),
            }
        ],
        "transitions": [
            {
                "source": ["in_progress"],
                "dest": None,
                "conditions": ["disagrees"],
                "notify": ["lead_department"],
                "notice": "reply_returned",
            },
            {
                "source": ["in_progress"],
                "dest": None,
                "conditions": ["!completes_countersigning"],
                "notify": ["lead_department"],
            },
            {
                "source": ["in_progress"],
                "dest": None,
                "conditions": ["approval_on"],
                "notify": ["reply_approvers"],
                "notice": "reply_to_approve",
            },
            {"source": ["in_progress"], "dest": "replied", "notify": _RELEASED, "notice": "reply"},
        ],
        "notify": ["lead_department"],
    },
    "reply": {
        "label": N_("Reply"),
        "who": ["lead_handler"],
        "payload": {
            "text": Text(required=True, max_length=20000),
            # one of the session's outcome classes (its setting outcome_classes), which say what else it needs
            "outcome": Code(required=True, setting="outcome_classes"),
            "planned_date": Day(),
            "reason": Text(max_length=2000),
            "contact": Line(max_length=200),
        },
        "transitions": [
            {
                "source": ["in_progress"],
                "dest": None,
                "conditions": ["has_cohandlers"],
                "notify": ["cohandler_departments"],
                "notice": "reply_drafted",
            },
            {
                "source": ["in_progress"],
                "dest": None,
                "conditions": ["approval_on"],
                "notify": ["reply_approvers"],
                "notice": "reply_to_approve",
            },
            {"source": ["in_progress"], "dest": "replied", "notify": _RELEASED},
        ],
        "notify": _RELEASED,
    },
    "approve_reply": {
        "label": N_("Approve the reply"),
        "who": ["supervisor", "committee"],
        "permits": ["reply_approver"],
        "requires": ["draft_to_approve"],
        "payload": {"comment": _COMMENT},
        "transitions": [{"source": ["in_progress"], "dest": "replied", "notice": "reply"}],
        "notify": _RELEASED,
    },
    "return_reply": {
        "label": N_("Return the draft reply"),
        "who": ["supervisor", "committee"],
        "permits": ["reply_approver"],
        "requires": ["draft_to_approve"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": ["in_progress"], "dest": None}],
        "notify": ["lead_department"],
    },
    # the author's rating decides; co-signers (and co-authors) rate when they wish, within the session's working
    # days after the reply, even once the author's rating has closed it, and their ratings never move it
    "evaluate": {
        "label": N_("Rate the reply"),
        "who": ["author_or_cosigner"],
        "requires": ["not_yet_evaluated", "author_rates_while_replied", "rating_window_open"],
        "payload": {
            "rating": Choice(required=True, choices=RATINGS),  # the result of the handling (办理结果)
            "attitude": Choice(choices=RATINGS),  # the department's attitude (办理态度), where the session asks
            "comment": _COMMENT,
        },
        "asked_if": [
            {
                "field": "attitude",
                "switch": "two_axis_rating",
                "refused": N_("This session rates the result of the handling only: leave out the attitude."),
            }
        ],
        "required_if": [
            {
                "field": "comment",
                "when": "rated_unsatisfied",
                "message": N_(
                    "Say why you are unsatisfied: the department reads it when it handles the proposal again."
                ),
            }
        ],
        "transitions": [
            {"source": ["replied", "closed"], "dest": None, "conditions": ["!actor_is_author"]},
            {"source": ["replied"], "dest": "in_progress", "conditions": ["rated_unsatisfied", "rehandle_left"]},
            {"source": ["replied"], "dest": "closed"},
        ],
        "notify": ["assigned_departments"],
    },
    # the committee finds a reply wanting before its author has rated it: handled again, in a round that does
    # not count against `max_rehandle` (Facts.unsatisfied_rounds)
    "request_rehandle": {
        "label": N_("Ask for re-handling"),
        "who": ["committee"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": ["replied"], "dest": "in_progress"}],
        "notify": ["assigned_departments"],
    },
    # a supervisor changes the class of the released reply (the latest); its text stays as released
    "reclass": {
        "label": N_("Re-class the reply"),
        "who": ["supervisor"],
        "payload": {"outcome": Code(required=True, setting="outcome_classes"), "reason": _REASON},
        "transitions": [{"source": ["replied", "closed"], "dest": None}],
        "notify": ["author", "lead_department"],
    },
    "close_unrated": {
        "label": N_("Close without rating"),
        "who": ["system"],
        "transitions": [{"source": ["replied"], "dest": "closed"}],
        "notify": ["author"],
    },
    "urge": {
        "label": N_("Urge"),
        "who": ["supervisor", "key_leader"],
        "payload": {"comment": _COMMENT},
        "transitions": [{"source": ["assigned", "in_progress"], "dest": None}],
        "notify": ["assigned_departments"],
    },
    # once per proposal (not reset by a re-assignment): asked for by a department, or given unasked
    "request_extension": {
        "label": N_("Ask for more time"),
        "who": ["assigned_handler"],
        "requires": ["not_yet_extended", "no_extension_request"],
        "payload": {"days": _EXTENSION_DAYS, "reason": _REASON},
        "transitions": [{"source": ["assigned", "in_progress"], "dest": None}],
        "notify": ["supervisors"],
    },
    "extend": {
        "label": N_("Extend deadline"),
        "who": ["supervisor"],
        "requires": ["not_yet_extended"],
        "payload": {"days": _EXTENSION_DAYS, "reason": _REASON},
        "transitions": [{"source": ["assigned", "in_progress"], "dest": None}],
        "notify": ["assigned_departments"],
    },
    "refuse_extension": {
        "label": N_("Refuse more time"),
        "who": ["supervisor"],
        "requires": ["extension_requested"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": ["assigned", "in_progress"], "dest": None}],
        "notify": ["assigned_departments"],
    },
    # a key proposal (重点提案), supervised by a leader who takes charge of it (领导领办) when one is named
    "mark_key": {
        "label": N_("Mark as key proposal"),
        "who": ["committee"],
        "requires": ["not_key"],
        "payload": {"reason": _REASON, "leader_id": Integer()},
        "transitions": [{"source": list(_KEY_STATES), "dest": None}],
        "notify": ["key_leader", "assigned_departments"],
    },
    "unmark_key": {
        "label": N_("No longer a key proposal"),
        "who": ["committee"],
        "requires": ["is_key"],
        "payload": {"reason": _REASON},
        "transitions": [{"source": list(_KEY_STATES), "dest": None}],
        "notify": ["key_leader", "assigned_departments"],
    },
    "archive": {
        "label": N_("Archive"),
        "who": ["committee", "union_admin"],
        "transitions": [{"source": ["closed"], "dest": "archived"}],
        "notify": [],
    },
}

DEFAULT_LIFECYCLE = {"initial": "draft", "states": STATES, "main_way": MAIN_WAY, "events": EVENTS}
