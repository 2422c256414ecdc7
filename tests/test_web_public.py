"""Public results (企务公开): accepted proposals with replies, classes and satisfaction, for everyone."""

import re

import pytest

from proposals.operations import fire_event

from .helpers import login


def shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<h2><a href="/proposals/(\d+)">', page)]


@pytest.fixture
def published(cast):
    p = {
        state: cast.proposal_in(state, title=f"公开-{state}")
        for state in ("draft", "cosigning", "review", "rejected", "accepted", "in_progress", "replied", "closed")
    }
    p["converted"] = cast.proposal_in("review", title="转为建议的")
    fire_event(p["converted"].id, "convert", cast.committee)
    p["secret"] = cast.proposal_in("closed", title="保密的", confidential=True)
    return p


def test_everyone_sees_what_was_accepted_and_nothing_else(client, cast, published):
    expected = {published[k].id for k in ("accepted", "in_progress", "replied", "closed", "converted", "secret")}
    for who in ("worker", "delegate3", "lead", "committee", "leader"):
        login(client, getattr(cast, who))
        response = client.get("/public")
        assert response.status_code == 200
        assert set(shown(response.text)) == expected, who
        assert "公开-draft" not in response.text and "公开-review" not in response.text


def test_replies_classes_and_satisfaction_are_shown(client, cast, published):
    login(client, cast.worker)
    page = client.get("/public").text
    assert "已解决。" in page  # the reply
    assert '<span class="reply-class">A：已解决或采纳</span>' in page
    assert ">A</span>" not in page  # the class is named once, not as a letter beside its name
    assert "满意" in page
    assert "意见建议" in page  # the converted one says what it is
    assert "尚未答复。" in page


def test_confidential_authors_are_masked_even_for_the_committee(client, cast, published):
    for who in ("worker", "committee"):
        login(client, getattr(cast, who))
        page = client.get("/public").text
        card = page[page.index("保密的") :]
        card = card[: card.index("</li>")]
        assert cast.author.name not in card and "（保密）" in card


def test_filters_by_session_and_category_and_the_sessions_numbers(client, cast, make, published):
    elsewhere = cast.proposal_in("accepted", category="safety", title="安全类")
    login(client, cast.worker)
    assert shown(client.get("/public?category=safety").text) == [elsewhere.id]
    page = client.get(f"/public?session={cast.session.id}").text
    assert "本次会议数据" in page and "满意率" in page
    other = make.new_session()
    assert shown(client.get(f"/public?session={other.id}").text) == []
    assert client.get("/public?session=banana").status_code == 400
    assert client.get("/public?category=nothing").status_code == 400


def test_in_english(client, cast, published):
    login(client, cast.worker)
    page = client.get("/public?lang=en").text
    assert "Public results" in page and "Satisfied" in page


def test_public_results_need_a_login(client):
    response = client.get("/public")
    assert response.status_code == 302 and "/login" in response.location
