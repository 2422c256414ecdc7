"""A channel sender SIGKILLed between the service's taking a message and its recording that: nothing lost,
and the message sent again carries the same idempotency key (Aliyun OutId, the 企业微信 link's ref), so the
deadline reminder reaches each receiver under one key.

Deterministic as the mail kill test is (tests/faults/test_mail_kills.py): the stand-in tells the test the
moment the chosen message arrives and keeps its answer back; the test kills the sender then, or lets the
answer go and kills the sender once PostgreSQL shows it blocked recording the send (behind a row lock the
test holds). The next sender is given a clock past the lease (`channels send --now`), not a sleep.
"""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from proposals.closure.channels import preferences
from proposals.closure.channels.messengers import _TOKENS
from proposals.closure.outbox import CLAIM_TIMEOUT
from proposals.closure.tick import tick
from proposals.extensions import db
from proposals.models import Delivery, ExternalIdentity
from proposals.operations import clock, fire_event

from .. import channel_servers as services
from .conftest import PATIENCE, ROOT, run_command, server_environment, wait_for

HELD = 3  # the how-many-th delivery of the channel the stand-in keeps waiting
HANDLERS = 6  # handlers of the lead department, each reminded


def at(day: str, hour: int = 9) -> datetime:
    local = datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=clock.LOCAL)
    return local.astimezone(UTC).replace(tzinfo=None)


def states(channel: str) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Delivery.state, func.count()).where(Delivery.channel == channel).group_by(Delivery.state)
    )
    return dict(rows.all())


def blocked_behind(connection) -> int:
    return db.session.scalar(
        text("SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"),
        {"holder": connection.scalar(text("SELECT pg_backend_pid()"))},
    )


@pytest.mark.parametrize("moment", ["answer_held", "answer_given"])
@pytest.mark.parametrize("channel", ["sms", "wecom"])
def test_a_channel_sender_killed_mid_send_loses_nothing_and_its_repeat_carries_the_same_key(
    app, cast, tmp_path, channel, moment
):
    service = services.AliyunSms() if channel == "sms" else services.WeCom()
    try:
        settings = services.settings(**{channel: service})
        app.config.update(settings)
        handlers = [cast.lead] + [
            cast.make.user("department_handler", department_id=cast.lead_dept.id) for _ in range(HANDLERS - 1)
        ]
        for n, user in enumerate(handlers):
            user.mobile = f"139{n:08d}"
            db.session.add(ExternalIdentity(user_id=user.id, provider="wecom", subject=f"wecom-{user.username}"))
        preferences.update_defaults({"kinds": {"remind_ack": ["email", channel]}}, actor=None)
        db.session.commit()
        proposal = cast.make.proposal(author=cast.author, session=cast.session)
        for event, who, payload in cast.path("assigned"):
            proposal = fire_event(proposal.id, event, getattr(cast, who), payload, now=at("2025-03-03"))
        tick(at("2025-03-05"), mail=False)  # the deadline reminders, queued
        queued = list(db.session.scalars(select(Delivery).where(Delivery.channel == channel).order_by(Delivery.id)))
        assert len(queued) == HANDLERS and states(channel) == {"pending": HANDLERS}
        keys = {d.id: d.key for d in queued}
        held = queued[HELD - 1].id
        service.hold = keys[held]

        env = server_environment(app, CHANNEL_TIMEOUT=str(4 * PATIENCE), **{k: str(v) for k, v in settings.items()})
        log = tmp_path / "killed-sender.log"
        with open(log, "wb") as output:
            killed = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "proposals", "channels", "send", "--channel", channel],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        lock = db.engine.connect()
        try:
            said = lambda: f"received {len(service.received)}; the sender said: {log.read_text(errors='replace')}"  # noqa: E731
            wait_for(lambda: service.reached.is_set() or killed.poll() is not None, "the held message", detail=said)
            assert killed.poll() is None, said()
            if moment == "answer_given":
                with lock.begin():
                    lock.execute(select(Delivery.id).where(Delivery.id == held).with_for_update())
                    service.release.set()
                    wait_for(lambda: blocked_behind(lock) == 1 or killed.poll() is not None, "the sender recording")
                    killed.kill()
                    killed.wait(timeout=PATIENCE)
                    lock.rollback()
            else:
                killed.kill()
                killed.wait(timeout=PATIENCE)
            assert killed.returncode == -9, said()
        finally:
            service.release.set()
            lock.close()
            if killed.poll() is None:
                killed.kill()
                killed.wait()

        left = states(channel)
        assert left == {"sent": HELD - 1, "sending": HANDLERS - (HELD - 1)}, left
        # a sender now leaves the killed sender's claims alone
        run_command(app, "channels", "send", "--channel", channel, **{k: str(v) for k, v in settings.items()})
        assert states(channel) == left

        later = (datetime.now(UTC) + CLAIM_TIMEOUT + timedelta(minutes=5)).isoformat()
        result = run_command(
            app, "channels", "send", "--channel", channel, "--now", later, **{k: str(v) for k, v in settings.items()}
        )
        assert f"{left['sending']} left half-sent by a stopped sender" in result.stdout, result.stdout
        assert states(channel) == {"sent": HANDLERS}

        # each reminder reached the receiver under its own key; only the held one twice, under the same key
        assert set(service.keys) == set(keys.values()) and not service.problems
        assert {key: n for key, n in service.keys.items() if n > 1} == {keys[held]: 2}
        db.session.expire_all()
        assert db.session.get(Delivery, held).attempts == 2
    finally:
        service.close()
        _TOKENS.clear()
