"""The whole state x event x role table, fired through the real operation.

ALLOWED is written by hand from DOMAIN.md: for each state, which people may fire which event and
where the proposal goes. Every other combination must be refused without changing anything:
NotFound where the person may not see the proposal, PermissionDenied where the person is never one
who fires this event on this proposal, StateConflict where they are but the state does not allow it.
"""

import pytest
from sqlalchemy import func, select

from proposals.access import can_view
from proposals.extensions import db
from proposals.models import HistoryEntry, Notification, Proposal
from proposals.operations import NotFound, fire_event
from workflow import LIFECYCLE, PermissionDenied, StateConflict

STATES = [s for s in LIFECYCLE.states if s != "delegation_review"]  # off by default: see test_settings
EVENTS = [e.name for e in LIFECYCLE.events.values() if not e.is_system]

REASON = {"reason": "理由充分。"}
PAYLOADS = {
    "reject": REASON,
    "send_back": REASON,
    "decline": REASON,
    "merge": None,  # filled with a real target at run time
    "escalate": REASON,  # (a single union: no union above to escalate to; tests/test_escalation.py)
    "assign": None,
    "progress": {"note": "已召开专题会研究。"},
    "reply": {"text": "已按建议落实。", "outcome": "A"},
    "evaluate": {"rating": "satisfied"},
    "extend": {"days": 5, "reason": "需协调预算。"},
    "request_extension": {"days": 5, "reason": "需协调预算。"},
    "refuse_extension": REASON,
    "request_return": REASON,
    "refuse_return": REASON,
    "request_rehandle": REASON,
    "reclass": {"outcome": "B", "reason": "尚在落实之中。"},  # the walked reply is class A
    "mark_key": REASON,
    "unmark_key": REASON,
}

# state -> event -> {person: destination}
ALLOWED = {
    "draft": {"submit": {"author": "cosigning"}, "withdraw": {"author": "withdrawn"}},
    "cosigning": {
        "withdraw": {"author": "withdrawn"},
        "cosign": {"delegate1": "cosigning", "delegate2": "cosigning", "delegate3": "cosigning", "head": "cosigning"},
    },
    "review": {
        "withdraw": {"author": "withdrawn"},
        "send_back": {"committee": "draft"},
        "accept": {"committee": "accepted"},
        "convert": {"committee": "accepted"},
        "reject": {"committee": "rejected"},
        "merge": {"committee": "merged"},
        "mark_key": {"committee": "review"},
    },
    "accepted": {"assign": {"committee": "assigned"}, "mark_key": {"committee": "accepted"}},
    "assigned": {
        "mark_key": {"committee": "assigned"},
        "acknowledge": {"lead": "in_progress", "cohandler": "assigned"},
        "decline": {"lead": "accepted"},  # within the days to return it: request_return is refused meanwhile
        "urge": {"supervisor": "assigned"},
        "extend": {"supervisor": "assigned"},
        "request_extension": {"lead": "assigned", "cohandler": "assigned"},
    },
    "in_progress": {
        "mark_key": {"committee": "in_progress"},
        "acknowledge": {"cohandler": "in_progress"},
        "progress": {"lead": "in_progress", "cohandler": "in_progress"},
        # the lead's draft: the co-handler countersigns it (nothing to countersign before; test_reply_flow)
        "reply": {"lead": "in_progress"},
        "urge": {"supervisor": "in_progress"},
        "extend": {"supervisor": "in_progress"},
        "request_extension": {"lead": "in_progress", "cohandler": "in_progress"},
        "request_return": {"lead": "in_progress"},
    },
    "replied": {
        "evaluate": {"author": "closed", "delegate1": "replied", "delegate2": "replied"},
        "mark_key": {"committee": "replied"},
        "request_rehandle": {"committee": "in_progress"},
        "reclass": {"supervisor": "replied"},
    },
    # co-signers rate when they wish, the author's rating having closed it: it stays closed
    "closed": {
        "archive": {"committee": "archived", "admin": "archived"},
        "evaluate": {"delegate1": "closed", "delegate2": "closed"},
        "reclass": {"supervisor": "closed"},
    },
}

# the event is possible in this state, but it is someone else's step: permission, not conflict (approving
# replies is nobody's in a session without approval: reply_approval "none")
OTHERS_TURN = {
    ("review", "send_back", "head"),
    *(
        (s, e, p)
        for s in ("in_progress",)
        for e in ("approve_reply", "return_reply")
        for p in ("supervisor", "committee")
    ),
}

