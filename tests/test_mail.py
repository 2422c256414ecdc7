"""Email through the outbox, to a real SMTP server (aiosmtpd) listening on 127.0.0.1 for each test."""

import shutil
import ssl
import subprocess
import threading
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select, update

from proposals.closure.compose import compose
from proposals.closure.mail import MailConfig
from proposals.closure.outbox import backoff, claim, send_pending
from proposals.extensions import db
from proposals.models import AuditEntry, Notification, Proposal
from proposals.operations import fire_event

from .conftest import PASSWORD, Cast
from .mailbox import Mailbox, free_port

NOW = datetime(2026, 3, 2, 1, 0)  # naive UTC, as the operations keep time


@pytest.fixture
def people(make):
    """The cast, every one with an email address."""
    cast = Cast(make)
    for name, user in cast.people().items():
        user.email = f"{name}@union.example.cn"
    db.session.commit()
    return cast


def pending() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.email_state == "pending")))


def states() -> dict[str, int]:
    rows = db.session.execute(select(Notification.email_state, func.count()).group_by(Notification.email_state))
    return dict(rows.all())


def test_each_pending_notification_is_mailed_once_to_its_user_in_chinese(runner, smtp, people):
    proposal = people.proposal_in("accepted")
    waiting = pending()
    assert len(waiting) >= 5  # co-sign invitations, co-signatures, the decision to author and co-signers
    expected = sorted(n.user.email for n in waiting)

    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert f"sent {len(waiting)}" in result.output

    assert smtp.recipients() == expected
    decision = [m for rcpts, m in smtp.received if rcpts == [people.author.email] and "立案" in m["Subject"]]
    assert len(decision) == 1
    message = decision[0]
    assert message["Subject"] == f"[提案管理系统] “{proposal.title}”已立案，案号为第1号。"
    assert message["To"].addresses[0].addr_spec == people.author.email
    body = message.get_content()
    assert proposal.title in body and "第十届职代会" in body
    assert f"http://tian.example.cn/proposals/{proposal.id}" in body
    assert "http://tian.example.cn/notifications/settings" in body

    db.session.expire_all()
    assert states() == {"sent": len(waiting)}
    again = runner.invoke(args=["send-mail"])
    assert "sent 0" in again.output and len(smtp.received) == len(waiting)


def test_a_refusal_is_retried_after_the_back_off_and_delivered_once(app, smtp, people):
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    notifications = pending()
    assert len(notifications) == 2  # the delegates of the author's delegation are invited
    smtp.refuse = 1  # the first message is refused for now

    report = send_pending(NOW)
    assert (report.sent, report.retry, report.failed) == (1, 1, 0)
    db.session.expire_all()
    refused = db.session.scalar(select(Notification).where(Notification.email_state == "pending"))
    assert refused.attempts == 1 and refused.last_error.startswith("451")
    assert refused.next_attempt_at == NOW + backoff(1) == NOW + timedelta(minutes=1)

    assert send_pending(NOW + timedelta(seconds=30)).sent == 0  # not yet due
    report = send_pending(NOW + timedelta(minutes=2))
    assert (report.sent, report.retry) == (1, 0)
    assert send_pending(NOW + timedelta(hours=2)).sent == 0
    assert smtp.recipients() == sorted(n.user.email for n in notifications)
    db.session.expire_all()
    assert states() == {"sent": 2}
    assert db.session.get(Notification, refused.id).attempts == 2


def test_a_permanent_refusal_fails_at_once_and_repeated_refusals_give_up(app, smtp, people):
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    smtp.refuse, smtp.reply = 1, "550 5.1.1 No such mailbox"
    report = send_pending(NOW)
    assert (report.sent, report.failed) == (1, 1)

    app.config["MAIL_MAX_ATTEMPTS"] = 2
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    smtp.refuse, smtp.reply = 100, "451 4.3.0 Try again later"
    moment = NOW
    for _ in range(3):
        send_pending(moment)
        moment += timedelta(hours=2)
    db.session.expire_all()
    given_up = list(db.session.scalars(select(Notification).where(Notification.email_state == "failed")))
    assert len(given_up) == 1 + 2 and {n.attempts for n in given_up} == {1, 2}


def test_a_server_that_cannot_be_reached_costs_no_attempt(app, people):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=5)
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    report = send_pending(NOW)
    assert (report.sent, report.retry, report.failed, report.waiting) == (0, 0, 0, 2)
    assert "ConnectionRefusedError" in report.errors[0]
    db.session.expire_all()
    rows = {(n.email_state, n.attempts, n.next_attempt_at) for n in db.session.scalars(select(Notification))}
    assert rows == {("pending", 0, NOW)}  # no message was tried: none is any nearer being parked


