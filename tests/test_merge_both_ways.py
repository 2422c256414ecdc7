"""Merge both ways (并案): the survivor lists what merged into it (JSON, page, the ledger's 并入 column), as far
as each reader may see it, and the merged proposals' authors become its co-authors: told of its reply and free
to rate it, their ratings counting like co-signers' (they never move the state)."""

import io

import flask_babel
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.i18n import compile_translations
from proposals.models import HistoryEntry, Notification, Proposal
from proposals.operations import available_events, fire_event
from proposals.queries import Filters, count
from proposals.reports.ledger import COLUMNS

from .helpers import api_client, login


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_translations(force=True)  # with every parts/*.po, even after a plain `pybabel compile`


def zh(msgid: str, **params) -> str:
    with flask_babel.force_locale("zh_Hans_CN"):
        return flask_babel.gettext(msgid, **params)


def in_review(cast, author, **fields) -> Proposal:
    """A proposal of `author` brought to review by the cast's two co-signers."""
    proposal = cast.make.proposal(author=author, session=cast.session, **fields)
    fire_event(proposal.id, "submit", author)
    fire_event(proposal.id, "cosign", cast.delegate1)
    proposal = fire_event(proposal.id, "cosign", cast.delegate2)
    assert proposal.state == "review"
    return proposal


@pytest.fixture
def merged(cast, make):
    """An accepted survivor of the cast's author; merged into it, one proposal of 合并者甲 and a confidential
    one of 合并者乙 (each of another author)."""
    survivor = fire_event(in_review(cast, cast.author, title="关于食堂扩建的提案").id, "accept", cast.committee)
    first_author = make.user("worker", name="合并者甲")
    second_author = make.user("worker", name="合并者乙")
    first = in_review(cast, first_author, title="关于食堂座位的提案")
    second = in_review(cast, second_author, title="关于食堂排队的提案", confidential=True)
    for proposal in (first, second):
        assert fire_event(proposal.id, "merge", cast.committee, {"into_id": survivor.id}).state == "merged"
    return survivor, first, second


def walk_to_replied(cast, proposal: Proposal) -> Proposal:
    for event, who, payload in cast.path("replied")[4:]:  # from the assignment on
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload)
    assert proposal.state == "replied"
    return proposal


# -- what merged into it, as each reader may see it ------------------------------------------------


def test_the_json_lists_what_merged_into_it_and_its_co_authors_as_far_as_the_caller_may_see(client, cast, merged):
    survivor, first, second = merged
    api = api_client(client)
    everything = api.as_(cast.committee).get(f"/proposals/{survivor.id}").json
    assert everything["merged_from"] == [first.id, second.id]
    assert everything["coauthors"] == [
        {"id": first.author_id, "name": "合并者甲"},
        {"id": second.author_id, "name": "合并者乙"},
    ]
    # a supervisor sees both proposals but may not know the confidential author
    supervised = api.as_(cast.supervisor).get(f"/proposals/{survivor.id}").json
    assert supervised["merged_from"] == [first.id, second.id]
    assert supervised["coauthors"] == [{"id": first.author_id, "name": "合并者甲"}]
    # a worker sees the accepted survivor but neither merged proposal (no longer public): no id, no name
    worker = api.as_(cast.worker).get(f"/proposals/{survivor.id}").json
    assert (worker["merged_from"], worker["coauthors"]) == ([], [])
    # each merged proposal's author sees their own, and not the other's
    own = api.as_(first.author).get(f"/proposals/{survivor.id}").json
    assert own["merged_from"] == [first.id] and own["coauthors"] == [{"id": first.author_id, "name": "合并者甲"}]
    assert api.as_(second.author).get(f"/proposals/{survivor.id}").json["merged_from"] == [second.id]
    # and the merged proposal points at its survivor
    assert api.as_(first.author).get(f"/proposals/{first.id}").json["merged_into_id"] == survivor.id


def test_the_page_shows_what_merged_into_it(client, cast, merged):
    survivor, first, second = merged
    login(client, cast.committee)
    page = client.get(f"/proposals/{survivor.id}").text
    assert zh("Merged into this proposal") in page
    assert f'href="/proposals/{first.id}">关于食堂座位的提案</a>' in page
    assert f'href="/proposals/{second.id}">关于食堂排队的提案</a>' in page
    assert f"{zh('Co-authors')}: 合并者甲、合并者乙" in page
    login(client, cast.supervisor)
    page = client.get(f"/proposals/{survivor.id}").text
    assert f'href="/proposals/{second.id}"' in page
    assert f"{zh('Co-authors')}: 合并者甲</p>" in page and "合并者乙" not in page
    login(client, cast.worker)
    page = client.get(f"/proposals/{survivor.id}").text
    assert page.count("merged-from-title") == 0 and f'href="/proposals/{first.id}"' not in page
    login(client, first.author)
    page = client.get(f"/proposals/{survivor.id}").text
    assert f'href="/proposals/{first.id}"' in page and f'href="/proposals/{second.id}"' not in page


