"""The proposal list page: filters in a GET form, sorting, pages by cursor, visibility, phones."""

import re

import pytest
from sqlalchemy import event

from proposals.extensions import db
from proposals.operations import fire_event

from .helpers import listed, login


def test_the_list_shows_each_row_and_its_facts(client, cast):
    assigned = cast.proposal_in("assigned", title="关于更换安全帽的提案", category="safety")
    login(client, cast.committee)
    response = client.get("/proposals/")
    assert response.status_code == 200
    page = response.text
    assert listed(page) == [assigned.id]
    assert "关于更换安全帽的提案" in page and "安全生产" in page and "已交办" in page
    assert f"第{assigned.number}号" in page
    assert cast.lead_dept.name in page
    assert "签收期限" in page or "应于" in page  # the acknowledgement deadline runs now
    assert "个工作日" in page
    assert '<link rel="stylesheet" href="/static/css/lists.css">' in page


def test_a_list_in_english(client, cast):
    cast.proposal_in("in_progress")
    login(client, cast.lead)
    page = client.get("/proposals/?lang=en").text
    assert "Proposal list" in page and "In progress" in page and "Reply by" in page and "working days left" in page


def test_the_address_without_a_slash_leads_to_the_list(client, cast):
    login(client, cast.worker)
    response = client.get("/proposals")
    assert response.status_code in (301, 308) and response.location.endswith("/proposals/")


def test_someone_elses_draft_never_appears(client, cast):
    draft = cast.proposal_in("draft", title="别人的草稿不可见")
    accepted = cast.proposal_in("accepted")
    for who in ("worker", "delegate3", "lead", "committee", "supervisor", "leader", "head"):
        login(client, getattr(cast, who))
        for query in ("", "?q=别人的草稿", "?state=draft", "?sort=title", f"?q={draft.id}"):
            page = client.get(f"/proposals/{query}").text
            assert draft.id not in listed(page) and "别人的草稿不可见" not in page, (who, query)
        assert accepted.id in listed(client.get("/proposals/").text), who


def test_the_author_sees_their_own_draft(client, cast):
    draft = cast.proposal_in("draft")
    login(client, cast.author)
    assert listed(client.get("/proposals/?state=draft").text) == [draft.id]


def test_confidential_authors_are_masked_for_departments_not_for_the_committee(client, cast):
    cast.proposal_in("assigned", confidential=True)
    login(client, cast.lead)
    page = client.get("/proposals/").text
    assert cast.author.name not in page and "（保密）" in page
    login(client, cast.committee)
    assert cast.author.name in client.get("/proposals/").text


def test_filters(client, cast, make):
    review = cast.proposal_in("review", title="食堂")
    assigned = cast.proposal_in("assigned", category="safety", title="安全帽")
    other_session = make.new_session(min_cosigners=0)
    elsewhere = make.proposal(author=cast.author, session=other_session, title="另一届")
    fire_event(elsewhere.id, "submit", cast.author)
    login(client, cast.committee)

    def ids(query: str) -> list[int]:
        response = client.get("/proposals/?" + query)
        assert response.status_code == 200, (query, response.text)
        return listed(response.text)

    assert ids("state=review") == [elsewhere.id, review.id]
    assert ids("state=review&state=assigned") == [elsewhere.id, assigned.id, review.id]
    assert ids(f"session={other_session.id}") == [elsewhere.id]
    assert ids("category=safety") == [assigned.id]
    assert ids(f"department={cast.co_dept.id}") == [assigned.id]
    assert ids(f"department={cast.co_dept.id}&lead=y") == []
    assert ids(f"department={cast.lead_dept.id}&lead=y") == [assigned.id]
    assert ids(f"delegation={cast.delegation.id}") == [elsewhere.id, assigned.id, review.id]
    assert ids("q=安全") == [assigned.id]
    assert ids(f"q={assigned.number}") == [assigned.id]
    assert ids("overdue=1") == []
    assert ids("overdue=0&state=assigned") == [assigned.id]
    assert ids("kind=suggestion") == []
    page = client.get("/proposals/?category=safety").text
    assert '<option selected value="safety">' in page  # the form keeps what was chosen