def test_two_senders_at_once_deliver_each_message_once(app, smtp, make):
    delegation = make.unit("delegation")
    author = make.user("worker", delegation_id=delegation.id, email="author@union.example.cn")
    for n in range(12):
        make.user("delegate", delegation_id=delegation.id, email=f"delegate{n}@union.example.cn")
    for n in range(3):
        fire_event(make.proposal(author, title=f"第{n}件提案").id, "submit", author, now=NOW)
    expected = sorted(n.user.email for n in pending())
    assert len(expected) == 36

    reports, errors = [], []

    def sender():
        try:
            with app.app_context():
                reports.append(send_pending(NOW))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.sent for r in reports) == 36
    assert smtp.recipients() == expected
    db.session.expire_all()
    assert states() == {"sent": 36}


def test_a_claim_takes_no_more_than_its_limit(app, make):
    delegation = make.unit("delegation")
    author = make.user("worker", delegation_id=delegation.id, email="author@union.example.cn")
    for n in range(30):
        make.user("delegate", delegation_id=delegation.id, email=f"delegate{n}@union.example.cn")
    fire_event(make.proposal(author).id, "submit", author, now=NOW)
    first = claim(NOW, 20)
    assert len(first) == 20 and states() == {"sending": 20, "pending": 10}
    second = claim(NOW, 20)
    assert len(second) == 10 and not set(first) & set(second) and claim(NOW, 20) == []


def test_a_claimed_row_is_not_claimed_again_and_a_stopped_senders_claim_expires(app, smtp, people):
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    first = claim(NOW, 1)
    assert len(first) == 1
    second = claim(NOW, 10)
    assert len(second) == 1 and second != first  # the other one only
    # the sender that claimed them stopped: within the hour they wait, after it they are sent again
    report = send_pending(NOW + timedelta(minutes=30))
    assert (report.abandoned, report.sent) == (0, 0)
    report = send_pending(NOW + timedelta(hours=2))
    assert (report.abandoned, report.sent) == (2, 2)
    assert smtp.recipients() == ["delegate1@union.example.cn", "head@union.example.cn"]
    db.session.expire_all()
    assert states() == {"sent": 2}


def test_a_stopped_senders_claim_at_the_last_attempt_fails(app, smtp, people):
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    assert len(claim(NOW, 10)) == 2
    report = send_pending(NOW + timedelta(hours=2))
    assert (report.abandoned, report.sent) == (2, 0)
    assert smtp.received == []
    db.session.expire_all()
    assert states() == {"failed": 2}


def test_no_address_or_email_turned_off_is_skipped_but_kept_in_the_application(app, smtp, people):
    people.delegate1.email_notifications = False
    people.head.email = None
    db.session.commit()
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    assert {n.email_state for n in db.session.scalars(select(Notification))} == {"skipped"}

    people.head.email = "head@union.example.cn"
    db.session.commit()
    proposal = people.proposal_in("draft", title="第二件提案")
    fire_event(proposal.id, "submit", people.author, now=NOW)
    people.head.email_notifications = False  # turned off after the notification was queued
    db.session.commit()
    report = send_pending(NOW)
    assert (report.sent, report.skipped) == (0, 1)
    assert smtp.received == []
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.read_at.is_(None))) == 4


def test_the_author_of_a_confidential_proposal_is_never_named(app, smtp, people):
    secret = people.proposal_in("in_progress", confidential=True, title="保密署名的提案")
    people.proposal_in("assigned", title="公开署名的提案")
    send_pending(NOW)
    to_others = [m for rcpts, m in smtp.received if rcpts != [people.author.email]]
    about_secret = [m for m in to_others if secret.title in m["Subject"]]
    about_open = [m for m in to_others if "公开署名" in m["Subject"]]
    invitations = [m for m in about_open if "邀请您附议" in m["Subject"]]
    assert len(invitations) == 2  # the author's delegation: delegate1 and the head
    # a confidential proposal invites nobody by delegation; the rest (decision to co-signers, assignments) alike
    assert len(about_secret) == len(about_open) - len(invitations) >= 4
    assert not [m for m in about_secret if "邀请您附议" in m["Subject"]]
    assert all(people.author.name not in m.get_content() for m in about_secret)
    assert all(people.author.name in m.get_content() for m in about_open)


def test_without_a_mail_server_nothing_is_sent_and_the_command_says_so(runner, people):
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0
    assert "MAIL_SERVER is not set, so no email was sent (2 waiting)" in result.output
    assert states() == {"pending": 2}


