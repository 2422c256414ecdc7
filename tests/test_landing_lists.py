"""Issue 16's landing pages and lists: the leader's landing, the dashboard's colour thresholds, the average
working days to reply and the department ranking, the public results' opening session, search and headline
figures, the empty states' next steps, and a page form's address opened again after a refusal."""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from proposals import facts, stats
from proposals.extensions import db
from proposals.models import Assignment, AuditEntry, Reply, root_union
from proposals.operations import rename_union
from proposals.operations.thresholds import DEFAULTS, level
from proposals.web.after_post import FORM_PAGES

from . import datasets
from .helpers import PASSWORD, api_client, login


def zh(msgid: str) -> str:
    import flask_babel

    with flask_babel.force_locale("zh_Hans_CN"):
        return flask_babel.gettext(msgid)


@pytest.fixture
def api(client):
    return api_client(client)


@pytest.fixture
def union():
    return rename_union({"name": "某某公司工会"})


# -- the leader lands on the dashboard ----------------------------------------------------------


def test_a_leader_lands_on_the_dashboard_after_login_and_on_home(client, cast):
    client.post("/logout")
    response = client.post("/login", data={"username": cast.leader.username, "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/dashboard/"
    home = client.get("/")
    assert home.status_code == 302 and home.location == "/dashboard/"
    page = client.get("/dashboard/").text
    assert 'href="/dashboard/" aria-current="page"' in page and ">我的待办</a>" not in page


def test_a_leader_with_other_duties_and_everyone_else_land_on_their_tasks(client, cast, make):
    for user in (make.user("leader", "delegate"), cast.committee, cast.worker, cast.admin):
        client.post("/logout")
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302 and response.location == "/", user.roles
        assert client.get("/").status_code == 200


# -- the dashboard's colour thresholds ----------------------------------------------------------


def test_a_rate_is_green_amber_or_red_by_the_thresholds():
    assert [level(r, DEFAULTS) for r in (None, 1.0, 0.9, 0.8999, 0.7, 0.6999, 0.0)] == [
        None,
        "green",
        "green",
        "amber",
        "amber",
        "red",
        "red",
    ]


def test_the_thresholds_over_the_api_are_validated_and_audited(api, cast, union):
    admin = api.as_(cast.admin)
    assert admin.get("/union/dashboard-thresholds").json == {"green": 90, "amber": 70}
    changed = admin.request("PUT", "/union/dashboard-thresholds", json={"green": 85, "amber": 60})
    assert changed.status_code == 200 and changed.json == {"green": 85, "amber": 60}
    for body, fields in (
        ({"green": 60, "amber": 60}, {"green", "amber"}),
        ({"green": 50, "amber": 60}, {"green", "amber"}),
        ({"green": 101, "amber": 60}, {"green"}),
        ({"green": 80, "amber": -1}, {"amber"}),
        ({"green": "80", "amber": 60}, {"green"}),
        ({"green": 80}, {"amber"}),
    ):
        refused = admin.request("PUT", "/union/dashboard-thresholds", json=body)
        assert refused.status_code == 422 and set(refused.json["fields"]) == fields, body
    assert (
        api.as_(cast.leader).request("PUT", "/union/dashboard-thresholds", json={"green": 95, "amber": 80}).status_code
        == 403
    )
    assert api.as_(cast.leader).get("/union/dashboard-thresholds").status_code == 403
    assert admin.get("/union/dashboard-thresholds").json == {"green": 85, "amber": 60}  # nothing refused was kept
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "union.dashboard_thresholds")).all()
    assert len(entries) == 1 and entries[0].actor_id == cast.admin.id and entries[0].target_id == root_union().id


def test_without_a_named_union_the_thresholds_wait_for_it(api, cast):
    admin = api.as_(cast.admin)
    assert admin.get("/union/dashboard-thresholds").json == DEFAULTS
    refused = admin.request("PUT", "/union/dashboard-thresholds", json={"green": 80, "amber": 60})
    assert refused.status_code == 409 and "工会名称" in refused.json["error"]


