"""The dashboard: who may see it, that its figures are the API's, and that each links to the items behind it."""

import html
import re

import flask_babel
import pytest

from proposals.extensions import db
from proposals.i18n import compile_translations
from proposals.models import ApiToken
from proposals.stats import overdue_proposals, ranked, report, trend

from . import datasets
from .helpers import login


@pytest.fixture
def dataset(cast, make):
    return datasets.hand_checked(cast, make)


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_translations(force=True)  # with every parts/*.po, even after a plain `pybabel compile`


def zh(msgid: str, **params) -> str:
    """A message as the Chinese pages say it."""
    with flask_babel.force_locale("zh_Hans_CN"):
        return flask_babel.gettext(msgid, **params)


def api_stats(client, user, session_id):
    _, secret = ApiToken.issue(user, 1)
    db.session.commit()
    response = client.get(f"/api/v1/stats?session_id={session_id}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    return response.json


def percent(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


def tile(page: str, key: str) -> tuple[str, str]:
    """A rate tile's link and figure."""
    match = re.search(
        r'<a href="([^"]+)"><span class="rate-label">[^<]*</span>\s*<strong class="rate-value" data-'
        + key
        + r'">([^<]*)</strong>',
        page,
    )
    assert match, key
    return html.unescape(match.group(1)), match.group(2)


def listed_ids(client, url: str) -> set[int]:
    page = client.get(url)
    assert page.status_code == 200, url
    return {int(n) for n in re.findall(r'href="/proposals/(\d+)"', page.text)}


@pytest.mark.parametrize("role", ["union_admin", "leader", "committee", "supervisor"])
def test_oversight_roles_see_the_dashboard_in_the_menu(client, make, role):
    login(client, make.user(role))
    home = client.get("/")
    assert 'href="/dashboard/"' in home.text
    page = client.get("/dashboard/")
    assert page.status_code == 200 and zh("Dashboard") in page.text


@pytest.mark.parametrize("role", ["worker", "delegate", "department_handler", "delegation_head"])
def test_others_are_refused_in_their_language(client, make, role):
    login(client, make.user(role))
    assert 'href="/dashboard/"' not in client.get("/").text
    page = client.get("/dashboard/")
    assert page.status_code == 403 and zh("Your roles do not allow this page or action.") in page.text
    flask_babel.refresh()  # (the test's app context, and its cached locale, outlive each request)
    assert "do not allow" in client.get("/dashboard/?lang=en").text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.location


def test_the_figures_are_the_apis_and_link_to_what_they_count(client, cast, request):
    made = request.getfixturevalue("dataset")
    login(client, cast.committee)
    page = client.get(f"/dashboard/?session={cast.session.id}").text
    numbers = api_stats(client, cast.committee, cast.session.id)
    assert numbers == report(cast.session.id, user=cast.committee) | {"today": numbers["today"]}
    expected = {
        "acceptance_rate": "81.8%",  # 9/11, worked out in tests/test_stats.py
        "reply_rate": "75.0%",
        "closure_rate": "55.6%",
        "on_time_rate": "83.3%",
        "satisfaction_rate": "75.0%",
    }
    for key, text in expected.items():
        assert tile(page, f'rate="{key}')[1] == text == percent(numbers["rates"][key])
    assert tile(page, 'count="overdue')[1] == str(numbers["overdue"]) == "2"
    for outcome, n in numbers["outcome_counts"].items():
        assert f'data-outcome="{outcome}">{n}</a>' in page

    # each figure links to the proposals behind it
    overdue_url, _ = tile(page, 'count="overdue')
    assert listed_ids(client, overdue_url) == {made["late_ack"].id, made["late_reply"].id}
    acceptance_url, _ = tile(page, 'rate="acceptance_rate')
    reviewed = {
        "rejected",
        "merged",
        "converted",
        "late_ack",
        "late_reply",
        "replied",
        "satisfied",
        "no_response",
        "basically",
        "unsatisfied",
        "archived",
    }
    assert listed_ids(client, acceptance_url) == {made[k].id for k in reviewed}
    # the counts by state: the bar of "closed" (4 proposals)
    closed_url = html.unescape(re.search(r'<a href="([^"]*state=closed[^"]*)">\s*<title>', page).group(1))
    assert len(listed_ids(client, closed_url)) == 4
    # a department's row lists what it leads
    department_url = html.unescape(re.search(rf'<a href="([^"]*department={cast.other_dept.id}[^"]*)"', page).group(1))
    assert listed_ids(client, department_url) == {made["late_ack"].id, made["late_reply"].id}

    # the overdue items themselves, and the departments ranked
    assert [p.id for p in overdue_proposals(cast.session.id)] == [made["late_ack"].id, made["late_reply"].id]
    assert overdue_proposals(cast.session.id, user=cast.worker) == overdue_proposals(cast.session.id)
    rows = report(cast.session.id)["by_department"]
    # the lead department replied (5 of 6 on time); the other has no reply yet: ranked last, without a rate
    assert [r["department_id"] for r in ranked(rows, "on_time_rate")] == [cast.lead_dept.id, cast.other_dept.id]
    assert zh("Departments by on-time rate") in page and "83.3%" in page
    assert page.count(f'href="/proposals/{made["late_ack"].id}"') == 1


def test_a_leader_sees_what_a_leader_may_see_and_every_session(client, cast, make, request):
    request.getfixturevalue("dataset")
    login(client, cast.leader)
    page = client.get(f"/dashboard/?session={cast.session.id}").text
    numbers = api_stats(client, cast.leader, cast.session.id)
    assert tile(page, 'rate="closure_rate')[1] == percent(numbers["rates"]["closure_rate"])

    later = make.new_session()
    sessions = trend()
    assert [s["session_id"] for s in sessions] == sorted(s["session_id"] for s in sessions)  # created in order
    assert {s["session_id"]: s["total"] for s in sessions}[cast.session.id] == 15
    assert later.id not in {s["session_id"] for s in sessions}  # nothing counted there yet
    page = client.get("/dashboard/?session=all").text
    assert "<circle" in page and cast.session.name in page
    assert f'href="/proposals/?session={cast.session.id}"' in page


def test_an_empty_session_shows_no_rate_rather_than_zero(client, make):
    session = make.new_session()
    login(client, make.user("leader"))
    page = client.get(f"/dashboard/?session={session.id}").text
    for key in ("acceptance_rate", "reply_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
        assert tile(page, f'rate="{key}')[1] == "—"
    assert zh("Nothing is overdue.") in page


def test_an_unknown_session_is_a_clear_404(client, make):
    login(client, make.user("committee"))
    for value in ("9999", "abc"):
        page = client.get(f"/dashboard/?session={value}")
        assert page.status_code == 404 and zh("There is no such page, or you may not see it.") in page.text