def test_english_speakers_get_english(app, smtp, people):
    people.delegate1.locale = "en"
    db.session.commit()
    proposal = people.proposal_in("draft", title="A canteen proposal")
    fire_event(proposal.id, "submit", people.author, now=NOW)
    send_pending(NOW)
    subjects = {rcpts[0]: m["Subject"] for rcpts, m in smtp.received}
    invitation = "[Proposals] You are invited to co-sign the proposal “A canteen proposal”."
    assert subjects[people.delegate1.email] == invitation
    assert subjects[people.head.email] == "[提案管理系统] 邀请您附议提案“A canteen proposal”。"


# -- one message never holds up the others ------------------------------------------------------------

HEADERS = {"Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted"}
MIME = {"Content-Type", "Content-Transfer-Encoding", "MIME-Version"}


@pytest.fixture
def poisoned(make):
    """A submitted proposal whose title carries a header of its own, and its four invitations: one to a
    delegate with a name like it, one to an address with a line break, one to a locale that does not
    exist, one as it should be. What the forms refuse today may already be in the database."""
    delegation = make.unit("delegation")
    author = make.user("worker", delegation_id=delegation.id, email="author@union.example.cn")
    people = {
        name: make.user("delegate", delegation_id=delegation.id, email=f"{name}@union.example.cn")
        for name in ("named", "broken_address", "no_locale", "plain")
    }
    proposal = make.proposal(author)
    db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values(title="x\r\nBcc: evil@x"))
    people["named"].name = "王\r\nBcc: evil@x"
    people["broken_address"].email = "broken@union.example.cn\nBcc: evil@x"
    people["no_locale"].locale = "no-such-locale"
    db.session.commit()
    fire_event(proposal.id, "submit", author, now=NOW)
    rows = {n.user.username: n for n in pending()}
    assert len(rows) == 4
    return {name: rows[user.username].id for name, user in people.items()}


def row(notification_id: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, notification_id)


def test_line_breaks_in_a_title_or_a_name_never_make_a_header(app, smtp, poisoned):
    notification = db.session.get(Notification, poisoned["named"])
    config = MailConfig.from_app({**app.config, "MAIL_SENDER": '"提案\r\nBcc: evil@x" <tian@union.example.cn>'})
    with app.test_request_context():
        raw = compose(notification, config, NOW).as_bytes()
    message = message_from_bytes(raw, policy=policy.default)
    assert set(message.keys()) == HEADERS | MIME
    assert b"\nBcc" not in raw and b"\rBcc" not in raw
    assert "x Bcc: evil@x" in message["Subject"] and "\n" not in message["Subject"]
    assert message["To"].addresses[0].display_name == "王 Bcc: evil@x"
    assert message["To"].addresses[0].addr_spec == "named@union.example.cn"
    assert message["From"].addresses[0].addr_spec == "tian@union.example.cn"


def test_rows_that_cannot_be_mailed_cost_only_themselves_and_the_run_succeeds(runner, smtp, poisoned):
    result = runner.invoke(args=["send-mail", "--now", "2026-03-02T09:00"])  # China time: NOW
    assert result.exit_code == 0, result.output
    assert "sent 2, to retry 1, failed 1" in result.output
    assert "1 could not be delivered; see Administration > Outbox" in result.output

    # the two that can be mailed are, each with its headers only, to its own address only
    assert smtp.recipients() == ["named@union.example.cn", "plain@union.example.cn"]
    for _rcpts, message in smtp.received:
        assert set(message.keys()) == HEADERS | MIME
        assert "x Bcc: evil@x" in message["Subject"]
    # an address that is no address is parked at once; a message that cannot be made waits its turn
    broken, no_locale = row(poisoned["broken_address"]), row(poisoned["no_locale"])
    assert (broken.email_state, broken.attempts) == ("failed", 1)
    assert broken.last_error.startswith("Not a mail address")
    assert (no_locale.email_state, no_locale.attempts, no_locale.last_attempt_at) == ("pending", 1, NOW)
    assert no_locale.next_attempt_at == NOW + backoff(1) and no_locale.last_error.startswith("ValueError")

    again = runner.invoke(args=["send-mail", "--now", "2026-03-02T09:00:30"])  # not yet due: nothing is tried
    assert again.exit_code == 0 and "sent 0, to retry 0, failed 0" in again.output
    assert row(poisoned["no_locale"]).attempts == 1


def test_the_tick_carries_on_past_them_too(runner, smtp, poisoned):
    result = runner.invoke(args=["tick", "--now", "2026-03-02T09:00"])
    assert result.exit_code == 0, result.output
    assert "email: sent" in result.output
    states_now = {name: row(notification_id).email_state for name, notification_id in poisoned.items()}
    assert states_now == {"named": "sent", "plain": "sent", "broken_address": "failed", "no_locale": "pending"}