def test_the_union_page_sets_the_thresholds(client, cast, union):
    login(client, cast.admin)
    page = client.get("/admin/union").text
    assert zh("Dashboard colours") in page and 'name="green"' in page and 'value="90"' in page
    refused = client.post("/admin/union/dashboard-thresholds", data={"green": "70", "amber": "80"})
    assert refused.status_code == 422 and zh("Green must start above amber.") in refused.text
    assert 'value="80"' in refused.text  # what was typed stays
    again = client.get("/admin/union/dashboard-thresholds")  # reloading the refused form's address
    assert again.status_code == 303 and again.location == "/admin/union#dashboard-thresholds"
    saved = client.post("/admin/union/dashboard-thresholds", data={"green": "80", "amber": "50"})
    assert saved.status_code == 302
    page = client.get(saved.location).text
    assert "看板颜色已保存：80% 起为绿色，50% 起为黄色。" in page and 'value="80"' in page


def tile_level(page: str, rate: str) -> str | None:
    found = re.search(r'<li class="rate-tile(?: kpi kpi-(\w+))?">\s*<a[^>]*>[^<]*<span[^>]*>[^<]*</span>\s*'
                      rf'<strong class="rate-value" data-rate="{rate}">', page)  # fmt: skip
    assert found, rate
    return found.group(1)


def test_the_dashboards_colours_follow_the_thresholds(client, cast, make, union):
    datasets.hand_checked(cast, make)  # on-time 83.3 %, satisfaction 75.0 %, acceptance 81.8 % (test_stats.py)
    login(client, cast.leader)
    page = client.get(f"/dashboard/?session={cast.session.id}").text
    assert tile_level(page, "on_time_rate") == "amber" and tile_level(page, "satisfaction_rate") == "amber"
    assert "颜色：90% 及以上为绿色，70% 及以上为黄色，以下为红色。" in page
    api_client(client).as_(cast.admin).request("PUT", "/union/dashboard-thresholds", json={"green": 80, "amber": 76})
    login(client, cast.leader)
    page = client.get(f"/dashboard/?session={cast.session.id}").text
    assert tile_level(page, "on_time_rate") == "green" and tile_level(page, "satisfaction_rate") == "red"
    assert 'data-level="green">达标</span>' in page and 'data-level="red">未达标</span>' in page


# -- the average working days to reply, and the department ranking ------------------------------


def replied_on(proposal, assigned: datetime, replied: datetime) -> None:
    db.session.execute(
        Assignment.__table__.update().where(Assignment.proposal_id == proposal.id).values(assigned_at=assigned)
    )
    db.session.execute(Reply.__table__.update().where(Reply.proposal_id == proposal.id).values(created_at=replied))
    facts.refresh_facts([proposal.id])  # the rows were rewritten behind the operations' back: their facts too
    db.session.commit()


