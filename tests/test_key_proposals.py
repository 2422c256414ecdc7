"""Key proposals (重点提案): the committee marks them, with a leader in charge (领导领办) who may urge."""

import pytest

from proposals.operations import available_events, fire_event
from workflow import InvalidPayload, StateConflict

from .helpers import api_client


def test_mark_and_unmark_with_a_leader_in_charge(client, cast):
    proposal = cast.proposal_in("in_progress")
    assert "urge" not in available_events(proposal, cast.leader)
    with pytest.raises(InvalidPayload):  # not a leader: refused, nothing changed
        fire_event(proposal.id, "mark_key", cast.committee, {"reason": "涉及面广", "leader_id": cast.worker.id})
    proposal = fire_event(proposal.id, "mark_key", cast.committee, {"reason": "涉及面广", "leader_id": cast.leader.id})
    assert proposal.key and proposal.key_leader_id == cast.leader.id
    assert "urge" in available_events(proposal, cast.leader)
    with pytest.raises(StateConflict):
        fire_event(proposal.id, "mark_key", cast.committee, {"reason": "再次"})
    api = api_client(client).as_(cast.committee)
    body = api.get(f"/proposals/{proposal.id}").json
    assert body["key"] is True and body["key_leader_id"] == cast.leader.id
    assert [p["id"] for p in api.get("/proposals?key=true").json["items"]] == [proposal.id]
    fire_event(proposal.id, "urge", cast.leader, {"comment": "请加快办理。"})
    proposal = fire_event(proposal.id, "unmark_key", cast.committee, {"reason": "已落实"})
    assert not proposal.key and "urge" not in available_events(proposal, cast.leader)
    assert api.get(f"/proposals/{proposal.id}").json["key_leader_id"] is None
    assert api.get("/proposals?key=true").json["items"] == []
