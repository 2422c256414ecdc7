"""The register of lifecycle events (proposals/operations/register.py) and the states' tags.

The register is checked at import against the lifecycle as the lifecycle checks itself: these tests
show that the check passes for the register as it is and fires for each way it can go wrong, and
that every list of states the application uses is the one the definition's tags give.
"""

import dataclasses
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import CheckConstraint

from proposals.access import PUBLIC_STATES
from proposals.extensions import db
from proposals.models import NUMBERED_STATES, Proposal
from proposals.operations import fire_event, handlers
from proposals.operations.notify import AUDIENCES
from proposals.operations.register import REGISTER, Entry, check
from proposals.scale import walk
from proposals.stats import ASSIGNED_OR_LATER, CLOSED, HANDLING, REPLIED_OR_LATER, REVIEWED
from workflow import DEFAULT_LIFECYCLE, LIFECYCLE, DefinitionError, InvalidPayload, Lifecycle
from workflow.engine import KNOWN_AUDIENCES


def test_the_register_covers_every_lifecycle_event_exactly():
    check(REGISTER, LIFECYCLE, AUDIENCES)
    assert set(REGISTER) == set(LIFECYCLE.events)
    for name, event in LIFECYCLE.events.items():
        assert set(REGISTER[name].labels) == set(event.payload), name
        assert (REGISTER[name].sentence is not None) or not event.notify, name


def refused(register=REGISTER, audiences=AUDIENCES) -> str:
    with pytest.raises(DefinitionError) as raised:
        check(register, LIFECYCLE, audiences)
    return str(raised.value)


def changed(event: str, **fields) -> dict:
    return {**REGISTER, event: dataclasses.replace(REGISTER[event], **fields)}


def test_an_event_missing_from_the_register_stops_the_import():
    register = {name: entry for name, entry in REGISTER.items() if name != "urge"}
    assert "event 'urge' is not in the register" in refused(register)


def test_an_entry_for_no_event_stops_the_import():
    register = {**REGISTER, "praise": Entry("“%(title)s” has been praised.")}
    assert "'praise', which is not a lifecycle event" in refused(register)


def test_an_event_that_tells_someone_without_a_sentence_stops_the_import():
    assert "event 'reply' tells author, cosigners, coauthors but has no sentence" in refused(
        changed("reply", sentence=None)
    )
    assert "event 'reply' tells" in refused(changed("reply", sentence="The reply has come."))  # no title


def test_a_payload_field_without_a_label_stops_the_import():
    message = refused(changed("extend", labels={"reason": "Reason"}))
    assert "event 'extend': payload field 'days' has no label" in message
    assert "a label for 'note', which is not a payload field" in refused(changed("urge", labels={"note": "Note"}))
    assert "repeats 'note', which is not a payload field" in refused(changed("urge", details=("note",)))


def test_an_audience_without_a_resolver_stops_the_import():
    audiences = {name: a for name, a in AUDIENCES.items() if name != "supervisors"}
    message = refused(audiences=audiences)
    assert "audience 'supervisors' has no resolver" in message
    assert "event 'decline': audience 'supervisors' has no resolver" in message
    assert KNOWN_AUDIENCES <= set(AUDIENCES)


def test_the_register_names_each_event_s_handler_and_facts():
    assert REGISTER["assign"].handler is handlers.on_assign
    assert {name for name, e in REGISTER.items() if e.facts} == {
        "assign",
        "decline",
        "approve_return",
        "reply",
        "countersign",
        "approve_reply",
        "return_reply",
        "evaluate",
        "request_rehandle",
        "reclass",
        "extend",
    }
    assert REGISTER["urge"].handler is None and REGISTER["archive"].sentence is None


# -- the states' tags ------------------------------------------------------------------------------


