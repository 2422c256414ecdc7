"""The group's figures (GET /api/v1/stats/unions): every union's rates side by side, ranked, with drill-down
into one union; each over the unions the caller oversees."""

import pytest

from proposals import stats
from proposals.operations import fire_event

from .helpers import api_client, group_of_unions

REASON = {"reason": "超出本单位职权范围。"}


@pytest.fixture
def group(make):
    units, casts = group_of_unions(make)
    # the first closes one of two; the second closes both; the company has one under review and one escalated
    casts["first"].proposal_in("closed")
    casts["first"].proposal_in("accepted")
    casts["second"].proposal_in("closed")
    casts["second"].proposal_in("closed")
    casts["root"].proposal_in("review")
    sent = casts["first"].proposal_in("review")
    fire_event(sent.id, "escalate", casts["first"].committee, REASON)
    return units, casts


@pytest.fixture
def api(client):
    return api_client(client)


def test_every_union_side_by_side_ranked_by_closure(api, group):
    units, casts = group
    answer = api.as_(casts["root"].committee).get("/stats/unions")
    assert answer.status_code == 200 and answer.json["rank"] == "closure_rate"
    rows = {r["code"]: r for r in answer.json["unions"]}
    assert [r["code"] for r in answer.json["unions"]] == ["FGS2", "FGS1", "GH"]  # 100 %, 50 %, none accepted
    assert rows["FGS1"]["total"] == 2 and rows["FGS1"]["escalated"] == 1
    assert rows["FGS1"]["rates"]["closure_rate"] == 0.5 and rows["FGS2"]["rates"]["closure_rate"] == 1.0
    assert rows["GH"]["total"] == 2 and rows["GH"]["counts"]["review"] == 2  # its own, and the one sent up
    assert rows["GH"]["parent_id"] is None and rows["FGS1"]["parent_id"] == units["root"].id
    # the report's own breakdown is the same numbers (one definition)
    assert {r["code"]: r["total"] for r in stats.report()["by_union"]} == {"GH": 2, "FGS1": 2, "FGS2": 2}
    by_rating = api.as_(casts["root"].leader).get("/stats/unions?rank=satisfaction_rate")
    assert by_rating.status_code == 200 and by_rating.json["rank"] == "satisfaction_rate"


def test_drill_down_into_one_union(api, group):
    units, casts = group
    answer = api.as_(casts["root"].admin).get(f"/stats/unions?union={units['first'].id}")
    assert answer.status_code == 200
    assert [r["code"] for r in answer.json["unions"]] == ["FGS1"]
    assert [s["session_id"] for s in answer.json["sessions"]] == [casts["first"].session.id]
    assert answer.json["sessions"][0]["escalated"] == 1


def test_a_grassroots_committee_sees_its_own_union_not_its_sibling_or_the_company(api, group):
    units, casts = group
    mine = api.as_(casts["first"].committee)
    answer = mine.get("/stats/unions")
    assert [r["code"] for r in answer.json["unions"]] == ["FGS1"]
    assert mine.get(f"/stats/unions?union={units['second'].id}").status_code == 403
    assert mine.get(f"/stats/unions?union={units['root'].id}").status_code == 403


def test_workers_and_bad_input_are_refused(api, group, make):
    units, casts = group
    assert api.as_(casts["first"].worker).get("/stats/unions").status_code == 403
    boss = api.as_(casts["root"].committee, language="zh-CN")
    assert boss.get("/stats/unions?rank=fastest").status_code == 422
    assert boss.get("/stats/unions?union=abc").status_code == 422
    assert boss.get("/stats/unions?union=999999").status_code == 404
    department = make.unit("department")
    assert boss.get(f"/stats/unions?union={department.id}").status_code == 404
