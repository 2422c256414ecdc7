"""SMS and the messengers, end to end: a notice queued with its notification, sent through the outbox of
the channels to a local stand-in of each service (tests/channel_servers.py), which checks the request
as documented and answers as the service does.

Dates: China-local working days of March 2025, as in tests/test_tick.py (the acknowledgement deadline of
a proposal assigned on Monday 3 March is 10 March, reminded of three working days ahead, on 5 March).
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from proposals.closure.channels import outbox as channel_outbox
from proposals.closure.channels import preferences, texts
from proposals.closure.channels.messengers import _TOKENS
from proposals.closure.channels.outbox import send_pending
from proposals.closure.channels.robots import add_robot
from proposals.closure.tick import tick
from proposals.extensions import db
from proposals.models import AuditEntry, Delivery, ExternalIdentity, Notification
from proposals.operations import clock, fire_event

from . import channel_servers as services
from .conftest import get_user

MONDAY = "2025-03-03"


def at(day: str, hour: int = 9) -> datetime:
    local = datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=clock.LOCAL)
    return local.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def stand_ins():
    made = []

    def start(kind):
        service = kind()
        made.append(service)
        return service

    yield start
    for service in made:
        service.close()
    _TOKENS.clear()


def reach(cast, *channels):
    """Give the handlers of the lead and co-handling departments a mobile number and messenger ids."""
    for n, user in enumerate((cast.lead, cast.cohandler)):
        user.mobile = f"1380013800{n}"
        for provider in ("wecom", "dingtalk", "feishu"):
            db.session.add(ExternalIdentity(user_id=user.id, provider=provider, subject=f"{provider}-{user.username}"))
    preferences.update_defaults({"kinds": {"remind_ack": ["email", *channels]}}, actor=None)
    db.session.commit()


def assigned(cast):
    proposal = cast.make.proposal(author=cast.author, session=cast.session)
    for event, who, payload in cast.path("assigned"):
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload, now=at(MONDAY))
    return proposal


def deliveries(channel=None) -> list[Delivery]:
    db.session.expire_all()
    stmt = select(Delivery).order_by(Delivery.id)
    if channel:
        stmt = stmt.where(Delivery.channel == channel)
    return list(db.session.scalars(stmt))


@pytest.mark.parametrize("provider", [services.AliyunSms, services.TencentSms])
def test_a_deadline_reminder_reaches_sms_and_wecom_with_one_key_each(app, cast, stand_ins, provider):
    sms, wecom = stand_ins(provider), stand_ins(services.WeCom)
    app.config.update(services.settings(sms=sms, wecom=wecom))
    reach(cast, "sms", "wecom")
    assigned(cast)
    assert deliveries() == []  # the assignment's notice is email only (the union's default)

    report = tick(at("2025-03-05"))
    assert report.reminders == 2
    made = deliveries()
    assert {(d.channel, d.state) for d in made} == {("sms", "sent"), ("wecom", "sent")}
    assert len(made) == 4 and not sms.problems and not wecom.problems
    assert sorted(sms.keys.values()) == [1, 1] and set(sms.keys) == {d.key for d in made if d.channel == "sms"}
    assert sorted(wecom.keys.values()) == [1, 1] and set(wecom.keys) == {d.key for d in made if d.channel == "wecom"}
    assert {r["to"].removeprefix("+86") for r in sms.received} == {"13800138000", "13800138001"}
    for message in sms.received:  # one segment, the signature included; Chinese, with the link
        assert len(f"【{message['sign']}】{message['content']} {message['link']}") <= 70
        assert message["link"] == f"https://tian.example.cn/proposals/{made[0].notification.proposal_id}"
        assert message["content"].startswith("请") and "2025年3月10日" in message["content"]
    for card in wecom.received:
        assert card["url"].startswith("https://tian.example.cn/proposals/") and "ref=" in card["url"]
    assert {r["to"] for r in wecom.received} == {f"wecom-{cast.lead.username}", f"wecom-{cast.cohandler.username}"}

    # a second tick at the same moment sends nothing again
    tick(at("2025-03-05", hour=10))
    assert sum(sms.keys.values()) == 2 and sum(wecom.keys.values()) == 2


def test_throttled_messages_wait_uncounted_and_go_with_the_same_key(app, cast, stand_ins):
    sms = stand_ins(services.AliyunSms)
    app.config.update(services.settings(sms=sms))
    reach(cast, "sms")
    assigned(cast)
    sms.throttle_next = 1
    tick(at("2025-03-05"), mail=True)
    waiting = deliveries("sms")
    assert [d.state for d in waiting] == ["pending", "pending"]  # the channel stopped at the first refusal
    assert [d.attempts for d in waiting] == [0, 0] and waiting[0].last_error.startswith("rate-limited: isv.BUSINESS")
    assert waiting[0].next_attempt_at > at("2025-03-05")  # after the back-off

    [report] = send_pending(at("2025-03-05") + timedelta(minutes=2), ["sms"])
    assert (report.sent, report.failed) == (2, 0)
    assert sorted(sms.keys.values()) == [1, 1] and set(sms.keys) == {d.key for d in waiting}


def test_an_invalid_token_is_fetched_again_once(app, cast, stand_ins):
    wecom = stand_ins(services.WeCom)
    app.config.update(services.settings(wecom=wecom))
    reach(cast, "wecom")
    assigned(cast)
    tick(at("2025-03-05"))
    assert wecom.issued == 1 and sum(wecom.keys.values()) == 2  # one token for both messages

    wecom.expire_tokens()  # the service now calls the kept token invalid (42001)
    sent = deliveries("wecom")[0]
    db.session.add(Delivery(notification_id=sent.notification_id, channel="wecom", address="-", key="k-again"))
    db.session.commit()
    [report] = send_pending(at("2025-03-05", hour=11), ["wecom"])
    assert (report.sent, report.errors) == (1, []) and wecom.issued == 2  # fetched again, once
    assert wecom.keys["k-again"] == 1 and not wecom.problems


def test_refused_credentials_park_after_the_cap_and_an_administrator_sends_again_with_the_same_key(
    app, cast, stand_ins
):
    tencent = stand_ins(services.TencentSms)
    app.config.update(services.settings(sms=tencent), CHANNEL_MAX_ATTEMPTS=2)
    reach(cast, "sms")
    assigned(cast)
    tencent.mode = "bad_credentials"
    tick(at("2025-03-05"))
    first, second = deliveries("sms")
    assert (first.state, first.attempts, second.state, second.attempts) == ("pending", 1, "pending", 0)
    assert first.last_error.startswith("credentials refused: AuthFailure"), (first.last_error, first.next_attempt_at)
    later = first.next_attempt_at
    send_pending(later, ["sms"])  # the first parked at its second attempt; the second tried once
    send_pending(later + timedelta(hours=1), ["sms"])
    parked = [d for d in deliveries("sms") if d.state == "failed"]
    assert parked and all(d.attempts == 2 for d in parked)

    channel_outbox.retry_failed(parked[0].id, actor=cast.admin, now=at("2025-03-06"))
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retry_delivery"))
    assert entry.details["key"] == parked[0].key and entry.actor_id == cast.admin.id
    tencent.mode = "ok"
    send_pending(at("2025-03-06"))
    again = db.session.get(Delivery, parked[0].id)
    assert again.state == "sent" and tencent.keys[again.key] == 1


def test_a_dead_channel_holds_up_no_other(app, cast, stand_ins):
    sms, wecom = stand_ins(services.AliyunSms), stand_ins(services.WeCom)
    app.config.update(services.settings(sms=sms, wecom=wecom))
    wecom.close()  # nothing listens there any more
    reach(cast, "sms", "wecom")
    assigned(cast)
    tick(at("2025-03-05"))
    states = {(d.channel, d.state, d.attempts) for d in deliveries()}
    assert states == {("sms", "sent", 1), ("wecom", "pending", 0)}  # not counted: the service was not reached


def test_dingtalk_feishu_and_the_group_robots(app, cast, stand_ins):
    ding, feishu, wecom = stand_ins(services.DingTalk), stand_ins(services.Feishu), stand_ins(services.WeCom)
    app.config.update(services.settings(dingtalk=ding, feishu=feishu))
    reach(cast, "dingtalk", "feishu", "group")
    wecom.robots["wk"] = None
    ding.robots["dt"] = "SECdingsecret"
    feishu.robots["fs"] = "feishusecret"
    for provider, webhook, secret in (
        ("wecom", f"{wecom.url}/cgi-bin/webhook/send?key=wk", ""),
        ("dingtalk", f"{ding.url}/robot/send?access_token=dt", "SECdingsecret"),
        ("feishu", f"{feishu.url}/open-apis/bot/v2/hook/fs", "feishusecret"),
    ):
        add_robot(
            {"department_id": cast.lead_dept.id, "provider": provider, "webhook": webhook, "secret": secret},
            actor=cast.admin,
        )
    db.session.commit()
    proposal = assigned(cast)
    tick(at("2025-03-05"))
    made = deliveries()
    assert {d.channel for d in made} == {"dingtalk", "feishu", "wecom_robot", "dingtalk_robot", "feishu_robot"}
    assert all(d.state == "sent" for d in made), [(d.channel, d.last_error) for d in made]
    assert not (ding.problems or feishu.problems or wecom.problems)
    assert sorted(ding.keys.values()) == [1, 1, 1] and sorted(feishu.keys.values()) == [1, 1, 1]
    assert sum(wecom.keys.values()) == 1  # the lead department's group, once for the notice
    group_texts = [
        r["content"] if "content" in r else r["text"] for s in (ding, feishu, wecom) for r in s.received if "robot" in r
    ]
    assert len(group_texts) == 3
    for text in group_texts:  # a group reads what nobody in particular may read: never the title, never the author
        assert proposal.title not in text and cast.author.name not in text
        assert f"#{proposal.id}" in text


def test_the_person_who_turned_the_channel_off_meanwhile_is_not_sent_it(app, cast, stand_ins):
    sms = stand_ins(services.AliyunSms)
    app.config.update(services.settings(sms=sms))
    reach(cast, "sms")
    assigned(cast)
    tick(at("2025-03-05"), mail=False)
    preferences.update_settings(cast.lead, {"kinds": {"remind_ack": ["email"]}}, actor=cast.lead)
    db.session.commit()
    [report] = send_pending(at("2025-03-05"), ["sms"])
    assert (report.sent, report.skipped) == (1, 1) and sum(sms.keys.values()) == 1


def test_a_confidential_author_is_never_named_and_every_sms_fits_one_segment(app, cast, stand_ins):
    sms = stand_ins(services.TencentSms)
    app.config.update(services.settings(sms=sms))
    title = "关于进一步完善职工食堂就餐环境、增加座位并延长晚餐供应时间以方便倒班职工的提案"
    proposal = cast.make.proposal(author=cast.author, session=cast.session, title=title, confidential=True)
    for event, who, payload in cast.path("assigned"):
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload, now=at(MONDAY))
    notification = db.session.scalar(select(Notification).where(Notification.user_id == cast.lead.id))
    for kind in preferences.KINDS:
        notification.event = kind
        content, link = texts.sms(notification, cast.lead, "天工工会")
        assert len(f"【天工工会】{content} {link}") <= 70, (kind, content)
        assert cast.author.name not in content and cast.author.username not in content
        message = texts.notice(notification, cast.lead, "key")
        assert cast.author.name not in message.text and message.link.endswith("?ref=key")
    db.session.rollback()


def test_a_channel_without_settings_gets_no_deliveries(app, cast):
    reach(cast, "sms", "wecom")
    assigned(cast)
    tick(at("2025-03-05"))
    assert deliveries() == [] and preferences.configured() == ("email",)


# -- where the addresses come from: the roster ----------------------------------------------------------


def roster_csv(rows) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def test_the_roster_gives_mobile_numbers_and_messenger_ids(runner, make, tmp_path):
    make.user("worker", username="qian")
    rows = [
        ["用户名", "姓名", "角色", "手机号码", "企业微信账号", "钉钉账号", "飞书账号"],
        ["qian", "", "", "+86 138-0013-8000", "QianQi", "", "ou_qian"],
        ["sun", "孙八", "worker", "13900139000", "", "ding-sun", ""],
    ]
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(rows))
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    qian, sun = get_user("qian"), get_user("sun")
    ids = {(i.provider, i.subject): i.user_id for i in db.session.scalars(select(ExternalIdentity))}
    assert ids == {("wecom", "QianQi"): qian.id, ("feishu", "ou_qian"): qian.id, ("dingtalk", "ding-sun"): sun.id}
    assert (get_user("qian").mobile, get_user("sun").mobile) == ("13800138000", "13900139000")


def test_a_roster_with_a_bad_number_or_someone_elses_id_changes_nothing(runner, make, tmp_path):
    owner = make.user("worker", username="owner")
    db.session.add(ExternalIdentity(user_id=owner.id, provider="wecom", subject="Taken"))
    make.user("worker", username="qian")
    db.session.commit()
    rows = [["username", "mobile", "wecom_id"], ["qian", "12345", "Taken"]]
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(rows))
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 1
    assert "13800138000" in result.output  # the mobile number's problem, with an example
    assert get_user("qian").mobile is None
    assert db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.subject == "Taken")).user_id == owner.id