def test_a_failing_message_backs_off_exponentially_and_is_parked_at_the_cap(app, smtp, poisoned):
    app.config["MAIL_MAX_ATTEMPTS"] = 4
    send_pending(NOW)
    delivered = len(smtp.received)
    moment, waits = NOW, []
    for attempt in (1, 2, 3):
        notification = row(poisoned["no_locale"])
        assert (notification.email_state, notification.attempts) == ("pending", attempt)
        assert notification.last_attempt_at == moment
        waits.append(notification.next_attempt_at - moment)
        assert send_pending(notification.next_attempt_at - timedelta(seconds=1)).retry == 0  # not before
        moment = notification.next_attempt_at
        report = send_pending(moment)
        assert report.retry + report.failed == 1
    assert waits == [timedelta(minutes=1), timedelta(minutes=4), timedelta(minutes=16)]
    parked = row(poisoned["no_locale"])
    assert (parked.email_state, parked.attempts, parked.last_attempt_at) == ("failed", 4, moment)
    assert parked.next_attempt_at is None and parked.last_error.startswith("ValueError")
    assert send_pending(moment + timedelta(days=30)).failed == 0  # parked: never tried again by itself
    assert len(smtp.received) == delivered  # and the others were sent once


def test_the_back_off_grows_fourfold_up_to_six_hours():
    assert [backoff(n) for n in range(1, 8)] == [timedelta(minutes=m) for m in (1, 4, 16, 64, 256, 360, 360)]
    assert backoff(10**6) == timedelta(hours=6)


def test_a_message_the_server_hangs_up_on_is_charged_alone(app, smtp, people):
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    first, second = sorted(n.id for n in pending())
    smtp.refuse, smtp.reply = 1, "421 4.3.2 Closing the connection"
    report = send_pending(NOW)
    assert (report.sent, report.retry, report.waiting) == (0, 1, 2) and "421" in report.errors[0]
    charged, spared = row(first), row(second)
    assert (charged.attempts, charged.next_attempt_at) == (1, NOW + backoff(1))
    assert (spared.email_state, spared.attempts, spared.next_attempt_at) == ("pending", 0, NOW)
    # the next run sends the one that was not tried, and leaves the other to its back-off
    assert send_pending(NOW + timedelta(seconds=10)).sent == 1
    assert (row(second).email_state, row(first).email_state) == ("sent", "pending")


def test_a_parked_message_sent_again_by_an_administrator_is_delivered(app, client, smtp, people):
    fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
    smtp.refuse, smtp.reply = 1, "550 5.1.1 No such mailbox"
    send_pending(NOW)
    parked = db.session.scalar(select(Notification).where(Notification.email_state == "failed"))
    address = parked.user.email

    client.post("/login", data={"username": people.admin.username, "password": PASSWORD})
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "550 5.1.1 No such mailbox" in page and address in page
    response = client.post(f"/admin/outbox/{parked.id}/retry")
    assert response.status_code == 302 and response.location.endswith("/admin/outbox")
    again = row(parked.id)
    assert (again.email_state, again.attempts) == ("pending", 0)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (people.admin.id, "notifications", parked.id)
    assert entry.details["attempts"] == 1 and entry.details["last_error"].startswith("550")

    report = send_pending()
    assert report.sent == 1 and smtp.recipients().count(address) == 1
    assert row(parked.id).email_state == "sent"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: the intranet mail server's, and its own authority."""
    if not shutil.which("openssl"):
        pytest.fail("openssl is needed to make a test certificate: run make test-packages (make test does)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # aiosmtpd, on implicit TLS
@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_tls_and_credentials(app, people, certificate, mode):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    mailbox = Mailbox()
    options = {"authenticator": authenticator, "auth_required": True}
    if mode == "ssl":  # (aiosmtpd offers AUTH on implicit TLS only when told the session is safe)
        options |= {"ssl_context": context, "auth_require_tls": False}
    else:
        options |= {"tls_context": context, "require_starttls": True}
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=controller.port,
            MAIL_USE_TLS=mode == "starttls",
            MAIL_USE_SSL=mode == "ssl",
            MAIL_USERNAME="tian",
            MAIL_PASSWORD="wrong",
            MAIL_CA_FILE=str(cert),
        )
        fire_event(people.proposal_in("draft").id, "submit", people.author, now=NOW)
        refused = send_pending(NOW)
        assert (refused.sent, refused.retry, refused.waiting) == (0, 0, 2) and "535" in refused.errors[0]
        app.config["MAIL_PASSWORD"] = "s3cret"
        report = send_pending(NOW + timedelta(hours=1))
    finally:
        controller.stop()
    assert report.sent == 2 and len(mailbox.received) == 2
    assert logins[-1] == (b"tian", b"s3cret")
