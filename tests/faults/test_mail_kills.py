"""Two mail senders at once, one killed in the middle of a message: nothing lost, nothing sent twice unnoticed."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from proposals.closure.outbox import send_pending
from proposals.extensions import db
from proposals.models import Notification
from proposals.operations import fire_event

from .conftest import PATIENCE, ROOT, Mailbox, notification_id, run_command, server_environment, wait_for


def email_states() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(select(Notification.email_state, func.count()).group_by(Notification.email_state))
    return dict(rows.all())


def test_a_sender_killed_mid_message_loses_nothing_and_its_repeat_carries_the_same_message_id(app, make, smtp_server):
    delegation = make.unit("delegation")
    author = make.user("worker", delegation_id=delegation.id, email="author@union.example.cn")
    for n in range(20):
        make.user("delegate", delegation_id=delegation.id, email=f"delegate{n}@union.example.cn")
    for n in range(4):  # each submission invites the delegation's 20 delegates to co-sign
        fire_event(make.proposal(author=author, title=f"第{n}件提案").id, "submit", author)
    queued = set(db.session.scalars(select(Notification.id).where(Notification.email_state == "pending")))
    assert len(queued) == 80

    # the first sender gets some way, then the server keeps its next message unanswered; a second sender,
    # started then, gets its own claim and is held on its first message
    mailbox = Mailbox(hold_after=20)
    # a held sender waits for its answer as long as the second one may take to start on a busy machine
    port = str(smtp_server(mailbox))
    env = server_environment(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=str(2 * PATIENCE))
    command = [sys.executable, "-m", "flask", "--app", "proposals", "send-mail"]
    senders = []

    def start_sender():
        senders.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        )

    def progress() -> str:
        ended = [sender.communicate()[0] for sender in senders if sender.poll() is not None]
        return f"received {len(mailbox.received)}, held {len(mailbox.held)}; ended senders said: {ended}"

    try:
        for held in (1, 2):
            start_sender()
            wait_for(
                lambda held=held: len(mailbox.held) == held,
                f"sender {held} in the middle of a message",
                detail=progress,
            )
        killed, survivor = senders
        killed.kill()  # SIGKILL: after the server has the message, before the sender hears it was accepted
        killed.communicate(timeout=PATIENCE)
        mailbox.release.set()
        output, _ = survivor.communicate(timeout=PATIENCE)
        assert survivor.returncode == 0, output
    finally:
        mailbox.release.set()
        for sender in senders:
            if sender.poll() is None:
                sender.kill()
            sender.communicate()

    # the killed sender's claim is still its own: nobody sends those yet, nothing else is left
    left = email_states()
    assert left["sending"] >= 1 and set(left) == {"sent", "sending"}, left
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=env["MAIL_PORT"])
    report = send_pending()
    assert (report.sent, report.abandoned) == (0, 0) and email_states() == left

    # an hour on, its claim has expired: those are sent again
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    result = run_command(app, "send-mail", "--now", later, MAIL_SERVER="127.0.0.1", MAIL_PORT=env["MAIL_PORT"])
    assert f"{left['sending']} left half-sent by a stopped sender, put back to be sent again" in result.stdout
    assert email_states() == {"sent": 80}

    # each notification arrived; only the one the killed sender never heard back about arrived twice,
    # with the same Message-ID both times, so mail systems show it once
    counts = mailbox.counts()
    assert set(counts) == queued
    twice = [notification for notification, times in counts.items() if times > 1]
    assert len(twice) == 1 and counts[twice[0]] == 2, counts
    assert twice[0] in {notification_id(message_id) for message_id in mailbox.held}