@pytest.mark.parametrize(
    "query", ["session=abc", "session=99999", "state=nonsense", "category=nothing", "sort=sideways", "overdue=2"]
)
def test_a_wrong_filter_is_400_with_the_message_next_to_it(client, cast, query):
    cast.proposal_in("accepted")
    login(client, cast.committee)
    response = client.get("/proposals/?" + query)
    assert response.status_code == 400
    assert 'class="field-error"' in response.text and "请从列出的选项中选择" in response.text
    assert listed(response.text) == []


def test_a_bad_cursor_is_400_and_shows_the_first_page(client, cast):
    accepted = cast.proposal_in("accepted")
    login(client, cast.committee)
    response = client.get("/proposals/?sort=title&after=notacursor")
    assert response.status_code == 400 and "链接已失效" in response.text
    assert listed(response.text) == [accepted.id]


def test_pages_by_cursor_across_a_page_boundary(client, cast, make):
    made = [make.proposal(author=cast.author, session=cast.session, title=f"草稿{n:02d}").id for n in range(21)]
    login(client, cast.author)
    first = client.get("/proposals/?sort=oldest").text
    assert listed(first) == made[:20]
    assert 'rel="prev"' not in first
    next_url = re.search(r'<a class="button button-secondary" rel="next" href="([^"]+)"', first).group(1)
    assert "sort=oldest" in next_url.replace("&amp;", "&")
    second = client.get(next_url.replace("&amp;", "&")).text
    assert listed(second) == made[20:]
    assert 'rel="next"' not in second
    prev_url = re.search(r'rel="prev" href="([^"]+)"', second).group(1)
    assert listed(client.get(prev_url.replace("&amp;", "&")).text) == made[:20]


def test_sorting_by_subject(client, cast, make):
    made = {t: make.proposal(author=cast.author, session=cast.session, title=t).id for t in ("C", "A", "B")}
    login(client, cast.author)
    assert listed(client.get("/proposals/?sort=title").text) == [made["A"], made["B"], made["C"]]
    assert listed(client.get("/proposals/?sort=newest").text) == [made["B"], made["A"], made["C"]]


def test_a_task_link_lists_that_task_and_says_so(client, cast):
    cosigning = cast.proposal_in("cosigning")
    cast.proposal_in("accepted")
    login(client, cast.delegate3)
    page = client.get("/proposals/?task=cosign").text
    assert listed(page) == [cosigning.id]
    assert "待我附议" in page
    assert client.get("/proposals/?task=nothing").status_code == 400


def test_rows_become_cards_on_a_phone(client):
    css = client.get("/static/css/lists.css")
    text = css.get_data(as_text=True)
    css.close()
    assert "@media (max-width: 47.99em)" in text and "attr(data-label)" in text


def test_the_list_needs_a_login(client):
    response = client.get("/proposals/")
    assert response.status_code == 302 and "/login" in response.location


def test_a_page_of_twenty_rows_takes_as_many_statements_as_a_page_of_five(client, cast, make):
    quick = make.new_session(min_cosigners=0)
    for n in range(20):
        author = make.user("worker", delegation_id=cast.delegation.id)
        proposal = make.proposal(author=author, session=quick, title=f"提案{n:02d}", category="safety")
        fire_event(proposal.id, "submit", author)
        fire_event(proposal.id, "accept", cast.committee)
        fire_event(proposal.id, "assign", cast.committee, {"lead_department_id": make.unit("department").id})
    login(client, cast.committee)
    statements = []

    def count(*args):
        statements.append(1)

    def statements_for(query: str, rows: int) -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.get("/proposals/?" + query).text
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(listed(page)) == rows
        return len(statements)

    assert statements_for("q=提案0", 10) == statements_for("sort=deadline", 20)
    assert statements_for("q=提案00", 1) == statements_for("sort=title&state=assigned", 20)
