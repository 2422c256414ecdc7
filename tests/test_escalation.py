"""Escalation (上报/转递): a grassroots committee forwards a proposal under review that lies beyond its
union's authority to the open session of the union above; the same proposal, its author, co-signers and
history, is then under that union's review, handled there to the end, and followed by the grassroots union."""

import pytest
from sqlalchemy import func, select

from proposals import stats
from proposals.access import can_view
from proposals.extensions import db
from proposals.models import HistoryEntry, Notification, Proposal
from proposals.operations import create_union, create_unit, fire_event, update_session

from .conftest import Cast
from .helpers import api_client, move_into

REASON = {"reason": "涉及公司层面的薪酬制度，超出本单位职权范围。"}


@pytest.fixture
def group(make):
    """The company union and a grassroots union below it, each with its open session and its cast."""
    root = create_unit("union", {"code": "GH", "name": "某某集团公司工会"})
    first = create_union({"code": "FGS1", "name": "第一分公司工会", "parent_id": root.id})
    company = Cast(make, session=make.new_session(code="10-3"))
    grassroots = move_into(Cast(make, session=make.new_session(union_id=first.id)), first)
    return root, first, company, grassroots


@pytest.fixture
def api(client):
    return api_client(client)


def snapshot(proposal_id: int) -> tuple:
    history = db.session.scalar(select(func.count(HistoryEntry.id)).where(HistoryEntry.proposal_id == proposal_id))
    notes = db.session.scalar(select(func.count(Notification.id)))
    row = db.session.execute(
        select(Proposal.state, Proposal.session_id, Proposal.version).where(Proposal.id == proposal_id)
    ).one()
    return history, notes, tuple(row)


def test_escalated_up_and_handled_there_back_to_its_author(api, group):
    root, first, company, grassroots = group
    proposal = grassroots.proposal_in("review")
    origin = proposal.session_id
    other_member = grassroots.make.user("worker", {"role": "committee", "union_id": first.id})
    escalated = api.as_(grassroots.committee).fire(proposal.id, "escalate", REASON)
    assert escalated.status_code == 200, escalated.json
    assert escalated.json["state"] == "review" and escalated.json["session_id"] == company.session.id
    assert escalated.json["escalated_from"] == {"union_id": first.id, "session_id": origin}
    row = db.session.scalars(select(HistoryEntry).where(HistoryEntry.proposal_id == proposal.id)).all()[-1]
    assert (row.event, row.from_state, row.to_state) == ("escalate", "review", "review")
    assert row.payload | {} == {**REASON, "from_session_id": origin, "to_session_id": company.session.id}
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.proposal_id == proposal.id)))
    # the author, the company's committee that reviews it now, and the rest of the grassroots committee
    assert {grassroots.author.id, company.committee.id, other_member.id} <= told
    assert grassroots.committee.id not in told  # (never the one who acted)

    # the company's committee decides it: the grassroots one no longer does, but follows it
    assert api.as_(grassroots.committee).fire(proposal.id, "accept").status_code == 403
    accepted = api.as_(company.committee).fire(proposal.id, "accept")
    assert accepted.status_code == 200 and accepted.json["number"] == 1  # the company session's numbering
    assign = {"lead_department_id": company.lead_dept.id}
    for event, who, payload in (
        ("assign", company.committee, assign),
        ("acknowledge", company.lead, None),
        ("reply", company.lead, {"text": "已纳入公司薪酬制度修订。", "outcome": "B", "planned_date": "2027-06-30"}),
        ("evaluate", grassroots.author, {"rating": "satisfied"}),
    ):
        assert api.as_(who).fire(proposal.id, event, payload).status_code == 200, event
    db.session.expire_all()
    closed = db.session.get(Proposal, proposal.id)
    assert closed.state == "closed" and closed.author_id == grassroots.author.id
    # the grassroots union sees the outcome, with the reply and the rating
    seen = api.as_(grassroots.committee).get(f"/proposals/{proposal.id}")
    assert seen.status_code == 200 and seen.json["state"] == "closed"
    assert can_view(other_member, closed)
    listed = {p["id"] for p in api.as_(grassroots.committee).get("/proposals?limit=100").json["items"]}
    assert proposal.id in listed


def test_the_grassroots_figures_count_it_apart(group):
    root, first, company, grassroots = group
    kept = grassroots.proposal_in("review", title="留在本单位")
    fire_event(kept.id, "accept", grassroots.committee)
    sent = grassroots.proposal_in("review", title="上报的")
    fire_event(sent.id, "escalate", grassroots.committee, REASON)
    own = stats.report(grassroots.session.id)
    assert own["total"] == 1 and own["escalated"] == 1
    assert own["rates"]["acceptance_rate"] == 1.0  # of what it decided itself: the escalated one is not in it
    above = stats.report(company.session.id)
    assert above["total"] == 1 and above["escalated"] == 0 and above["counts"]["review"] == 1
    rows = {r["session_id"]: r for r in stats.report()["by_session"]}
    assert rows[grassroots.session.id]["escalated"] == 1 and rows[grassroots.session.id]["total"] == 1
    assert rows[company.session.id]["escalated"] == 0 and rows[company.session.id]["total"] == 1


def test_a_session_whose_proposals_all_went_up_still_shows(group):
    root, first, company, grassroots = group
    sent = grassroots.proposal_in("review")
    fire_event(sent.id, "escalate", grassroots.committee, REASON)
    rows = {r["session_id"]: r for r in stats.report()["by_session"]}
    assert rows[grassroots.session.id]["total"] == 0 and rows[grassroots.session.id]["escalated"] == 1


def test_no_open_session_above_is_a_conflict_and_changes_nothing(api, group):
    root, first, company, grassroots = group
    proposal = grassroots.proposal_in("review")
    update_session(company.session, {"is_open": False})
    before = snapshot(proposal.id)
    refused = api.as_(grassroots.committee, language="zh-CN").fire(proposal.id, "escalate", REASON)
    assert refused.status_code == 409 and "上级工会" in refused.json["error"]
    assert "escalate" not in api.as_(grassroots.committee).get(f"/proposals/{proposal.id}").json["available_events"]
    assert snapshot(proposal.id) == before


def test_only_the_grassroots_committee_escalates_with_a_reason(api, group):
    root, first, company, grassroots = group
    proposal = grassroots.proposal_in("review")
    before = snapshot(proposal.id)
    assert api.as_(grassroots.committee).fire(proposal.id, "escalate", {}).status_code == 422
    assert api.as_(grassroots.author).fire(proposal.id, "escalate", REASON).status_code == 403
    assert api.as_(company.committee).fire(proposal.id, "escalate", REASON).status_code == 403
    assert snapshot(proposal.id) == before
    # the company's own proposals have no union above
    mine = company.proposal_in("review")
    assert api.as_(company.committee).fire(mine.id, "escalate", REASON).status_code == 409
    assert api.as_(grassroots.committee).fire(mine.id, "escalate", REASON).status_code == 404
    # and only what is under review goes up
    taken = grassroots.proposal_in("accepted")
    assert api.as_(grassroots.committee).fire(taken.id, "escalate", REASON).status_code == 409


def test_the_committee_page_offers_it(client, group):
    from .helpers import login

    root, first, company, grassroots = group
    proposal = grassroots.proposal_in("review")
    login(client, grassroots.committee)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "上报上级工会" in page
