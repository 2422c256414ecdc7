"""The register: what the application does for each lifecycle event, in one place.

workflow/definition.py says when an event may happen and what it decides; this says what the
application then does: the handler that writes its rows (handlers.py), whether it refreshes the facts
the statistics keep on the proposal's row (facts.py), what its notification says, the labels of its
payload fields (forms, messages), which of them a message repeats, and what kind of handling record
its history row is. The audiences an event's `notify` names are resolved by notify.AUDIENCES.

`check()` runs at import, as workflow.engine.Lifecycle._check does for the definition: the register
covers the lifecycle's events exactly, every payload field has a label, every audience a resolver. So
adding an event touches the definition, this file and the translations, and forgetting one of them
stops the application from starting instead of showing a raw name or a generic sentence.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from workflow import LIFECYCLE, DefinitionError, Lifecycle
from workflow.engine import KNOWN_AUDIENCES
from workflow.errors import N_

from ..access import INTERNAL, PROGRESS
from . import handlers
from .handlers import Handler
from .notify import AUDIENCES, Audience


@dataclass(frozen=True)
class Entry:
    sentence: str | None  # msgid of what its notification says (%(title)s; %(number)s once numbered), or
    # None for an event that tells nobody
    handler: Handler | None = None  # what it writes beyond the state change
    facts: bool = False  # whether it writes assignments or replies, so facts.py's columns are refreshed
    labels: Mapping[str, str] = field(default_factory=dict)  # payload field -> label msgid
    details: tuple[str, ...] = ()  # the payload fields a message repeats, in this order
    by_department: bool = False  # who acts is a department's staff: named only to those who see INTERNAL
    record: str | None = None  # what kind of handling record its comment is (None: not one)
    main: bool = False  # the task its actor comes to the proposal for: the page's first, prominent button
    then: str | None = None  # an event offered in the same form, fired with it in one transaction
    up_front: str | None = None  # msgid of the heading under which the page, the notification and the home
    # card show why it happened (its reason or comment; a merge's target), while it is the latest change
    done: str | None = None  # msgid of what the person who fired it is told happened (web/done.py fills in
    # %(number)s, %(state)s, %(lead)s, %(into)s, %(days)s, %(rating)s); None only for the system's events
    notices: Mapping[str, str] = field(default_factory=dict)  # the kinds of notice its ways of going send
    # (a transition's `notice` in the definition) besides its own, each with its sentence's msgid
    done_if: Mapping[str, str] = field(default_factory=dict)  # what its firer is told when it goes a way
    # with a notice of this kind (instead of `done`)


REASON, COMMENT = N_("Reason"), N_("Comment")
DEPARTMENT_LABELS = {
    "lead_department_id": N_("Lead department"),
    "cohandler_department_ids": N_("Co-handling departments"),
}
RATING_LABELS = {"rating": N_("Result of the handling"), "attitude": N_("Attitude of the department")}

REGISTER: dict[str, Entry] = {
    "submit": Entry(
        N_("You are invited to co-sign the proposal “%(title)s”."),
        handlers.on_submit,
        main=True,
        done=N_("Submitted: it now stands at “%(state)s”."),
    ),
    "withdraw": Entry(
        N_("The proposal “%(title)s” you co-signed has been withdrawn."),
        handlers.on_withdraw,
        labels={"reason": REASON},
        details=("reason",),
        up_front=N_("Withdrawn: why"),
        done=N_("Withdrawn."),
    ),
    "cosign": Entry(
        N_("Your proposal “%(title)s” has a new co-signer."),
        handlers.on_cosign,
        labels={"comment": COMMENT},
        details=("comment",),
        main=True,
        done=N_("Co-signed."),
    ),
    "close_cosigning": Entry(
        N_("Co-signing of “%(title)s” has closed with too few co-signers: it goes to review as a suggestion."),
    ),
    "forward": Entry(
        N_("Your delegation has forwarded “%(title)s” to the proposal committee."),
        labels={"comment": COMMENT},
        details=("comment",),
        main=True,
        done=N_("Forwarded to the proposal committee."),
    ),
    "send_back": Entry(
        N_("“%(title)s” has been sent back for revision."),
        handlers.on_send_back,
        labels={"reason": REASON},
        details=("reason",),
        up_front=N_("Sent back for revision: why"),
        done=N_("Sent back to the author for revision."),
    ),
    "accept": Entry(
        N_("“%(title)s” has been accepted as proposal No. %(number)s."),
        handlers.on_decision,
        labels={"comment": COMMENT},
        details=("comment",),
        main=True,
        then="assign",
        done=N_("Accepted as proposal No. %(number)s."),
    ),
    "convert": Entry(
        N_("“%(title)s” has been accepted as a suggestion (No. %(number)s)."),
        handlers.on_decision,
        labels={"reason": REASON},
        details=("reason",),
        then="assign",
        up_front=N_("Accepted as a suggestion: why"),
        done=N_("Accepted as a suggestion, No. %(number)s."),
    ),
    "reject": Entry(
        N_("“%(title)s” has not been accepted."),
        handlers.on_decision,
        labels={"reason": REASON},
        details=("reason",),
        up_front=N_("Not accepted: why"),
        done=N_("Not accepted: the author is told the reason."),
    ),
    "merge": Entry(
        N_("“%(title)s” has been merged into another proposal."),
        handlers.on_merge,
        labels={"into_id": N_("Merge into proposal (ID)"), "comment": COMMENT},
        details=("comment",),
        up_front=N_("Merged into the proposal below"),
        done=N_("Merged into “%(into)s”."),
    ),
    "escalate": Entry(
        N_("The proposal “%(title)s” has been escalated to the union above, under whose review it now is."),
        handlers.on_escalate,
        labels={"reason": REASON},
        details=("reason",),
        up_front=N_("Escalated to the union above: why"),
        done=N_("Escalated: it is now under review by the union above."),
    ),
    "assign": Entry(
        N_("“%(title)s” has been assigned to your department."),
        handlers.on_assign,
        facts=True,
        labels={**DEPARTMENT_LABELS, "comment": COMMENT},
        details=("comment",),
        main=True,
        done=N_("Assigned to %(lead)s."),
    ),
    "acknowledge": Entry(
        None,
        handlers.on_acknowledge,
        by_department=True,
        record=INTERNAL,
        main=True,
        done=N_("Acknowledged."),
    ),
    "decline": Entry(
        N_("A department has asked to return “%(title)s” for re-assignment."),
        handlers.on_decline,
        facts=True,
        labels={"reason": REASON},
        details=("reason",),
        by_department=True,
        record=INTERNAL,
        up_front=N_("The department asked to return it: why"),
        done=N_("Returned to the proposal committee for re-assignment."),
    ),
    "request_return": Entry(
        N_("A department asks the committee to take back the assignment of “%(title)s”."),
        handlers.on_request_return,
        labels={"reason": REASON},
        details=("reason",),
        by_department=True,
        record=INTERNAL,
        up_front=N_("The department asks to return it: why"),
        done=N_("Asked: the proposal committee decides whether to take it back."),
    ),
    "approve_return": Entry(
        N_("The committee has taken back the assignment of “%(title)s”: your department no longer handles it."),
        handlers.on_approve_return,
        facts=True,
        labels={"comment": COMMENT},
        details=("comment",),
        done=N_("Taken back: it can be assigned again."),
    ),
    "refuse_return": Entry(
        N_("The committee has refused to take back “%(title)s”: your department goes on handling it."),
        handlers.on_refuse_return,
        labels={"reason": REASON},
        details=("reason",),
        up_front=N_("Not taken back: why"),
        done=N_("Refused: the department goes on handling it."),
    ),
    "progress": Entry(
        N_("Progress has been recorded on “%(title)s”."),
        handlers.on_progress,
        labels={"note": N_("Progress note")},
        details=("note",),
        by_department=True,
        record=PROGRESS,
        done=N_("Progress recorded."),
    ),
    "countersign": Entry(
        N_("A co-handling department has countersigned the draft reply to “%(title)s”."),
        handlers.on_countersign,
        facts=True,
        labels={"agree": N_("Agree with the draft"), "comment": COMMENT, "reason": N_("Why not")},
        details=("reason", "comment"),
        by_department=True,
        record=INTERNAL,
        main=True,
        up_front=N_("A co-handling department disagreed with the draft: why"),
        done=N_("Countersigned."),
        done_if={
            "reply_returned": N_("You disagreed: the draft is returned to the lead department with your reason."),
            "reply_to_approve": N_("Countersigned: the draft reply now awaits approval."),
            "reply": N_("Countersigned: the reply has gone out to the author."),
        },
    ),
    "reply": Entry(
        N_("“%(title)s” has been replied to: please read the reply and rate it."),
        handlers.on_reply,
        facts=True,
        labels={
            "text": N_("Reply"),
            "outcome": N_("Outcome"),
            "planned_date": N_("Planned to be solved by"),
            "reason": N_("Why it cannot be solved now"),
            "contact": N_("Contact person and telephone"),
        },
        details=("outcome", "text", "planned_date", "reason", "contact"),
        by_department=True,
        # a draft's text is the handling departments' until it goes out (the author reads the released
        # reply itself, never this record)
        record=INTERNAL,
        main=True,
        done=N_("Replied: the author is asked to rate the reply."),
        notices={
            "reply_drafted": N_("A draft reply to “%(title)s” awaits your department's countersignature."),
            "reply_to_approve": N_("A draft reply to “%(title)s” awaits your approval."),
            "reply_returned": N_(
                "The draft reply to “%(title)s” has been returned to your department: please revise it."
            ),
        },
        done_if={
            "reply_drafted": N_("Drafted: the co-handling departments are asked to countersign it."),
            "reply_to_approve": N_("Drafted: the reply now awaits approval."),
        },
    ),
    "approve_reply": Entry(
        N_("“%(title)s” has been replied to: please read the reply and rate it."),
        handlers.on_approve_reply,
        facts=True,
        labels={"comment": COMMENT},
        details=("comment",),
        record=INTERNAL,
        main=True,
        done=N_("Approved: the reply has gone out to the author."),
    ),
    "return_reply": Entry(
        N_("The draft reply to “%(title)s” has been returned to your department: please revise it."),
        handlers.on_return_reply,
        facts=True,
        labels={"reason": REASON},
        details=("reason",),
        record=INTERNAL,
        up_front=N_("The draft reply was returned: why"),
        done=N_("Returned to the lead department with your reason."),
    ),
    "evaluate": Entry(
        N_("The reply to “%(title)s” has been rated."),
        handlers.on_evaluate,
        facts=True,
        labels={**RATING_LABELS, "comment": COMMENT},
        details=("comment", "rating", "attitude"),
        main=True,
        up_front=N_("Rated unsatisfied: why"),
        done=N_("Rated: %(rating)s."),
    ),
    "request_rehandle": Entry(
        N_("The proposal committee asks your department to handle “%(title)s” again."),
        handlers.on_request_rehandle,
        facts=True,
        labels={"reason": REASON},
        details=("reason",),
        up_front=N_("Handled again at the committee's request: why"),
        done=N_("Sent back to the departments to be handled again."),
    ),
    "reclass": Entry(
        N_("The class of the reply to “%(title)s” has been changed."),
        handlers.on_reclass,
        facts=True,
        labels={"outcome": N_("Outcome"), "reason": REASON},
        details=("outcome", "reason"),
        up_front=N_("The reply re-classed: why"),
        done=N_("The reply is re-classed."),
    ),
    "close_unrated": Entry(
        N_("“%(title)s” has been closed without a rating."),
        handlers.on_close_unrated,
    ),
    "urge": Entry(
        N_("The supervisor urges your department to handle “%(title)s”."),
        labels={"comment": COMMENT},
        details=("comment",),
        done=N_("Urged: the department is told."),
    ),
    "extend": Entry(
        N_("The deadline of “%(title)s” has been extended."),
        handlers.on_extend,
        facts=True,
        labels={"days": N_("Working days to add"), "reason": REASON},
        details=("reason",),
        done=N_("The open deadlines are extended by %(days)s working days."),
    ),
    "request_extension": Entry(
        N_("A department asks for more time to handle “%(title)s”."),
        handlers.on_request_extension,
        labels={"days": N_("Working days to add"), "reason": REASON},
        details=("days", "reason"),
        by_department=True,
        up_front=N_("More time asked for: why"),
        done=N_("Asked for %(days)s more working days: a supervisor decides."),
    ),
    "refuse_extension": Entry(
        N_("The request for more time on “%(title)s” has been refused."),
        handlers.on_refuse_extension,
        labels={"reason": REASON},
        details=("reason",),
        up_front=N_("More time refused: why"),
        done=N_("Refused: the deadlines stay."),
    ),
    "mark_key": Entry(
        N_("“%(title)s” has been made a key proposal (重点提案)."),
        handlers.on_mark_key,
        labels={"reason": REASON, "leader_id": N_("Leader in charge (ID)")},
        details=("reason",),
        done=N_("Made a key proposal."),
    ),
    "unmark_key": Entry(
        N_("“%(title)s” is no longer a key proposal."),
        handlers.on_unmark_key,
        labels={"reason": REASON},
        details=("reason",),
        done=N_("No longer a key proposal."),
    ),
    "archive": Entry(None, done=N_("Archived.")),
}


def check(register: Mapping[str, Entry], lifecycle: Lifecycle, audiences: Mapping[str, Audience]) -> None:
    """Raise DefinitionError naming every way `register` fails to match `lifecycle` and `audiences`."""
    problems = []
    for name in lifecycle.events:
        if name not in register:
            problems.append(f"event {name!r} is not in the register")
    for name in register:
        if name not in lifecycle.events:
            problems.append(f"the register names {name!r}, which is not a lifecycle event")
    for audience in sorted(KNOWN_AUDIENCES - set(audiences)):
        problems.append(f"audience {audience!r} has no resolver")
    for name, event in lifecycle.events.items():
        entry = register.get(name)
        if entry is None:
            continue
        where = f"event {name!r}"
        if event.notify and not (isinstance(entry.sentence, str) and "%(title)s" in entry.sentence):
            problems.append(f"{where} tells {', '.join(event.notify)} but has no sentence naming %(title)s")
        for audience in event.notify:
            if audience not in audiences:
                problems.append(f"{where}: audience {audience!r} has no resolver")
        for field_name in event.payload:
            if not entry.labels.get(field_name):
                problems.append(f"{where}: payload field {field_name!r} has no label")
        for field_name in entry.labels:
            if field_name not in event.payload:
                problems.append(f"{where}: a label for {field_name!r}, which is not a payload field")
        for field_name in entry.details:
            if field_name not in event.payload:
                problems.append(f"{where}: repeats {field_name!r}, which is not a payload field")
        if entry.then is not None and not (
            entry.then in lifecycle.events
            and any(t.dest and t.dest in lifecycle.events[entry.then].sources for t in event.transitions)
        ):
            problems.append(f"{where}: is followed by {entry.then!r}, which cannot follow it")
        if not event.is_system and not isinstance(entry.done, str):
            problems.append(f"{where} is fired by people but says nothing of what happened (no `done`)")
        for t in event.transitions:
            if t.notice is not None and not isinstance(notice_sentence(t.notice, register), str):
                problems.append(f"{where}: notice {t.notice!r} has no sentence")
        for kind in entry.done_if:
            if kind not in {t.notice for t in event.transitions}:
                problems.append(f"{where}: says what happened for {kind!r}, which none of its ways sends")
        if entry.record not in (None, PROGRESS, INTERNAL):
            problems.append(f"{where}: unknown kind of handling record {entry.record!r}")
    if problems:
        raise DefinitionError("the register does not match the lifecycle: " + "; ".join(problems))


def notice_sentence(kind: str, register: Mapping[str, Entry] | None = None) -> str | None:
    """The sentence of a notice kind the lifecycle sends: an event's own, or one of an entry's notices."""
    register = REGISTER if register is None else register
    if kind in register and register[kind].sentence:
        return register[kind].sentence
    return next((e.notices[kind] for e in register.values() if kind in e.notices), None)


def notices() -> tuple[str, ...]:
    """The kinds of notice the lifecycle's ways send besides its events' own, in register order."""
    return tuple(dict.fromkeys(kind for e in REGISTER.values() for kind in e.notices))


check(REGISTER, LIFECYCLE, AUDIENCES)


def entry(event: str) -> Entry:
    """The register's entry of a lifecycle event (KeyError for any other name)."""
    return REGISTER[event]


# history rows that are not lifecycle events but handling records: files added to a reply not yet out
OTHER_RECORDS = {"reply_files": INTERNAL}


def handling_record(event: str) -> str | None:
    """What kind of handling record the comment of a history row of `event` is (None: not one, or not
    a lifecycle event: an edit, an attachment, a calendar recount)."""
    found = REGISTER.get(event)
    return found.record if found else OTHER_RECORDS.get(event)


def by_department(event: str) -> bool:
    """Whether who acted in a history row of `event` is a handling department's staff."""
    found = REGISTER.get(event)
    return bool(found and found.by_department)
