"""Issue 16's bulk review: the result table shows the numbers given, the lists have a select-all box,
and accepted proposals are assigned in bulk, each through the assign event, all or none."""

import re

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Assignment, HistoryEntry, Proposal
from proposals.operations import bulk, fire_event
from workflow import StateConflict

from .helpers import listed, login


def fresh(proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


def result_rows(page: str) -> list[tuple[str, str]]:
    table = re.search(r'<table class="table results-table">(.*?)</table>', page, re.S).group(1)
    return re.findall(r'<td class="outcome-number">(.*?)</td>\s*<td>(.*?)</td>', table, re.S)


@pytest.fixture
def accepted(cast):
    return [cast.proposal_in("accepted", title=f"待交办提案{n}") for n in range(3)]


def test_the_review_results_show_the_numbers_given(client, cast):
    chosen = [cast.proposal_in("review", title=f"待审查{n}") for n in range(2)]
    login(client, cast.committee)
    response = client.post("/review", data={"ids": [str(p.id) for p in chosen], "decision": "accept"})
    assert response.status_code == 200
    numbers = sorted(fresh(p).number for p in chosen)
    rows = result_rows(response.text)
    assert [cell for cell, _ in rows] == [f"第{n}号" for n in numbers]
    assert [re.sub(r"<[^>]+>", "", said).strip() for _, said in rows] == [f"已立案，案号第 {n} 号。" for n in numbers]


def test_the_review_and_assignment_lists_have_a_select_all_box(client, cast, accepted):
    cast.proposal_in("review")
    login(client, cast.committee)
    for path in ("/review", "/review/assign"):
        page = client.get(path).text
        assert 'data-select-all="ids"' in page and "全选" in page, path
        assert '<script src="/static/js/select-all.js" defer></script>' in page, path
    with client.get("/static/js/select-all.js") as script:
        assert script.status_code == 200 and b"data-select-all" in script.data


def test_the_committee_assigns_several_at_once(client, cast, accepted):
    cast.proposal_in("review")  # not offered: it is not accepted yet
    login(client, cast.committee)
    page = client.get("/review/assign")
    assert page.status_code == 200 and listed(page.text) == [p.id for p in accepted]
    assert 'href="/review/assign"' in client.get("/review").text
    data = {
        "ids": [str(p.id) for p in accepted[:2]],
        "lead_department_id": str(cast.lead_dept.id),
        "cohandler_department_ids": [str(cast.co_dept.id)],
        "comment": "请抓紧办理。",
    }
    response = client.post("/review/assign", data=data)
    assert response.status_code == 200
    assert "已交办 2 件提案。" in response.text
    for p in accepted[:2]:
        now = fresh(p)
        assert now.state == "assigned" and now.lead_department_id == cast.lead_dept.id
        rows = db.session.scalars(select(Assignment).where(Assignment.proposal_id == p.id)).all()
        assert {(a.department_id, a.role) for a in rows} == {
            (cast.lead_dept.id, "lead"),
            (cast.co_dept.id, "cohandler"),
        }
        assert (
            db.session.scalar(
                select(func.count()).where(HistoryEntry.proposal_id == p.id, HistoryEntry.event == "assign")
            )
            == 1
        )
    assert fresh(accepted[2]).state == "accepted"
    rows = result_rows(response.text)
    assert [cell for cell, _ in rows] == [f"第{fresh(p).number}号" for p in accepted[:2]]
    assert all(f"已交办给{cast.lead_dept.name}。" in said for _, said in rows)
    assert listed(response.text) == [accepted[2].id]


def test_bulk_assignment_is_all_or_nothing(client, cast, accepted):
    fire_event(accepted[1].id, "assign", cast.committee, {"lead_department_id": cast.other_dept.id})
    login(client, cast.committee)
    data = {"ids": [str(p.id) for p in accepted], "lead_department_id": str(cast.lead_dept.id)}
    response = client.post("/review/assign", data=data)
    assert response.status_code == 409
    assert "未交办任何提案" in response.text
    assert [fresh(p).state for p in accepted] == ["accepted", "assigned", "accepted"]
    assert fresh(accepted[1]).lead_department_id == cast.other_dept.id
    assert db.session.scalar(select(func.count()).where(HistoryEntry.event == "assign")) == 1


def test_bulk_assignment_needs_a_lead_department_and_a_choice(client, cast, accepted):
    login(client, cast.committee)
    response = client.post("/review/assign", data={"ids": [str(accepted[0].id)], "lead_department_id": "0"})
    assert response.status_code == 422
    assert re.search(r'id="lead_department_id-error">[^<]+<', response.text)
    response = client.post("/review/assign", data={"lead_department_id": str(cast.lead_dept.id)})
    assert response.status_code == 422 and "请至少从列表中选择一件提案。" in response.text
    assert all(fresh(p).state == "accepted" for p in accepted)


@pytest.mark.parametrize("who", ["worker", "delegate1", "lead", "supervisor", "admin", "leader", "head"])
def test_others_may_not_assign_in_bulk(client, cast, accepted, who):
    login(client, getattr(cast, who))
    assert client.get("/review/assign").status_code == 403
    data = {"ids": [str(p.id) for p in accepted], "lead_department_id": str(cast.lead_dept.id)}
    assert client.post("/review/assign", data=data).status_code == 403
    assert all(fresh(p).state == "accepted" for p in accepted)


def test_the_operation_keeps_nothing_when_one_is_refused(cast, accepted):
    fire_event(accepted[2].id, "assign", cast.committee, {"lead_department_id": cast.other_dept.id})
    with pytest.raises(bulk.Refused) as refused:
        bulk.fire_on_all([p.id for p in accepted], "assign", cast.committee, {"lead_department_id": cast.lead_dept.id})
    assert refused.value.proposal_id == accepted[2].id and isinstance(refused.value.error, StateConflict)
    assert [fresh(p).state for p in accepted] == ["accepted", "accepted", "assigned"]
    done = bulk.fire_on_all(
        [p.id for p in accepted[:2]], "assign", cast.committee, {"lead_department_id": cast.lead_dept.id}
    )
    assert [p.id for p in done] == [p.id for p in accepted[:2]]
    assert [fresh(p).state for p in accepted[:2]] == ["assigned", "assigned"]
