"""The pages of a group of unions: a grassroots union's committee, supervisors, leaders and staff open the
pages their roles open (the dashboard, the review, their tasks, the reports), over their union and those
below it; the group dashboard (every union's rates side by side, ranked, drill-down, trends); the ledger
per union; the list's union filter. Written by hand from the issue's rules."""

import csv
import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from proposals.reports.ledger import COLUMNS

from .helpers import api_client, group_of_unions, login

TITLES = {"root": "关于公司食堂的提案", "first": "关于第一分公司班车的提案", "second": "关于第二分公司宿舍的提案"}


@pytest.fixture
def group(make):
    """The company union and two grassroots unions, a congress in each: the first closes one of two and has
    one under review, the second closes both, the company has one under review."""
    units, casts = group_of_unions(make)
    title = TITLES
    casts["first"].proposal_in("closed", title=title["first"] + "一")
    casts["first"].proposal_in("accepted", title=title["first"] + "二")
    casts["first"].proposal_in("review", title=title["first"] + "三")
    casts["second"].proposal_in("closed", title=title["second"] + "一")
    casts["second"].proposal_in("closed", title=title["second"] + "二")
    casts["second"].proposal_in("review", title=title["second"] + "三")
    casts["root"].proposal_in("review", title=title["root"])
    casts["root"].proposal_in("accepted", title=title["root"] + "（已立案）")  # public to the whole group
    return units, casts


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
    # not the company's accepted proposal, which it reads as public: the figures are of the unions it oversees
    assert TITLES["root"] not in page.text
    api = api_client(client).as_(casts["first"].committee)
    assert api.get("/stats").json["total"] == 3  # the API's figures are the dashboard's
    assert api.get(f"/stats?session_id={casts['root'].session.id}").json["total"] == 0
    assert client.get(f"/dashboard/?session={casts['root'].session.id}").status_code == 404


def test_a_worker_of_a_grassroots_union_still_has_no_dashboard(client, group):
    units, casts = group
    login(client, casts["first"].worker)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/review").status_code == 403
    assert client.get("/reports/").status_code == 403
    assert 'href="/dashboard/"' not in client.get("/").text


# -- the group dashboard ----------------------------------------------------------------------------


def _union_rows(page: str) -> list[str]:
    """The unions' codes of the side-by-side table, in their order."""
    table = page.split('data-table="unions"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-union="([^"]+)"', table)


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_the_group_dashboard_shows_every_union_side_by_side_ranked(client, group, role):
    units, casts = group
    login(client, getattr(casts["root"], role))
    assert 'data-link="group"' in client.get("/dashboard/").text  # linked from the dashboard
    assert 'href="/dashboard/unions"' in client.get("/dashboard/").text  # and from the menu
    page = client.get("/dashboard/unions")
    assert page.status_code == 200
    # by closure: the second closed both (100 %), the first one of two (50 %), the company none of one
    assert _union_rows(page.text) == ["FGS2", "FGS1", "GH"]
    api = api_client(client).as_(getattr(casts["root"], role)).get("/stats/unions").json
    assert [r["code"] for r in api["unions"]] == _union_rows(page.text)  # the same figures as the API
    assert "100.0%" in page.text and "50.0%" in page.text
    by_rating = client.get("/dashboard/unions?rank=satisfaction_rate")
    assert by_rating.status_code == 200 and _union_rows(by_rating.text)[:2] == ["FGS1", "FGS2"]  # both 100 %: by code
    assert client.get("/dashboard/unions?rank=fastest").status_code == 404


def test_a_grassroots_union_sees_its_own_figures_never_its_siblings(client, group):
    units, casts = group
    login(client, casts["first"].admin)
    page = client.get("/dashboard/unions")
    assert page.status_code == 200 and _union_rows(page.text) == ["FGS1"]
    assert "第二分公司工会" not in page.text
    refused = client.get(f"/dashboard/unions?union={units['second'].id}")
    assert refused.status_code == 403 and "可以查看其统计数字" in refused.text  # in the reader's language
    assert client.get(f"/dashboard/?union={units['second'].id}").status_code == 403
    assert client.get(f"/dashboard/?union={units['root'].id}").status_code == 403
    gone = client.get("/dashboard/unions?union=999999")
    assert gone.status_code == 404 and "没有这个工会" in gone.text  # in the reader's language
    login(client, casts["second"].worker)
    assert client.get("/dashboard/unions").status_code == 403
    assert 'href="/dashboard/unions"' not in client.get("/").text


def test_drill_down_into_one_union(client, group):
    units, casts = group
    login(client, casts["root"].leader)
    first = units["first"]
    page = client.get(f"/dashboard/unions?union={first.id}")
    assert page.status_code == 200
    assert _union_rows(page.text) == ["FGS1"]
    assert f'data-session="{casts["first"].session.id}"' in page.text
    assert f'href="/dashboard/?union={first.id}&amp;session=all"' in page.text
    own = client.get(f"/dashboard/?union={first.id}&session=all")
    assert own.status_code == 200 and "统计范围：3 件提案" in own.text  # its own sessions only
    assert f"union={first.id}" in own.text  # its figures link to its own proposals


