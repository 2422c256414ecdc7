"""GET /api/v1/stats "by_kind": proposals and suggestions (建议) counted apart, shaped like by_department, so
that a union that counts 立案 without converted suggestions reads its own figure; the dashboard shows both."""

import html
import re

import flask_babel
import pytest

from proposals.i18n import compile_translations
from proposals.operations import fire_event, update_session
from proposals.stats import report

from .helpers import api_client, login


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_translations(force=True)  # with every parts/*.po, even after a plain `pybabel compile`


def zh(msgid: str, **params) -> str:
    with flask_babel.force_locale("zh_Hans_CN"):
        return flask_babel.gettext(msgid, **params)


@pytest.fixture
def kinds(cast, make):
    """Proposals: two accepted (one of them closed), one rejected, one under review; suggestions: one
    converted by the committee and one submitted after the collection window (late_submissions)."""
    made = {
        "accepted": cast.proposal_in("accepted"),
        "closed": cast.proposal_in("closed"),
        "rejected": cast.proposal_in("rejected"),
        "review": cast.proposal_in("review"),
    }
    converted = cast.proposal_in("review", title="转为意见建议的提案")
    made["converted"] = fire_event(converted.id, "convert", cast.committee, {"reason": "属日常工作范围。"})
    update_session(cast.session, {"late_submissions": "suggestion", "collection_end": "2020-01-01"})
    late = cast.make.proposal(author=cast.author, session=cast.session, title="征集截止后提交的提案")
    made["late"] = fire_event(late.id, "submit", cast.author)
    cast.proposal_in("draft")  # never counted
    assert [made[k].kind for k in ("converted", "late")] == ["suggestion", "suggestion"]
    assert {made[k].kind for k in ("accepted", "closed", "rejected", "review")} == {"proposal"}
    return made


def test_by_kind_counts_proposals_and_suggestions_apart(client, cast, kinds):
    numbers = api_client(client).as_(cast.committee).get(f"/stats?session_id={cast.session.id}").json
    assert numbers["by_kind"] == report(cast.session.id, user=cast.committee)["by_kind"]
    rows = {r["kind"]: r for r in numbers["by_kind"]}
    assert [r["kind"] for r in numbers["by_kind"]] == ["proposal", "suggestion"]
    proposal, suggestion = rows["proposal"], rows["suggestion"]
    assert (proposal["code"], proposal["name"]) == ("proposal", "提案")
    assert (suggestion["code"], suggestion["name"]) == ("suggestion", zh("Suggestion"))
    assert (proposal["total"], proposal["accepted"]) == (4, 2)  # 立案 of proposals alone
    assert (suggestion["total"], suggestion["accepted"]) == (2, 1)
    assert proposal["rates"]["acceptance_rate"] == pytest.approx(2 / 3)  # accepted / (accepted + rejected)
    assert suggestion["rates"]["acceptance_rate"] == 1.0
    assert suggestion["counts"]["accepted"] == 1 and suggestion["counts"][kinds["late"].state] == 1
    # the groups add up to the whole, as the departments' do
    assert proposal["total"] + suggestion["total"] == numbers["total"]
    assert proposal["accepted"] + suggestion["accepted"] == numbers["accepted"]


def test_by_kind_is_shaped_like_by_department(client, cast, kinds):
    numbers = api_client(client).as_(cast.committee).get(f"/stats?session_id={cast.session.id}").json
    department = numbers["by_department"][0]
    for row in numbers["by_kind"]:
        assert set(row) - {"kind"} == set(department) - {"department_id"}
        assert set(row["rates"]) == set(department["rates"]) and set(row["counts"]) == set(department["counts"])


def test_by_kind_counts_only_what_the_reader_may_see_and_speaks_their_language(client, cast, kinds):
    api = api_client(client)
    worker = api.as_(cast.worker).get(f"/stats?session_id={cast.session.id}").json
    # a worker sees what was accepted and later: the two accepted proposals and the converted suggestion
    assert [(r["kind"], r["total"]) for r in worker["by_kind"]] == [("proposal", 2), ("suggestion", 1)]
    english = api.as_(cast.committee, language="en").get(f"/stats?session_id={cast.session.id}").json
    assert [r["name"] for r in english["by_kind"]] == ["Proposal", "Suggestion"]


def test_a_session_without_suggestions_has_no_suggestion_row(client, cast):
    cast.proposal_in("accepted")
    numbers = api_client(client).as_(cast.committee).get(f"/stats?session_id={cast.session.id}").json
    assert [(r["kind"], r["total"]) for r in numbers["by_kind"]] == [("proposal", 1)]


def test_the_dashboard_shows_both_and_links_to_each(client, cast, kinds):
    login(client, cast.committee)
    page = client.get(f"/dashboard/?session={cast.session.id}").text
    section = re.search(r'<section class="card" aria-labelledby="by-kind">(.*?)</section>', page, re.S)
    assert section, page
    section = section.group(1)
    assert zh("Proposals and suggestions") in section
    rows = re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a></th>\s*<td><a [^>]*data-total>(\d+)</a>', section)
    assert [(name, int(total)) for _href, name, total in rows] == [("提案", 4), (zh("Suggestion"), 2)]
    suggestions = html.unescape(rows[1][0])
    assert "kind=suggestion" in suggestions
    listed = {int(n) for n in re.findall(r'href="/proposals/(\d+)"', client.get(suggestions).text)}
    assert listed == {kinds["converted"].id, kinds["late"].id}