HANDLED = {"assigned", "in_progress", "replied", "closed", "archived"}
COSIGNED = {"review", "accepted", "rejected", "merged", *HANDLED}


def could_ever(person: str, event: str, state: str) -> bool:
    """Whether `person` is one of those who fire `event` on this proposal at all (state aside)."""
    always = {
        "submit": {"author"},
        "withdraw": {"author"},
        "cosign": {"delegate1", "delegate2", "delegate3", "head"},
        "forward": {"head", "committee"},  # the committee: once the pre-review's days have passed
        "send_back": {"committee", "head"},
        "accept": {"committee"},
        "convert": {"committee"},
        "reject": {"committee"},
        "merge": {"committee"},
        "escalate": {"committee"},
        "assign": {"committee"},
        "urge": {"supervisor"},
        "extend": {"supervisor"},
        "archive": {"committee", "admin"},
        "evaluate": {"author"},
        "mark_key": {"committee"},
        "unmark_key": {"committee"},
        "approve_reply": {"supervisor", "committee"},
        "return_reply": {"supervisor", "committee"},
        "request_rehandle": {"committee"},
        "reclass": {"supervisor"},
        "refuse_extension": {"supervisor"},
        "approve_return": {"committee"},
        "refuse_return": {"committee"},
    }.get(event, set())
    if state in HANDLED:  # departments are assigned only from then on
        always |= {
            "acknowledge": {"lead", "cohandler"},
            "progress": {"lead", "cohandler"},
            "decline": {"lead"},
            "request_return": {"lead"},
            "request_extension": {"lead", "cohandler"},
            "reply": {"lead"},
            "countersign": {"cohandler"},
        }.get(event, set())
    if state in COSIGNED and event == "evaluate":
        always |= {"delegate1", "delegate2"}
    return person in always


def snapshot(proposal_id: int) -> tuple:
    history = db.session.scalar(
        select(func.count()).select_from(HistoryEntry).where(HistoryEntry.proposal_id == proposal_id)
    )
    notes = db.session.scalar(select(func.count()).select_from(Notification))
    row = db.session.execute(select(Proposal.state, Proposal.version).where(Proposal.id == proposal_id)).one()
    return history, notes, tuple(row)


def payload_for(event: str, cast) -> dict | None:
    if event == "merge":
        if not hasattr(cast, "merge_target"):
            cast.merge_target = cast.proposal_in("review", title="合并目标")
        return {"into_id": cast.merge_target.id}
    if event == "assign":
        return {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": [cast.co_dept.id]}
    return PAYLOADS.get(event)


@pytest.mark.parametrize("state", STATES)
def test_state_event_role_table(state, cast, subtests):
    people = cast.people()
    proposal = cast.proposal_in(state)
    for event in EVENTS:
        for name, person in people.items():
            with subtests.test(state=state, event=event, person=name):
                allowed = ALLOWED.get(state, {}).get(event, {})
                payload = payload_for(event, cast)
                before = snapshot(proposal.id)
                if name in allowed:
                    fired = fire_event(proposal.id, event, person, payload)
                    assert fired.state == allowed[name]
                    last = fired.history[-1]
                    assert (last.event, last.from_state, last.to_state) == (event, state, allowed[name])
                    assert snapshot(proposal.id)[0] == before[0] + 1
                    proposal = cast.proposal_in(state)  # a fresh one for the next combination
                    continue
                db.session.expire_all()
                if not can_view(person, db.session.get(Proposal, proposal.id)):
                    expected = NotFound
                elif not could_ever(name, event, state) or (state, event, name) in OTHERS_TURN:
                    expected = PermissionDenied
                else:
                    expected = StateConflict
                with pytest.raises(expected):
                    fire_event(proposal.id, event, person, payload)
                assert snapshot(proposal.id) == before, "a refused event changed something"


def test_every_state_and_event_is_covered():
    assert set(ALLOWED) <= set(STATES)
    covered = {event for events in ALLOWED.values() for event in events}
    # forward: delegation review (test_prereview); unmark_key: only of a key proposal (test_key_proposals);
    # countersign, approve_reply, return_reply: of a draft reply (test_reply_flow); approve_return,
    # refuse_return, refuse_extension: only once asked (test_supervision); escalate: only in a grassroots
    # union's session (test_escalation)
    others = {"forward", "unmark_key", "countersign", "approve_reply", "return_reply", "escalate"}
    others |= {"approve_return", "refuse_return", "refuse_extension"}
    assert covered | others == set(EVENTS)