def test_the_average_working_days_to_reply_is_in_every_row_of_the_report(api, cast, make, client):
    """Assigned Friday 25 September 2026; replied 9 October (5 working days: the National Day holiday is off)
    and 28 September (1 working day), as tests/test_papers.py counts them."""
    one = cast.proposal_in("replied")
    two = cast.proposal_in("replied", category="safety")
    cast.proposal_in("accepted")  # no reply: not counted
    replied_on(one, datetime(2026, 9, 25, 2), datetime(2026, 10, 9, 2))
    replied_on(two, datetime(2026, 9, 25, 2), datetime(2026, 9, 28, 2))
    numbers = stats.report(cast.session.id)
    assert numbers["avg_working_days_to_reply"] == 3
    assert numbers["avg_working_days_to_reply"] == stats.reply_working_days(cast.session.id)["average"]
    (department,) = numbers["by_department"]
    assert department["department_id"] == cast.lead_dept.id and department["avg_working_days_to_reply"] == 3
    by_category = {r["category"]: r["avg_working_days_to_reply"] for r in numbers["by_category"]}
    assert by_category == {"welfare": 5, "safety": 1}
    assert [r["avg_working_days_to_reply"] for r in numbers["by_session"]] == [3]
    assert numbers["by_delegation"][0]["avg_working_days_to_reply"] == 3
    answer = api.as_(cast.committee).get(f"/stats?session_id={cast.session.id}").json
    assert answer["avg_working_days_to_reply"] == 3 and answer["by_department"][0]["avg_working_days_to_reply"] == 3
    login(client, cast.leader)
    page = client.get(f"/dashboard/?session={cast.session.id}").text
    assert 'data-figure="avg_working_days_to_reply">3.0</strong>' in page
    assert "<td data-days>3.0</td>" in page and "<td data-days>5.0</td>" in page  # the ranking; by category
    other = make.new_session()
    assert stats.report(other.id)["avg_working_days_to_reply"] is None
    assert api.as_(cast.committee).get(f"/stats?session_id={other.id}").json["avg_working_days_to_reply"] is None


def test_the_ledgers_summary_names_the_average_by_category(client, cast):
    import io

    from openpyxl import load_workbook

    one = cast.proposal_in("replied")
    replied_on(one, datetime(2026, 9, 25, 2), datetime(2026, 10, 9, 2))
    login(client, cast.committee)
    book = load_workbook(io.BytesIO(client.get(f"/reports/ledger.xlsx?session={cast.session.id}").data))
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "按类别")
    assert header[-1] == "平均答复工作日"
    welfare = next(r for r in rows[rows.index(header) :] if r and r[0] == one.category.name)
    assert welfare[-1] == 5


def row(code, on_time, satisfied, took, accepted=1.0):
    rates = {"on_time_rate": on_time, "satisfaction_rate": satisfied, "acceptance_rate": accepted}
    return {"code": code, "rates": rates, "avg_working_days_to_reply": took}


def test_departments_rank_by_on_time_then_satisfaction_then_days_never_by_acceptance():
    rows = [
        row("a", 0.8, 0.9, 10, accepted=1.0),
        row("b", 0.9, 0.5, 20, accepted=0.1),
        row("c", 0.8, 0.9, 5),
        row("d", None, None, None),
        row("e", 0.8, None, 1),
        row("f", 0.8, 0.9, None),
    ]
    assert [r["code"] for r in stats.department_ranking(rows)] == ["b", "c", "a", "f", "e", "d"]


def test_the_dashboard_ranks_the_departments(client, cast, make):
    datasets.hand_checked(cast, make)  # the lead department replied, 5 of 6 on time; the other has no reply
    login(client, cast.leader)
    page = client.get(f"/dashboard/?session={cast.session.id}").text
    table = page[page.index('id="department-ranking"') :]
    table = table[: table.index("</table>")]
    places = re.findall(r'<tr data-department="(\d+)"><td data-place>(\d+)</td>', table)
    assert places == [(str(cast.lead_dept.id), "1"), (str(cast.other_dept.id), "2")]
    assert "立案率" not in table


# -- the public results ----------------------------------------------------------------------------


def shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<h2><a href="/proposals/(\d+)">', page)]


def test_the_public_results_open_on_the_current_session_with_search_and_headline_figures(client, cast, make):
    from tests.conftest import Cast

    old = Cast(make, make.new_session())
    earlier = old.proposal_in("closed", title="往届的提案")
    now = cast.proposal_in("closed", title="关于食堂增加窗口的提案")
    also = cast.proposal_in("accepted", title="关于班车的提案")
    old.session.is_open = False
    db.session.commit()
    login(client, cast.worker)
    page = client.get("/public").text
    assert sorted(shown(page)) == sorted([now.id, also.id])
    assert f'<option selected value="{cast.session.id}">' in page or f'value="{cast.session.id}" selected' in page
    numbers = stats.report(cast.session.id)
    assert f'<dd data-figure="accepted">{numbers["accepted"]}</dd>' in page and numbers["accepted"] == 2
    assert "立案数" in page and "办结率" in page and "满意率" in page
    assert 'data-figure="closure_rate">50.0%</dd>' in page
    assert sorted(shown(client.get("/public?session=").text)) == sorted([now.id, also.id, earlier.id])
    assert shown(client.get("/public?q=增加窗口").text) == [now.id]
    assert shown(client.get(f"/public?session={old.session.id}&q=增加窗口").text) == []
    assert client.get("/public?q=" + "长" * 201).status_code == 400
    empty = client.get("/public?q=没有这样的提案").text
    assert "清除筛选，显示全部会议" in empty and 'href="/public?session="' in empty


