"""The caller's notifications over the API: the same list, count and marking as the notifications page."""

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Notification
from proposals.operations import edit_draft, fire_event

from .helpers import api_client


@pytest.fixture
def api(client):
    return api_client(client)


def unread_of(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def test_list_count_and_mark_read(api, cast):
    proposal = cast.proposal_in("review")  # the author was told of each co-signer
    caller = api.as_(cast.author)
    listed = caller.get("/notifications")
    assert listed.status_code == 200
    assert listed.json["total"] == listed.json["unread"] == unread_of(cast.author) >= 2
    first = listed.json["items"][0]
    assert first["proposal_id"] == proposal.id and first["read"] is False
    assert first["proposal_title"] == proposal.title and proposal.title in first["text"]
    assert caller.get("/notifications/unread-count").json == {"unread": listed.json["unread"]}

    read = caller.post(f"/notifications/{first['id']}/read")
    assert read.status_code == 200 and read.json["read"] is True and read.json["read_at"]
    assert caller.get("/notifications/unread-count").json["unread"] == listed.json["unread"] - 1
    assert caller.post(f"/notifications/{first['id']}/read").status_code == 200  # again: no change

    unread_only = caller.get("/notifications?unread=true").json
    assert all(not item["read"] for item in unread_only["items"])
    assert unread_only["total"] == listed.json["unread"] - 1

    marked = caller.post("/notifications/read-all")
    assert marked.status_code == 200 and marked.json == {"marked": listed.json["unread"] - 1}
    assert unread_of(cast.author) == 0
    assert caller.get("/notifications?unread=true").json["items"] == []


def test_someone_elses_notification_is_not_found_and_stays_unread(api, cast):
    cast.proposal_in("review")
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == cast.author.id))
    response = api.as_(cast.delegate2).post(f"/notifications/{theirs.id}/read")
    assert response.status_code == 404 and response.json["error"]
    assert api.as_(cast.delegate2).post("/notifications/999999/read").json == response.json
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_a_proposal_sent_back_is_named_neutrally(api, cast):
    """The title is the one the reader may read now: a draft again after send_back, retitled, is not theirs."""
    proposal = cast.proposal_in("review")
    fire_event(proposal.id, "send_back", cast.committee, {"reason": "请补充。"})
    edit_draft(proposal.id, cast.author, {"title": "新的草稿标题"})
    items = api.as_(cast.delegate1).get("/notifications").json["items"]  # invited, and co-signed it
    about = [item for item in items if item["proposal_id"] == proposal.id]
    assert about and all(not item["can_open"] for item in about)
    for item in about:
        assert "新的草稿标题" not in item["text"] and "新的草稿标题" not in item["proposal_title"]
        assert str(proposal.id) in item["proposal_title"]


def test_paging_and_bad_arguments(api, cast):
    cast.proposal_in("review")
    caller = api.as_(cast.author)
    assert caller.get("/notifications?page=1").json["pages"] == 1
    gone = caller.get("/notifications?page=2")
    assert gone.status_code == 404
    for wrong in ("page=0", "page=x", "unread=maybe"):
        response = caller.get(f"/notifications?{wrong}")
        assert response.status_code == 422, wrong
        assert set(response.json["fields"]) <= {"page", "unread"} and response.json["fields"]


def test_messages_speak_the_callers_language(api, cast):
    cast.proposal_in("review")
    chinese = api.as_(cast.author).get("/notifications").json["items"][0]["text"]
    english = api.as_(cast.author, language="en").get("/notifications").json["items"][0]["text"]
    assert "附议" in chinese and "co-sign" in english
