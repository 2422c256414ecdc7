"""The bell, the notification list, marking as read and the email preference, through the test client."""

import re

from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Notification, Proposal, User
from proposals.operations import fire_event

from .helpers import login


def bell(page: str) -> str:
    match = re.search(r'<a class="bell"[^>]*aria-label="([^"]*)"', page)
    assert match, "no bell on the page"
    return match.group(1)


def checkbox(page: str) -> str:
    return re.search(r'<input[^>]*name="email_notifications"[^>]*>', page).group(0)


def unread(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def test_the_bell_counts_unread_and_the_list_says_what_happened(client, cast):
    proposal = cast.proposal_in("accepted")  # the author hears of two co-signatures and the acceptance
    login(client, cast.author)
    page = client.get(f"/proposals/{proposal.id}").text
    assert bell(page) == "通知：3 条未读"
    listing = client.get("/notifications")
    assert listing.status_code == 200
    assert f"“{proposal.title}”已立案，案号为第1号。" in listing.text
    assert listing.text.count(f"“{proposal.title}”有了新的附议人。") == 2
    assert "未读 3 条，共 3 条。" in listing.text


def test_english_on_request(client, cast):
    proposal = cast.proposal_in("accepted")
    login(client, cast.author)
    english = client.get("/notifications?lang=en").text
    assert f"“{proposal.title}” has been accepted as proposal No. 1." in english
    assert bell(english) == "Notifications: 3 unread"


def test_opening_a_notification_marks_it_read_and_goes_to_the_proposal(client, cast):
    proposal = cast.proposal_in("review")
    login(client, cast.author)
    first = db.session.scalar(select(Notification).where(Notification.user_id == cast.author.id))
    response = client.post(f"/notifications/{first.id}/open")
    assert response.status_code == 302 and response.location.endswith(f"/proposals/{proposal.id}")
    assert unread(cast.author) == 1
    assert bell(client.get("/notifications").text) == "通知：1 条未读"


def test_mark_one_and_mark_all_as_read(client, cast):
    cast.proposal_in("accepted")
    login(client, cast.author)
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == cast.author.id)))
    response = client.post(f"/notifications/{rows[0].id}/read", follow_redirects=True)
    assert "已标记为已读。" in response.text and unread(cast.author) == 2
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "已将 2 条通知标记为已读。" in response.text and unread(cast.author) == 0
    assert "全部标记为已读" not in response.text  # nothing left to mark
    again = client.post(f"/notifications/{rows[0].id}/read")
    assert again.status_code == 302


def test_someone_elses_notification_is_not_found_and_unchanged(client, cast):
    cast.proposal_in("review")
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == cast.author.id))
    login(client, cast.worker)
    for action in ("read", "open"):
        assert client.post(f"/notifications/{theirs.id}/{action}").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None
    assert "暂无通知" in client.get("/notifications").text


def test_a_proposal_no_longer_visible_is_not_offered(client, cast):
    proposal = cast.proposal_in("cosigning")  # delegate1 is invited to co-sign
    fire_event(proposal.id, "withdraw", cast.author)
    login(client, cast.delegate1)
    page = client.get("/notifications").text
    assert "（您已无权查看）" in page
    invitation = db.session.scalar(select(Notification).where(Notification.user_id == cast.delegate1.id))
    assert f"/notifications/{invitation.id}/open" not in page
    assert client.post(f"/notifications/{invitation.id}/open").status_code == 302  # read, back to the list
    assert client.get(f"/proposals/{proposal.id}").status_code == 404


def test_pages_of_twenty(client, make):
    delegation = make.unit("delegation")
    author = make.user("worker", delegation_id=delegation.id)
    delegate = make.user("delegate", delegation_id=delegation.id)
    for n in range(21):
        fire_event(make.proposal(author, title=f"第{n}件提案").id, "submit", author)
    login(client, delegate)
    first = client.get("/notifications").text
    assert "第 1 页，共 2 页" in first and "第20件提案" in first and "第0件提案" not in first
    assert "第0件提案" in client.get("/notifications?page=2").text
    assert client.get("/notifications?page=3").status_code == 404


def test_email_can_be_turned_off_and_on(client, cast):
    cast.delegate1.email = "d1@union.example.cn"
    db.session.commit()
    login(client, cast.delegate1)
    page = client.get("/notifications/settings").text
    assert "d1@union.example.cn" in page and " checked " in checkbox(page)

    response = client.post("/notifications/settings", data={"save": "1"}, follow_redirects=True)
    assert "已关闭邮件通知" in response.text and " checked " not in checkbox(response.text)
    db.session.expire_all()
    assert db.session.get(User, cast.delegate1.id).email_notifications is False
    cast.proposal_in("cosigning")
    invitation = db.session.scalar(select(Notification).where(Notification.user_id == cast.delegate1.id))
    assert invitation.email_state == "skipped"  # still shown in the application
    assert unread(cast.delegate1) == 1

    response = client.post("/notifications/settings", data={"email_notifications": "y"}, follow_redirects=True)
    assert "已开启邮件通知" in response.text
    db.session.expire_all()
    assert db.session.get(User, cast.delegate1.id).email_notifications is True


def test_without_an_address_the_settings_page_says_whom_to_ask(client, cast):
    login(client, cast.worker)
    assert "请联系工会管理员添加" in client.get("/notifications/settings").text


def test_logged_out_there_is_no_bell_and_the_pages_ask_to_log_in(client):
    assert 'class="bell"' not in client.get("/login").text
    for url in ("/notifications", "/notifications/settings"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def sent_back_and_retitled(cast):
    """A proposal co-signed and in review, sent back, and retitled by its author: a draft again."""
    from proposals.operations import edit_draft

    proposal = cast.proposal_in("review", title="提交时的标题")
    fire_event(proposal.id, "send_back", cast.committee, {"reason": "请补充具体措施。"})
    return edit_draft(proposal.id, cast.author, {"title": "修改中的新标题"})


def test_a_draft_sent_back_is_named_neutrally_to_those_invited_to_cosign_it(client, cast):
    proposal = sent_back_and_retitled(cast)
    login(client, cast.head)  # invited (the author's delegation), never co-signed
    page = client.get("/notifications").text
    assert "修改中的新标题" not in page and "提交时的标题" not in page
    assert f"邀请您附议提案“提案 #{proposal.id}（无权查看）”。" in page
    fire_event(proposal.id, "submit", cast.author)  # submitted again: the head may read it now
    assert "邀请您附议提案“修改中的新标题”。" in client.get("/notifications").text


def test_the_author_reads_their_own_draft_by_its_title(client, cast):
    sent_back_and_retitled(cast)
    login(client, cast.author)
    assert "“修改中的新标题”已被退回修改。" in client.get("/notifications").text


def test_a_confidential_proposal_invites_nobody_and_can_still_be_cosigned(client, cast):
    open_one = cast.proposal_in("cosigning", title="公开的提案")
    secret = cast.proposal_in("cosigning", title="保密的提案", confidential=True)
    invited = {
        proposal_id: sorted(
            db.session.scalars(select(Notification.user_id).where(Notification.proposal_id == proposal_id))
        )
        for proposal_id in (open_one.id, secret.id)
    }
    assert invited == {open_one.id: sorted([cast.delegate1.id, cast.head.id]), secret.id: []}
    login(client, cast.delegate3)  # any delegate who finds it may co-sign it
    assert client.post(f"/proposals/{secret.id}/events/cosign", data={}).status_code == 302
    db.session.expire_all()
    assert [c.user_id for c in db.session.get(Proposal, secret.id).cosignatures] == [cast.delegate3.id]