def test_state_lists_come_from_the_tags_and_the_main_way():
    assert PUBLIC_STATES == NUMBERED_STATES == ("accepted", "assigned", "in_progress", "replied", "closed", "archived")
    assert HANDLING == ("assigned", "in_progress")
    assert ASSIGNED_OR_LATER == ("assigned", "in_progress", "replied", "closed", "archived")
    assert REPLIED_OR_LATER == ("replied", "closed", "archived") and CLOSED == ("closed", "archived")
    assert set(REVIEWED) == {*NUMBERED_STATES, "rejected", "merged"}
    merge_targets = ("review", "accepted", "assigned", "in_progress", "replied")
    assert LIFECYCLE.tagged("merge_target") == handlers.MERGE_TARGET_STATES == walk.MERGE_TARGET_STATES
    assert handlers.MERGE_TARGET_STATES == merge_targets


def test_the_number_check_is_made_from_the_numbered_tag():
    checks = {str(c.sqltext) for c in Proposal.__table__.constraints if isinstance(c, CheckConstraint)}
    assert f"state NOT IN {LIFECYCLE.tagged('numbered')} OR number IS NOT NULL" in checks


def test_unknown_tags_and_main_way_states_are_refused():
    states = {**DEFAULT_LIFECYCLE["states"], "draft": {"label": "Draft", "tags": ["secret"]}}
    with pytest.raises(DefinitionError, match="state 'draft': unknown tag 'secret'"):
        Lifecycle({**DEFAULT_LIFECYCLE, "states": states})
    with pytest.raises(DefinitionError, match="main way: unknown state 'nowhere'"):
        Lifecycle({**DEFAULT_LIFECYCLE, "main_way": ["draft", "nowhere"]})
    with pytest.raises(DefinitionError, match="not on the main way"):
        LIFECYCLE.or_later("rejected")
    with pytest.raises(DefinitionError, match="unknown state tag"):
        LIFECYCLE.tagged("secret")


@pytest.mark.parametrize("state", ["closed", "archived"])
def test_merging_into_a_closed_proposal_is_refused_with_that_reason(cast, state):
    closed = cast.proposal_in(state)
    p = cast.proposal_in("review")
    with pytest.raises(InvalidPayload) as raised:
        fire_event(p.id, "merge", cast.committee, {"into_id": closed.id})
    assert (
        raised.value.fields["into_id"][0]
        == "That proposal has already been closed: a proposal cannot be merged into it."
    )


@pytest.mark.parametrize("state", ["review", "accepted", "assigned", "in_progress", "replied"])
def test_a_proposal_under_review_or_being_handled_may_be_merged_into(cast, state):
    target = cast.proposal_in(state)
    p = fire_event(cast.proposal_in("review").id, "merge", cast.committee, {"into_id": target.id})
    assert (p.state, p.merged_into_id) == ("merged", target.id)


# -- handlers that write plain statements ----------------------------------------------------------


def test_handlers_writing_plain_statements_leave_nothing_stale_in_the_session(cast):
    """What a page or the API reads after the event, in the same transaction, is what was written."""
    p = cast.proposal_in("in_progress")
    fire_event(p.id, "reply", cast.lead, {"text": "拟答复。", "outcome": "A"})  # a draft to countersign
    p = db.session.get(Proposal, p.id)
    now = datetime(2026, 12, 2, 1, 0)
    co = next(a for a in p.active_assignments if a.role == "cohandler")  # loaded before the writes
    assert co.countersignatures == [] and co.countersign_deadline is not None
    decision = SimpleNamespace(payload={"comment": "同意"}, to_state="in_progress", notice=None)
    handlers.on_countersign(decision, p, cast.cohandler, now)
    co = next(a for a in p.active_assignments if a.role == "cohandler")
    assert [(c.user_id, c.comment, c.round, c.agree) for c in co.countersignatures] == [
        (cast.cohandler.id, "同意", 0, True)
    ]
    assert co.countersign_deadline is None  # no longer awaited
    db.session.rollback()
