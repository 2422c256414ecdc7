"""The outbox page (/admin/outbox): the messages that could not be delivered, and sending one again."""

import pytest
from sqlalchemy import select, update

from proposals.extensions import db
from proposals.models import AuditEntry, Notification
from proposals.operations import fire_event

from .conftest import login

ERROR = "550 5.1.1 <head@union.example.cn>: No such mailbox"


@pytest.fixture
def parked(cast):
    """The two co-sign invitations of a submitted proposal: one parked as undelivered, one still waiting."""
    cast.head.email, cast.delegate1.email = "head@union.example.cn", "delegate1@union.example.cn"
    db.session.commit()
    fire_event(cast.proposal_in("draft", title="关于增设班车的提案").id, "submit", cast.author)
    first, second = db.session.scalars(select(Notification.id).order_by(Notification.id)).all()
    db.session.execute(
        update(Notification).where(Notification.id == first).values(email_state="failed", attempts=8, last_error=ERROR)
    )
    db.session.commit()
    return db.session.get(Notification, first), db.session.get(Notification, second)


def retries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "outbox.retry")))


def row(notification_id: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


@pytest.mark.parametrize("roles", [("worker",), ("delegate", "delegation_head"), ("committee",), ("supervisor",)])
def test_only_union_administrators_see_it_or_send_again(client, make, zh, parked, roles):
    failed, _ = parked
    login(client, make.user(*roles))
    page = client.get("/admin/outbox")
    assert page.status_code == 403
    assert zh("Only union administrators may use the administration pages.") in page.text
    refused = client.post(f"/admin/outbox/{failed.id}/retry")
    assert refused.status_code == 403
    assert (row(failed.id).email_state, row(failed.id).attempts) == ("failed", 8)
    assert retries() == []


def test_anonymous_is_sent_to_log_in(client, parked):
    failed, _ = parked
    for response in (client.get("/admin/outbox"), client.post(f"/admin/outbox/{failed.id}/retry")):
        assert response.status_code == 302 and "/login" in response.location
    assert row(failed.id).email_state == "failed"


def test_the_page_lists_the_undelivered_with_their_errors(admin, zh, cast, parked):
    failed, waiting = parked
    page = admin.get("/admin/outbox").text
    assert zh("Outbox") in page and zh("Not delivered") in page
    assert ERROR.replace("<", "&lt;").replace(">", "&gt;") in page
    assert f'action="/admin/outbox/{failed.id}/retry"' in page
    assert f'action="/admin/outbox/{waiting.id}/retry"' not in page  # only the parked ones
    assert "关于增设班车的提案" in page and failed.user.username in page
    assert zh("Waiting: %(n)s", n=1) in page and zh("Not delivered: %(n)s", n=1) in page
    assert 'href="/admin/outbox"' in admin.get("/admin/").text  # reached from the administration menu


def test_sending_again_requeues_it_and_is_logged(admin, zh, parked):
    failed, _ = parked
    response = admin.post(f"/admin/outbox/{failed.id}/retry", follow_redirects=True)
    assert response.status_code == 200
    assert zh("Message #%(id)s will be sent again at the next run.", id=failed.id) in response.text
    again = row(failed.id)
    assert (again.email_state, again.attempts, again.last_error) == ("pending", 0, ERROR)
    assert again.next_attempt_at is not None
    assert zh("Every message was delivered or is still being tried.") in response.text
    (entry,) = retries()
    assert (entry.action, entry.target_type, entry.target_id) == ("outbox.retry", "notifications", failed.id)
    assert entry.details == {"attempts": 8, "last_error": ERROR, "user_id": failed.user_id}
    log = admin.get("/admin/audit").text
    assert zh("Undelivered message sent again") in log and f"{zh('Message')} #{failed.id}" in log


def test_a_message_not_parked_is_not_sent_again(admin, zh, parked):
    failed, waiting = parked
    assert admin.post(f"/admin/outbox/{failed.id}/retry").status_code == 302
    for notification in (failed, waiting):  # already sent again; never parked
        before = row(notification.id)
        state = (before.email_state, before.attempts, before.next_attempt_at)
        response = admin.post(f"/admin/outbox/{notification.id}/retry")
        assert response.status_code == 409
        assert zh("This message is no longer waiting to be sent again; nothing was changed.") in response.text
        after = row(notification.id)
        assert (after.email_state, after.attempts, after.next_attempt_at) == state
    assert len(retries()) == 1
    missing = admin.post("/admin/outbox/999999/retry")
    assert missing.status_code == 404 and zh("Not found.") in missing.text
