"""Where a proposal stands: the page's step indicator (提交 → 附议 → 审查 → 交办 → 办理 → 答复 → 评价 → 办结).

The steps are derived from the lifecycle's states: each state lies at one step (STEP_OF_STATE), checked at
import against workflow.LIFECYCLE so that a state added there without a step here stops the application
from starting. A final state off the main way (rejected, merged, withdrawn) ends the way at the step of the
state it was left from. The current step names who holds the proposal now and each deadline running:
the co-signatures still needed and their deadline, the department's acknowledgement and reply, the
author's rating and what silence means, and the round of re-handling.
"""

from dataclasses import dataclass, field

from flask_babel import format_date, gettext, ngettext

from workflow import LIFECYCLE, DefinitionError
from workflow.errors import N_

from .models import Proposal, User
from .operations import clock

STEPS = (
    ("submit", N_("Submit")),
    ("cosign", N_("Co-sign")),
    ("review", N_("Examination")),
    ("assign", N_("Assign")),
    ("handle", N_("Handle")),
    ("reply", N_("Reply")),
    ("rate", N_("Rating")),
    ("close", N_("Closure")),
)
STOPPED = None  # a final state off the main way: the way ended at the step of the state it was left from
STEP_OF_STATE = {
    "draft": "submit",
    "cosigning": "cosign",
    "delegation_review": "review",
    "review": "review",
    "accepted": "assign",
    "assigned": "handle",
    "in_progress": "handle",
    "replied": "rate",
    "closed": "close",
    "archived": "close",
    "rejected": STOPPED,
    "merged": STOPPED,
    "withdrawn": STOPPED,
}


def check(step_of_state: dict, lifecycle) -> None:
    """Raise DefinitionError unless every state lies at a step and the main way never steps back."""
    keys = [key for key, _label in STEPS]
    problems = [f"state {s!r} lies at no step" for s in lifecycle.states if s not in step_of_state]
    problems += [f"{s!r} is not a lifecycle state" for s in step_of_state if s not in lifecycle.states]
    problems += [f"state {s!r}: unknown step {k!r}" for s, k in step_of_state.items() if k not in (*keys, STOPPED)]
    problems += [
        f"final state {s!r} must end the way (STOPPED)"
        for s in lifecycle.states
        if step_of_state.get(s) is STOPPED and s in lifecycle.main_way
    ]
    on_way = [keys.index(step_of_state[s]) for s in lifecycle.main_way if step_of_state.get(s) in keys]
    if on_way != sorted(on_way):
        problems.append("the main way steps back")
    if problems:
        raise DefinitionError("the step indicator does not match the lifecycle: " + "; ".join(problems))


check(STEP_OF_STATE, LIFECYCLE)


@dataclass
class Step:
    key: str
    label: str
    status: str  # "done", "current", "stopped" (the way ended here) or "todo"
    notes: list[str] = field(default_factory=list)


@dataclass
class Progress:
    steps: list[Step]
    holder: str | None  # who holds it now; None once nothing more awaits anyone
    ended: str | None = None  # how the way ended off the main way (the state's label)


def _date(day) -> str:
    return format_date(day, "long")


def _stopped_at(proposal: Proposal) -> str:
    entered = next((h for h in reversed(proposal.history) if h.to_state == proposal.state), None)
    left = entered.from_state if entered is not None else None
    return STEP_OF_STATE.get(left) or "submit"


def of(proposal: Proposal, reader: User | None) -> Progress:
    """The steps of `proposal` as `reader` sees them (only what its page shows anyway)."""
    keys = [key for key, _label in STEPS]
    state = proposal.state
    here = STEP_OF_STATE[state]
    ended = None
    if here is STOPPED:
        here, ended = _stopped_at(proposal), gettext(LIFECYCLE.states[state]["label"])
    at = keys.index(here)
    steps = []
    for i, (key, label) in enumerate(STEPS):
        status = "done" if i < at else "todo"
        if i == at:
            status = "stopped" if ended else ("done" if state == "archived" or state == "closed" else "current")
        steps.append(Step(key, gettext(label), status))
    by_key = {s.key: s for s in steps}
    holder = None if ended or state in ("closed", "archived") else _notes(proposal, by_key)
    return Progress(steps, holder, ended)


def _notes(proposal: Proposal, steps: dict[str, Step]) -> str | None:
    """Put each running deadline next to its step; return who holds the proposal now."""
    session, state = proposal.session, proposal.state
    if state == "draft":
        return gettext("The author (to submit)")
    if state == "cosigning":
        have = len(proposal.cosignatures)
        need = max(session.min_cosigners - have, 0)
        text = ngettext("%(num)s co-signer so far", "%(num)s co-signers so far", have)
        text += gettext("; %(need)s more needed", need=need)
        if session.cosign_deadline:
            text += gettext(", by %(date)s", date=_date(session.cosign_deadline))
        steps["cosign"].notes.append(text)
        return gettext("The delegates (to co-sign)")
    if state == "delegation_review":
        steps["review"].notes.append(gettext("Delegation review first"))
        return gettext("The delegation head (to forward)")
    if state == "review":
        return gettext("The proposal committee (to decide)")
    if state == "accepted":
        return gettext("The proposal committee (to assign)")
    lead = proposal.lead_assignment
    if state in ("assigned", "in_progress") and lead is not None:
        if lead.acknowledged_at is None:
            steps["handle"].notes.append(gettext("Acknowledge by %(date)s", date=_date(lead.ack_deadline)))
        steps["reply"].notes.append(gettext("Reply by %(date)s", date=_date(lead.reply_deadline)))
        cohandlers = [a for a in proposal.active_assignments if a.role == "cohandler"]
        if cohandlers:
            signed = sum(1 for a in cohandlers if a.countersignature(proposal.rehandle_round))
            steps["reply"].notes.append(gettext("Countersigned: %(n)s of %(total)s", n=signed, total=len(cohandlers)))
        if proposal.rehandle_round:
            steps["handle"].notes.append(
                gettext(
                    "Handled again: round %(n)s of at most %(max)s",
                    n=proposal.rehandle_round + 1,
                    max=session.max_rehandle + 1,
                )
            )
        if lead.acknowledged_at is None:
            return gettext("%(department)s (to acknowledge)", department=lead.department.name)
        return gettext("%(department)s (to reply)", department=lead.department.name)
    if state == "replied":
        reply = proposal.current_reply
        if reply is not None:
            due = clock.feedback_due(reply, session)
            steps["rate"].notes.append(gettext("Rate by %(date)s", date=_date(due)))
        steps["rate"].notes.append(gettext("Not rated by then counts as no response"))
        return gettext("The author (to rate the reply)")
    return None
