"""The pages of a group of unions: a grassroots union's committee, supervisors, leaders and staff open the
pages their roles open (the dashboard, the review, their tasks, the reports), over their union and those
below it; the group dashboard (every union's rates side by side, ranked, drill-down, trends); the ledger
per union; the list's union filter. Written by hand from the issue's rules."""

import pytest

from proposals.operations import create_union, create_unit

from .conftest import Cast
from .helpers import api_client, login, move_into

TITLES = {"root": "关于公司食堂的提案", "first": "关于第一分公司班车的提案", "second": "关于第二分公司宿舍的提案"}


@pytest.fixture
def group(make):
    """The company union and two grassroots unions, a congress in each: the first closes one of two and has
    one under review, the second closes both, the company has one under review."""
    root = create_unit("union", {"code": "GH", "name": "某某集团公司工会"})
    first = create_union({"code": "FGS1", "name": "第一分公司工会", "parent_id": root.id})
    second = create_union({"code": "FGS2", "name": "第二分公司工会", "parent_id": root.id})
    casts = {
        "root": Cast(make, session=make.new_session()),
        "first": move_into(Cast(make, session=make.new_session(union_id=first.id)), first),
        "second": move_into(Cast(make, session=make.new_session(union_id=second.id)), second),
    }
    title = TITLES
    casts["first"].proposal_in("closed", title=title["first"] + "一")
    casts["first"].proposal_in("accepted", title=title["first"] + "二")
    casts["first"].proposal_in("review", title=title["first"] + "三")
    casts["second"].proposal_in("closed", title=title["second"] + "一")
    casts["second"].proposal_in("closed", title=title["second"] + "二")
    casts["second"].proposal_in("review", title=title["second"] + "三")
    casts["root"].proposal_in("review", title=title["root"])
    return {"root": root, "first": first, "second": second}, casts


# -- a grassroots union's roles open their pages ----------------------------------------------------


@pytest.mark.parametrize("role", ["committee", "supervisor", "leader", "admin"])
def test_a_grassroots_role_opens_the_dashboard_and_reports_of_its_union(client, group, role):
    units, casts = group
    login(client, getattr(casts["first"], role))
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert 'href="/dashboard/"' in home.text and 'href="/reports/"' in home.text  # in the menu
    dashboard = client.get("/dashboard/?session=all")
    assert dashboard.status_code == 200
    assert 'data-count="overdue"' in dashboard.text
    assert client.get("/reports/").status_code == 200


def test_a_grassroots_committee_reviews_and_sees_the_tasks_of_its_union_only(client, group):
    units, casts = group
    login(client, casts["first"].committee)
    tasks = client.get("/")
    assert tasks.status_code == 200
    assert TITLES["first"] + "三" in tasks.text  # awaiting its review
    assert TITLES["second"] not in tasks.text and TITLES["root"] not in tasks.text
    review = client.get("/review")
    assert review.status_code == 200
    assert TITLES["first"] + "三" in review.text
    assert TITLES["second"] not in review.text and TITLES["root"] not in review.text
    assert client.get("/review/assign").status_code == 200


def test_a_grassroots_committees_dashboard_counts_its_union_only(client, group):
    units, casts = group
    login(client, casts["first"].committee)
    page = client.get("/dashboard/?session=all")
    assert "统计范围：3 件提案" in page.text  # its own three; not the sibling's, not the company's
    api = api_client(client).as_(casts["first"].committee)
    assert api.get("/stats").json["total"] == 3


def test_a_worker_of_a_grassroots_union_still_has_no_dashboard(client, group):
    units, casts = group
    login(client, casts["first"].worker)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/review").status_code == 403
    assert client.get("/reports/").status_code == 403
    assert 'href="/dashboard/"' not in client.get("/").text
