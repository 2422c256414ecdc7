"""My tasks (待办), the home page: each role's groups, their counts on a known dataset, their links."""

import re
from datetime import timedelta

import pytest

from proposals.models.base import utcnow
from proposals.operations import fire_event, update_session
from proposals.stats import local_today

from . import datasets
from .helpers import listed, login


@pytest.fixture
def dataset(cast, make):
    return datasets.stages(cast, make)


def groups(page: str) -> dict[str, int]:
    """The task groups on the page, by name, with their counts."""
    found = re.findall(r'id="task-(\w+)".*?data-count="(\d+)"', page, flags=re.S)
    return {name: int(n) for name, n in found}


EXPECTED = {  # on test_queries' dataset; groups open to everyone (drafts, ratings) show only when not empty
    "author": {"drafts": 1, "evaluate": 2},
    "worker": {"drafts": 1},
    "delegate1": {"cosign": 2, "evaluate": 1},
    "delegate3": {"cosign": 2},
    "head": {"cosign": 3, "forward": 1},
    "committee": {"review": 1, "assign": 1},
    "lead": {"acknowledge": 1, "reply": 4, "countersign": 0},
    "cohandler": {"acknowledge": 2, "reply": 0, "countersign": 1},
    "other_handler": {"acknowledge": 1, "reply": 1, "countersign": 0},
    "supervisor": {"urge": 1},
    "admin": {},
}  # a leader with no other role lands on the dashboard instead (tests/test_landing_lists.py)


def test_each_role_sees_its_groups_with_their_counts_and_links_to_exactly_their_items(client, cast, dataset):  # noqa: F811
    for who, expected in EXPECTED.items():
        login(client, getattr(cast, who))
        response = client.get("/")
        assert response.status_code == 200
        page = response.text
        assert groups(page) == expected, who
        if not expected:
            assert "您目前没有待办事项。" in page
        assert ('<a href="/review">批量审查</a>' in page) == (who == "committee"), who
        for group, count in expected.items():
            if not count:
                assert f'id="task-{group}"' in page and "暂无。" in page
                continue
            link = re.search(rf'id="task-{group}".*?<a href="(/proposals/\?[^"]+)"', page, flags=re.S).group(1)
            assert f"task={group}" in link
            rows = listed(client.get(link.replace("&amp;", "&")).text)
            assert len(rows) == count == len(set(rows)), (who, group)


def test_the_home_page_greets_the_user_and_names_their_roles(client, cast):
    login(client, cast.head)
    page = client.get("/").text
    assert f"欢迎您，{cast.head.name}" in page
    assert '<li class="tag">职工代表</li><li class="tag">代表团团长</li>' in page
    assert cast.delegation.name in page
    assert '<a href="/" aria-current="page">我的待办</a>' in page


def test_deadlines_read_in_working_days_and_overdue_stands_out(client, cast):
    late = cast.proposal_in("accepted", title="逾期未签收")
    fire_event(
        late.id, "assign", cast.committee, {"lead_department_id": cast.lead_dept.id}, now=utcnow() - timedelta(90)
    )
    cast.proposal_in("assigned", title="刚交办")
    login(client, cast.lead)
    page = client.get("/").text
    assert "逾期未签收" in page and "刚交办" in page
    assert re.search(r"已逾期 \d+ 个工作日", page)
    assert re.search(r"剩余 \d+ 个工作日", page)
    english = client.get("/?lang=en").text
    assert "Assignments to acknowledge" in english and "working days left" in english


def test_an_open_vote_is_announced_to_delegates(app, client, cast):
    today = local_today()
    window = {
        "vote_start": (today - timedelta(days=1)).isoformat(),
        "vote_end": (today + timedelta(days=5)).isoformat(),
    }
    update_session(cast.session, window)
    login(client, cast.delegate3)
    page = client.get("/").text
    assert "优秀提案评选投票进行中" in page and cast.session.name in page
    if "votes.index" in app.view_functions:
        assert 'href="/votes' in page
    login(client, cast.worker)
    assert "优秀提案评选投票进行中" not in client.get("/").text


def test_delegation_review_appears_only_when_a_session_has_it_on(client, cast):
    login(client, cast.head)
    assert "forward" not in groups(client.get("/").text)
    update_session(cast.session, {"delegation_review": True})
    login(client, cast.head)
    assert groups(client.get("/").text)["forward"] == 0


def test_home_sends_anonymous_users_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/login"


def test_the_old_home_address_leads_home(client, cast):
    login(client, cast.worker)
    response = client.get("/home")
    assert response.status_code == 302 and response.location == "/"