# -- the ledger per union, the list's union filter --------------------------------------------------


def _ledger_titles(data: bytes) -> set[str]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), fieldnames=COLUMNS))[1:]
    return {r["title"] for r in rows}


def test_the_ledger_of_one_union_holds_that_union_only_and_is_named_after_it(client, group):
    units, casts = group
    login(client, casts["root"].admin)
    first = units["first"]
    response = client.get(f"/reports/ledger.csv?union={first.id}")
    assert response.status_code == 200
    assert _ledger_titles(response.data) == {TITLES["first"] + n for n in "一二三"}
    disposition = unquote(response.headers["Content-Disposition"])
    assert "第一分公司工会" in disposition and "ledger-FGS1-" in disposition
    workbook = client.get(f"/reports/ledger.xlsx?union={first.id}")
    assert workbook.status_code == 200 and "ledger-FGS1-" in workbook.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(workbook.data)).active.iter_rows(values_only=True))[1:]
    assert {dict(zip(COLUMNS, r, strict=True))["title"] for r in rows} == _ledger_titles(response.data)
    group_ledger = client.get("/reports/ledger.csv")  # the group's: every union
    assert len(_ledger_titles(group_ledger.data)) == 8
    assert "ledger-FGS" not in group_ledger.headers["Content-Disposition"]
    api = api_client(client).as_(casts["root"].admin)
    by_api = api.get(f"/reports/ledger.csv?union_id={units['second'].id}")
    assert by_api.status_code == 200 and _ledger_titles(by_api.data) == {TITLES["second"] + n for n in "一二三"}


def test_a_grassroots_ledger_is_its_own_by_default_and_a_siblings_is_refused(client, group):
    units, casts = group
    login(client, casts["first"].committee)
    mine = client.get("/reports/ledger.csv")
    assert mine.status_code == 200
    assert _ledger_titles(mine.data) == {TITLES["first"] + n for n in "一二三"}  # not the company's public ones
    assert client.get(f"/reports/ledger.csv?union={units['second'].id}").status_code == 403
    assert client.get(f"/reports/ledger.csv?union={units['root'].id}").status_code == 403
    assert client.get("/reports/ledger.csv?union=999999").status_code == 400  # not one of the listed unions
    api = api_client(client).as_(casts["first"].committee, language="en")
    refused = api.get(f"/reports/ledger.xlsx?union_id={units['second'].id}")
    assert refused.status_code == 403 and "see its figures" in refused.json["error"]
    assert api.get("/reports/ledger.csv?union_id=999999").status_code == 404


def test_the_list_filters_by_union_within_what_the_reader_may_see(client, group):
    units, casts = group
    login(client, casts["root"].committee)
    page = client.get(f"/proposals/?union={units['second'].id}")
    assert page.status_code == 200
    assert TITLES["second"] + "一" in page.text and TITLES["first"] not in page.text
    assert 'name="union"' in page.text  # offered where there is a group
    assert client.get("/proposals/?union=999999").status_code == 400
    # a worker of the first union: the second's accepted proposals are not theirs to read (no sharing)
    login(client, casts["first"].worker)
    assert TITLES["second"] not in client.get(f"/proposals/?union={units['second'].id}").text
    api = api_client(client).as_(casts["root"].committee)
    listed = api.get(f"/proposals?union_id={units['first'].id}&limit=100").json["items"]
    assert {p["title"] for p in listed} == {TITLES["first"] + n for n in "一二三"}
    assert api.get("/proposals?union_id=999999").status_code == 404
    worker = api_client(client).as_(casts["first"].worker)
    assert worker.get(f"/proposals?union_id={units['second'].id}").json["items"] == []


def test_the_reports_page_offers_the_papers_of_the_unions_overseen_and_names_them(client, group):
    units, casts = group
    login(client, casts["first"].committee)
    page = client.get("/reports/")
    assert page.status_code == 200
    assert f"/reports/sessions/{casts['first'].session.id}/compilation.pdf" in page.text
    assert f"/reports/sessions/{casts['second'].session.id}/compilation.pdf" not in page.text
    assert client.get(f"/reports/?union={units['second'].id}").status_code == 403
    login(client, casts["root"].admin)
    page = client.get(f"/reports/?union={units['second'].id}")
    assert page.status_code == 200 and "第二分公司工会 · " in page.text
    assert f"/reports/sessions/{casts['first'].session.id}/compilation.pdf" not in page.text
    assert f"/reports/sessions/{casts['second'].session.id}/compilation.pdf" in page.text
    paper = client.get(f"/reports/sessions/{casts['second'].session.id}/compilation.pdf")
    assert paper.status_code == 200
    disposition = unquote(paper.headers["Content-Disposition"])
    assert "第二分公司工会" in disposition and "FGS2-compilation-" in disposition