# -- empty states ----------------------------------------------------------------------------------


def test_an_empty_list_offers_to_clear_the_filters_or_to_start_a_proposal(client, cast):
    login(client, cast.worker)
    nothing = client.get("/proposals/").text
    assert "没有符合条件的提案。" in nothing
    assert 'href="/proposals/new" data-next="new"' in nothing
    cast.proposal_in("accepted")
    filtered = client.get("/proposals/?q=没有这样的提案").text
    assert 'href="/proposals/" data-next="clear"' in filtered and "清除筛选，显示全部" in filtered


def test_an_empty_home_and_review_say_what_to_do_next(client, cast):
    login(client, cast.worker)
    home = client.get("/").text
    assert 'href="/proposals/new" data-next="new"' in home and 'href="/public" data-next="public"' in home
    login(client, cast.committee)
    review = client.get("/review").text
    assert 'data-next="cosigning"' in review and "查看仍在征集附议的提案" in review
    assert 'data-next="clear"' in client.get("/review?q=没有").text


# -- post, redirect, get ---------------------------------------------------------------------------


def test_every_page_form_address_leads_back_to_its_page(app):
    """Each address that takes a page's form (POST only) has the page it leads back to when opened."""
    posted_only = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith("/api/") and "POST" in rule.methods and "GET" not in rule.methods
    }
    assert posted_only == set(FORM_PAGES)


@pytest.mark.parametrize("who", ["admin", "committee"])
def test_opening_a_form_address_never_says_405(app, client, cast, who):
    proposal = cast.proposal_in("review")
    login(client, getattr(cast, who))
    values = {"proposal_id": proposal.id, "event": "accept", "attachment_id": 1, "session_id": cast.session.id,
              "user_id": cast.worker.id, "unit_id": cast.lead_dept.id, "kind": "roster", "year": 2030,
              "category_id": 1, "robot_id": 1, "delivery_id": 1, "notification_id": 1, "override_id": 1,
              "token_id": 1, "slips_id": 1}  # fmt: skip
    adapter = app.url_map.bind("localhost")
    for endpoint in FORM_PAGES:
        rule = next(r for r in app.url_map.iter_rules(endpoint) if "POST" in r.methods)
        path = rule.build({name: values[name] for name in rule.arguments})[1]
        response = client.get(path)
        assert response.status_code == 303, (path, response.status_code)
        target = response.location.split("#")[0]
        adapter.match(target.split("?")[0], method="GET")  # a page that takes GET
    assert api_client(client).as_(cast.committee).get(f"/proposals/{proposal.id}/events/accept").status_code == 405


def test_reloading_a_refused_event_form_shows_the_proposal(client, cast):
    proposal = cast.proposal_in("review")
    login(client, cast.committee)
    refused = client.post(f"/proposals/{proposal.id}/events/reject", data={"reason": ""})
    assert refused.status_code == 422
    again = client.get(f"/proposals/{proposal.id}/events/reject")
    assert again.status_code == 303 and again.location == f"/proposals/{proposal.id}#event-reject"
    assert client.get(again.location).status_code == 200
    db.session.expire_all()  # the refusal changed nothing
    assert db.session.get(type(proposal), proposal.id).state == "review"
