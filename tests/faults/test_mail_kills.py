"""A mail sender SIGKILLed between the server's taking a message and its recording that: nothing lost,
and the one message sent twice carries the same Message-ID both times.

Nothing here waits on luck. The SMTP server tells the test the moment the chosen message arrives and
keeps its answer back; the test kills the sender then (the answer never heard), or lets the answer go
and kills the sender once PostgreSQL shows it blocked recording the send (behind a row lock the test
holds). The killed sender's claims expire by the clock the next sender is given (`send-mail --now`),
not by waiting an hour, nor a short lease and a sleep.
"""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from proposals.closure.outbox import BATCH, CLAIM_TIMEOUT, send_pending
from proposals.extensions import db
from proposals.models import Notification
from proposals.operations import fire_event

from .conftest import PATIENCE, ROOT, Mailbox, run_command, server_environment, wait_for

HELD = 5  # the how-many-th message of the first sender's batch the server keeps waiting


def email_states() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(select(Notification.email_state, func.count()).group_by(Notification.email_state))
    return dict(rows.all())


def blocked_behind(connection) -> int:
    """How many database sessions wait for a lock `connection` holds."""
    return db.session.scalar(
        text("SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"),
        {"holder": connection.scalar(text("SELECT pg_backend_pid()"))},
    )


@pytest.mark.parametrize("moment", ["answer_held", "answer_given"])
def test_a_sender_killed_mid_message_loses_nothing_and_its_repeat_carries_the_same_message_id(
    app, make, smtp_server, tmp_path, moment
):
    delegation = make.unit("delegation")
    author = make.user("worker", delegation_id=delegation.id, email="author@union.example.cn")
    for n in range(BATCH + 10):  # the first sender claims a batch; a second sender finds the rest
        make.user("delegate", delegation_id=delegation.id, email=f"delegate{n}@union.example.cn")
    fire_event(make.proposal(author=author, title="关于增设班车的提案").id, "submit", author)
    queued = list(db.session.scalars(select(Notification.id).order_by(Notification.id)))
    assert len(queued) == BATCH + 10 and email_states() == {"pending": BATCH + 10}
    held = queued[HELD - 1]

    mailbox = Mailbox(hold=held)
    port = str(smtp_server(mailbox))
    # the held sender waits for its answer longer than anything here may take on a busy machine
    env = server_environment(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=str(4 * PATIENCE))
    log = tmp_path / "killed-sender.log"
    with open(log, "wb") as output:
        killed = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "proposals", "send-mail"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    lock = db.engine.connect()
    try:
        said = lambda: f"received {len(mailbox.received)}; the sender said: {log.read_text(errors='replace')}"  # noqa: E731
        wait_for(lambda: mailbox.reached.is_set() or killed.poll() is not None, "the held message", detail=said)
        assert killed.poll() is None, said()

        # meanwhile another sender takes what the first has not claimed, and leaves its claims alone
        other = run_command(app, "send-mail", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        assert "email: sent 10, to retry 0, failed 0" in other.stdout and "half-sent" not in other.stdout

        if moment == "answer_given":
            # the test holds the held message's row; the server answers 250; the sender, told the
            # message was taken, is blocked recording it: the moment it is killed
            with lock.begin():
                lock.execute(select(Notification.id).where(Notification.id == held).with_for_update())
                mailbox.release.set()
                wait_for(lambda: blocked_behind(lock) == 1 or killed.poll() is not None, "the sender recording")
                killed.kill()  # SIGKILL
                killed.wait(timeout=PATIENCE)
                lock.rollback()  # its uncommitted record dies with its connection
        else:
            killed.kill()  # SIGKILL while the server has the message and the sender has no answer
            killed.wait(timeout=PATIENCE)
        assert killed.returncode == -9, said()
    finally:
        mailbox.release.set()
        lock.close()
        if killed.poll() is None:
            killed.kill()
            killed.wait()

    # what the killed sender claimed is still its own: a sender now sends none of it, and nothing else is left
    left = email_states()
    assert left == {"sent": BATCH + 10 - (BATCH - HELD + 1), "sending": BATCH - HELD + 1}, left
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    report = send_pending()
    assert (report.sent, report.abandoned) == (0, 0) and email_states() == left

    # a sender whose clock is past the lease takes those claims over and sends them
    later = (datetime.now(UTC) + CLAIM_TIMEOUT + timedelta(minutes=5)).isoformat()
    result = run_command(app, "send-mail", "--now", later, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    assert f"{left['sending']} left half-sent by a stopped sender, put back to be sent again" in result.stdout
    assert f"email: sent {left['sending']}, to retry 0, failed 0" in result.stdout
    assert email_states() == {"sent": BATCH + 10}

    # every notification arrived; only the one the killed sender did not record arrived twice, with the
    # same Message-ID both times, so mail systems show it once
    counts = mailbox.counts()
    assert set(counts) == set(queued)
    assert {n: times for n, times in counts.items() if times > 1} == {held: 2}, counts
    copies = [message_id for message_id in mailbox.received if message_id == mailbox.held[0]]
    assert len(copies) == 2 and len(set(mailbox.received)) == BATCH + 10
    db.session.expire_all()
    assert db.session.get(Notification, held).attempts == 2