def test_the_ledger_fills_its_merged_column(client, cast, merged):
    survivor, first, second = merged
    assert "merged_from" in COLUMNS
    login(client, cast.committee)
    sheet = load_workbook(io.BytesIO(client.get("/reports/ledger.xlsx").data)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[COLUMNS.index("merged_from")] == zh("Merged into it") == "并入"
    found = {r["id"]: r for r in (dict(zip(COLUMNS, row, strict=True)) for row in rows)}
    # merged under review, they were never numbered: named by id
    assert found[survivor.id]["merged_from"] == f"#{first.id}、#{second.id}"
    assert found[first.id]["merged_from"] is None and found[second.id]["merged_from"] is None


def test_the_ledger_names_a_numbered_proposal_by_its_number(client, cast, make):
    """What merged into a proposal before it was accepted is named by id; the survivor's own number is its."""
    survivor = in_review(cast, cast.author)
    other = in_review(cast, make.user("worker"), title="另一件提案")
    fire_event(other.id, "merge", cast.committee, {"into_id": survivor.id})
    survivor = fire_event(survivor.id, "accept", cast.committee)
    login(client, cast.supervisor)
    sheet = load_workbook(io.BytesIO(client.get("/reports/ledger.xlsx").data)).active
    found = {
        r["id"]: r
        for r in (dict(zip(COLUMNS, row, strict=True)) for row in list(sheet.iter_rows(values_only=True))[1:])
    }
    assert found[survivor.id]["merged_from"] == f"#{other.id}" and found[survivor.id]["number"] == survivor.number


# -- co-authors: told of the reply, free to rate it ------------------------------------------------


def test_co_authors_are_told_of_the_reply(cast, merged):
    survivor, first, second = merged
    walk_to_replied(cast, survivor)
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.event == "reply", Notification.proposal_id == survivor.id)
        )
    )
    assert {cast.author.id, cast.delegate1.id, cast.delegate2.id, first.author_id, second.author_id} == told


def test_a_co_author_rates_the_reply_like_a_co_signer_without_moving_the_state(client, cast, merged):
    survivor, first, second = merged
    survivor = walk_to_replied(cast, survivor)
    assert count(first.author, Filters(task="evaluate")) == 1  # in their tasks: a reply awaiting their rating
    assert "evaluate" in available_events(survivor, first.author)
    login(client, first.author)
    assert 'id="event-evaluate"' in client.get(f"/proposals/{survivor.id}").text  # the page offers it too
    api = api_client(client)
    coauthor = api.as_(first.author)
    body = coauthor.fire(survivor.id, "evaluate", {"rating": "unsatisfied", "comment": "座位仍不够。"}).json
    assert body["state"] == "replied" and body["rehandle_round"] == survivor.rehandle_round
    assert [(e["user"], e["by_author"], e["rating"]) for e in body["evaluations"]] == [
        ({"id": first.author_id, "name": "合并者甲"}, False, "unsatisfied")
    ]
    assert count(first.author, Filters(task="evaluate")) == 0
    again = coauthor.fire(survivor.id, "evaluate", {"rating": "satisfied"})
    assert again.status_code == 409  # once, as a co-signer
    # a co-signer's rating is of the same kind
    body = api.as_(cast.delegate1).fire(survivor.id, "evaluate", {"rating": "satisfied"}).json
    assert body["state"] == "replied" and [e["by_author"] for e in body["evaluations"]] == [False, False]
    assert db.session.get(Proposal, survivor.id).final_rating is None  # neither counts as the author's
    # the confidential proposal's author rates too
    assert api.as_(second.author).fire(survivor.id, "evaluate", {"rating": "basically_satisfied"}).status_code == 200
    # someone who neither wrote, co-signed nor had a proposal merged into it may not
    assert "evaluate" not in available_events(survivor, cast.worker)
    assert api.as_(cast.worker).fire(survivor.id, "evaluate", {"rating": "satisfied"}).status_code == 403
    # the author's own rating decides
    body = api.as_(cast.author).fire(survivor.id, "evaluate", {"rating": "satisfied"}).json
    assert body["state"] == "closed"
    assert db.session.get(Proposal, survivor.id).final_rating == "satisfied"


# -- what may not be merged into -------------------------------------------------------------------


@pytest.mark.parametrize("state", ["closed", "archived"])
def test_merging_into_a_closed_or_archived_proposal_is_refused_and_changes_nothing(client, cast, state):
    target = cast.proposal_in(state, title="已办结的同类提案")
    proposal = cast.proposal_in("review")
    entries = db.session.scalar(select(func.count()).select_from(HistoryEntry))
    refused = api_client(client).as_(cast.committee).fire(proposal.id, "merge", {"into_id": target.id})
    assert refused.status_code == 422 and set(refused.json["fields"]) == {"into_id"}
    assert "已办结" in refused.json["fields"]["into_id"]  # said in the user's language
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "review"
    assert db.session.get(Proposal, proposal.id).merged_into_id is None
    assert db.session.get(Proposal, target.id).merged_from == []
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) == entries
