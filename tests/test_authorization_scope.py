"""The authorization matrix by scope, in a group of unions: own union, the union above, the union below, a
sibling. Written by hand from the issue's rules, never computed by proposals.access or proposals.unions:

- a role held in a union fires events on that union's proposals only (the company's committee does not
  accept a grassroots union's proposal, nor the reverse);
- the oversight a role gives (committee, union administrators, supervisors, leaders) reads its union and the
  unions below it, internal items included;
- a worker reads the public results of their own union and of the unions above it; a sibling's only once the
  group shares them, and never a sibling's internal items.
"""

import pytest
from sqlalchemy import select

from proposals.access import can_view, visible_filter
from proposals.extensions import db
from proposals.models import Proposal
from proposals.operations import available_events, create_union, create_unit, fire_event
from workflow import PermissionDenied

from .conftest import Cast
from .helpers import api_client, move_into

UNIONS = ("root", "first", "second", "project")  # the project's union lies below the first


@pytest.fixture
def group(make):
    """Four unions, each with its congress and cast, and in each a proposal under review (internal) and one
    accepted (public)."""
    root = create_unit("union", {"code": "GH", "name": "某某集团公司工会"})
    first = create_union({"code": "FGS1", "name": "第一分公司工会", "parent_id": root.id})
    second = create_union({"code": "FGS2", "name": "第二分公司工会", "parent_id": root.id})
    project = create_union({"code": "XMB1", "name": "第一分公司某项目部工会", "parent_id": first.id})
    units = {"root": root, "first": first, "second": second, "project": project}
    casts, proposals = {}, {}
    for name, union in units.items():
        cast = Cast(make, session=make.new_session(union_id=union.id))
        casts[name] = cast if name == "root" else move_into(cast, union)
        proposals[name, "review"] = cast.proposal_in("review", title=f"{name} 审查中")
        proposals[name, "accepted"] = cast.proposal_in("accepted", title=f"{name} 已立案")
    return units, casts, proposals


# who reads which (union, state): by hand, from the rules above
READS = {
    ("root", "committee"): {(u, s) for u in UNIONS for s in ("review", "accepted")},
    ("first", "committee"): {
        ("first", "review"),
        ("first", "accepted"),
        ("project", "review"),
        ("project", "accepted"),
        ("root", "accepted"),
    },
    ("second", "committee"): {("second", "review"), ("second", "accepted"), ("root", "accepted")},
    ("project", "committee"): {
        ("project", "review"),
        ("project", "accepted"),
        ("first", "accepted"),
        ("root", "accepted"),
    },
    ("first", "admin"): {
        ("first", "review"),
        ("first", "accepted"),
        ("project", "review"),
        ("project", "accepted"),
        ("root", "accepted"),
    },
    ("root", "worker"): {("root", "accepted")},
    ("first", "worker"): {("root", "accepted"), ("first", "accepted")},  # home: the delegation's union
    ("first", "author"): {("root", "accepted"), ("first", "accepted"), ("first", "review")},  # and their own
    ("project", "worker"): {("root", "accepted"), ("first", "accepted"), ("project", "accepted")},
    ("second", "worker"): {("root", "accepted"), ("second", "accepted")},
}


def reader(casts, union: str, role: str):
    person = getattr(casts[union], role)
    if role == "worker" and union != "root":  # a plain worker of that union: in its delegation
        person.delegation_id = casts[union].delegation.id
        db.session.commit()
    return person


@pytest.mark.parametrize("who", sorted(READS), ids=lambda w: "-".join(w))
def test_who_reads_what_by_scope(group, who):
    units, casts, proposals = group
    user = reader(casts, *who)
    seen = {key for key, p in proposals.items() if can_view(user, p)}
    assert seen == READS[who]
    listed = set(db.session.scalars(select(Proposal.id).where(visible_filter(user), Proposal.state != "draft")))
    assert listed == {p.id for p in proposals.values() if can_view(user, p)} | (
        {p.id for p in proposals.values() if p.author_id == user.id}
    )


def test_a_shared_group_shows_siblings_public_results_never_their_internal_items(group):
    units, casts, proposals = group
    units["root"].share_public_results = True
    db.session.commit()
    worker = reader(casts, "first", "worker")
    seen = {key for key, p in proposals.items() if can_view(worker, p)}
    assert seen == {(u, "accepted") for u in UNIONS}
    committee = casts["second"].committee
    seen = {key for key, p in proposals.items() if can_view(committee, p)}
    assert seen == {(u, "accepted") for u in UNIONS} | {("second", "review")}


def test_a_role_fires_in_its_own_union_only(group):
    units, casts, proposals = group
    first_review = proposals["first", "review"]
    assert "accept" in available_events(first_review, casts["first"].committee)
    # the company's committee oversees it (reads it) but the decision is the grassroots congress's
    assert can_view(casts["root"].committee, first_review)
    assert "accept" not in available_events(first_review, casts["root"].committee)
    with pytest.raises(PermissionDenied):
        fire_event(first_review.id, "accept", casts["root"].committee)
    # nor does the grassroots committee decide the company's
    assert "accept" not in available_events(proposals["root", "review"], casts["first"].committee)
    # and the first union's committee does not fire in the union below it, which it oversees
    assert "accept" not in available_events(proposals["project", "review"], casts["first"].committee)
    db.session.refresh(first_review)
    assert first_review.state == "review"
    assert fire_event(first_review.id, "accept", casts["first"].committee).state == "accepted"


def test_the_api_answers_by_scope(client, group):
    units, casts, proposals = group
    api = api_client(client)
    committee = api.as_(casts["first"].committee)
    sibling = proposals["second", "review"]
    assert committee.get(f"/proposals/{sibling.id}").status_code == 404
    assert committee.fire(sibling.id, "accept").status_code == 404
    below = proposals["project", "review"]
    assert committee.get(f"/proposals/{below.id}").status_code == 200
    assert committee.fire(below.id, "accept").status_code == 403
    listed = {p["id"] for p in committee.get("/proposals?limit=100").json["items"]}
    assert listed == {p.id for key, p in proposals.items() if key in READS["first", "committee"]}
    worker = api.as_(reader(casts, "second", "worker"))
    assert worker.get(f"/proposals/{proposals['first', 'accepted'].id}").status_code == 404
    assert worker.get(f"/proposals/{proposals['second', 'accepted'].id}").status_code == 200
    db.session.refresh(below)
    assert below.state == "review"


def test_the_pages_answer_by_scope(client, group):
    from .helpers import login

    units, casts, proposals = group
    login(client, casts["first"].committee)
    assert client.get(f"/proposals/{proposals['second', 'review'].id}").status_code == 404
    assert client.get(f"/proposals/{proposals['project', 'review'].id}").status_code == 200
    assert client.get(f"/proposals/{proposals['root', 'review'].id}").status_code == 404
    assert client.get(f"/proposals/{proposals['root', 'accepted'].id}").status_code == 200
