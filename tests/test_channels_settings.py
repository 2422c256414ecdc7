"""Who is told by which channel: each person's settings (page and API) and the union's defaults (page and
API), with their audit rows; bad input changes nothing; and `flask channels test`."""

import pytest
from sqlalchemy import func, select

from proposals.closure.channels import preferences
from proposals.closure.channels.messengers import _TOKENS
from proposals.extensions import db
from proposals.models import (
    AuditEntry,
    ChannelDefault,
    ChannelPreference,
    Delivery,
    ExternalIdentity,
    GroupRobot,
    Notification,
)

from . import channel_servers as services
from .admin.conftest import login
from .helpers import token_for

SETTINGS = "/api/v1/me/notification-settings"
DEFAULTS = "/api/v1/notification-defaults"


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {token_for(user)}"}


def audit_rows(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def stored() -> tuple:
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return count(ChannelPreference), count(ChannelDefault), count(ExternalIdentity), count(AuditEntry)


@pytest.fixture
def configured(app):
    """SMS and 企业微信 set up (nothing is sent by these tests)."""
    app.config.update(SMS_PROVIDER="aliyun", SMS_ACCESS_KEY_ID="id", SMS_ACCESS_KEY_SECRET="s", SMS_SIGN_NAME="工会")
    app.config.update(WECOM_CORP_ID="ww1", WECOM_SECRET="s", WECOM_AGENT_ID="1")


def test_a_person_reads_and_changes_their_settings_by_api(app, client, make, configured):
    user = make.user("department_handler")
    headers = bearer(user)
    got = client.get(SETTINGS, headers=headers).json
    assert got["channels"] == ["email", "sms", "wecom"]
    assert {row["kind"]: row["channels"] for row in got["kinds"]}["remind_reply"] == ["email"]  # the default

    change = {
        "mobile": "138 0013 8000",
        "identities": {"wecom": "ZhangSan"},
        "kinds": {"remind_reply": ["sms", "wecom"], "reply": []},
    }
    answer = client.put(SETTINGS, json=change, headers=headers)
    assert answer.status_code == 200, answer.json
    kinds = {row["kind"]: row for row in answer.json["kinds"]}
    assert kinds["remind_reply"]["channels"] == ["sms", "wecom"] and kinds["remind_reply"]["own"]
    assert kinds["reply"]["channels"] == [] and kinds["assign"] == {**kinds["assign"], "own": False}
    assert answer.json["mobile"] == "13800138000" and answer.json["identities"]["wecom"] == "ZhangSan"
    assert preferences.choices([user.id], "remind_reply")[user.id] == {"sms", "wecom"}
    [entry] = audit_rows("notifications.settings")
    assert entry.actor_id == user.id and entry.details["mobile"] == {"from": "", "to": "13800138000"}
    assert entry.details["kinds.remind_reply"] == {"from": None, "to": ["sms", "wecom"]}

    back = client.put(SETTINGS, json={"kinds": {"remind_reply": None}}, headers=headers).json  # follow the default
    assert {row["kind"]: row["own"] for row in back["kinds"]}["remind_reply"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({"mobile": "12345"}, "mobile"),
        ({"mobile": 13800138000}, "mobile"),
        ({"kinds": {"remind_reply": ["pigeon"]}}, "kinds.remind_reply"),
        ({"kinds": {"nonsense": ["sms"]}}, "kinds.nonsense"),
        ({"kinds": {"reply": "sms"}}, "kinds.reply"),
        ({"identities": {"wecom": "a\u0000b"}}, "identities.wecom"),
        ({"identities": {"icq": "x"}}, "identities.icq"),
        ({"email_notifications": "yes"}, "email_notifications"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_in_chinese_and_change_nothing(client, make, configured, body, field):
    user = make.user("worker")
    headers = bearer(user)
    before = stored()
    answer = client.put(SETTINGS, json={**body, "mobile": body.get("mobile", "13900139000")}, headers=headers)
    assert answer.status_code == 422 and field in answer.json["fields"], answer.json
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer.json["error"])
    db.session.expire_all()
    assert stored() == before and user.mobile is None


def test_a_messenger_id_is_one_persons(client, make, configured):
    first, second = make.user("worker"), make.user("worker")
    assert client.put(SETTINGS, json={"identities": {"wecom": "w1"}}, headers=bearer(first)).status_code == 200
    answer = client.put(SETTINGS, json={"identities": {"wecom": "w1"}}, headers=bearer(second))
    assert answer.status_code == 422 and answer.json["fields"]["identities.wecom"] == "该账号已属于另一个人。"


def test_the_union_sets_defaults_by_api_and_only_the_union(client, make):
    admin, worker = make.user("union_admin"), make.user("worker")
    assert client.get(DEFAULTS, headers=bearer(worker)).status_code == 403
    assert client.put(DEFAULTS, json={"kinds": {"reply": ["sms"]}}, headers=bearer(worker)).status_code == 403
    answer = client.put(
        DEFAULTS, json={"kinds": {"reply": ["email", "sms"], "remind_reply": ["sms", "group"]}}, headers=bearer(admin)
    )
    assert answer.status_code == 200
    got = {row["kind"]: row["channels"] for row in client.get(DEFAULTS, headers=bearer(admin)).json["kinds"]}
    assert (got["reply"], got["remind_reply"], got["assign"]) == (["email", "sms"], ["sms", "group"], ["email"])
    [entry] = audit_rows("channels.defaults")
    assert entry.actor_id == admin.id and entry.details["reply"] == {"from": ["email"], "to": ["email", "sms"]}
    # whoever has not chosen follows; whoever chose keeps their choice
    chooser = make.user("worker")
    preferences.update_settings(chooser, {"kinds": {"reply": ["email"]}}, actor=chooser)
    assert preferences.choices([worker.id, chooser.id], "reply") == {worker.id: {"email", "sms"}, chooser.id: {"email"}}
    bad = client.put(DEFAULTS, json={"kinds": {"reply": None}}, headers=bearer(admin))
    assert bad.status_code == 422 and "kinds.reply" in bad.json["fields"]


def test_the_settings_page(client, make, configured):
    user = make.user("worker")
    login(client, user)
    page = client.get("/account/notifications")
    assert page.status_code == 200 and "通知设置" in page.text and "提醒：答复到期" in page.text
    form = {"mobile": "13800138000", "identity-wecom": "wang", "email_notifications": "1"}
    form |= {f"follow-{kind}": "1" for kind in preferences.KINDS if kind != "remind_reply"}
    form["kind-remind_reply"] = ["sms", "wecom"]
    answer = client.post("/account/notifications", data=form)
    assert answer.status_code == 302
    db.session.expire_all()
    assert user.mobile == "13800138000" and preferences.identities_of(user) == {"wecom": "wang"}
    assert preferences.choices([user.id], "remind_reply")[user.id] == {"sms", "wecom"}
    assert preferences.choices([user.id], "reply")[user.id] == {"email"}  # follows the union
    bad = client.post("/account/notifications", data={**form, "mobile": "0000"})
    assert bad.status_code == 422 and "请输入 11 位中国大陆手机号码" in bad.text
    db.session.expire_all()
    assert user.mobile == "13800138000"


def test_the_channels_administration_page(client, make):
    admin = make.user("union_admin")
    dept = make.unit("department", name="后勤处")
    login(client, admin)
    page = client.get("/admin/channels")
    assert page.status_code == 200 and "各类通知的默认渠道" in page.text
    form = {f"kind-{kind}": ["email"] for kind in preferences.KINDS} | {"kind-overdue_reply": ["email", "sms", "group"]}
    assert client.post("/admin/channels/defaults", data=form).status_code == 302
    assert preferences.defaults()["overdue_reply"] == {"email", "sms", "group"}
    robot = {
        "department_id": dept.id,
        "provider": "dingtalk",
        "webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "secret": "SECx",
    }  # noqa: E501
    assert client.post("/admin/channels/robots", data=robot).status_code == 302
    [saved] = db.session.scalars(select(GroupRobot))
    assert (saved.department_id, saved.provider, saved.secret) == (dept.id, "dingtalk", "SECx")
    [entry] = audit_rows("channels.robot_set")
    assert "abc" not in str(entry.details)  # the robot's token is not logged
    bad = client.post("/admin/channels/robots", data={**robot, "webhook": "not a url"})
    assert bad.status_code == 422 and "Webhook" in bad.text
    assert client.post(f"/admin/channels/robots/{saved.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(GroupRobot)) == 0
    assert audit_rows("channels.robot_removed")


def test_the_group_robots_and_a_parked_delivery_by_api(client, make):
    """What the channels and outbox pages do for robots and parked messages, the API does (administrators)."""
    admin, worker = make.user("union_admin"), make.user("worker")
    dept = make.unit("department", name="后勤处")
    robot = {
        "department_id": dept.id,
        "provider": "feishu",
        "webhook": "https://open.feishu.cn/hook/abc",
        "secret": "S",
    }
    assert client.post("/api/v1/group-robots", json=robot, headers=bearer(worker)).status_code == 403
    answer = client.post("/api/v1/group-robots", json=robot, headers=bearer(admin))
    assert answer.status_code == 201 and answer.json["signed"] is True
    assert "abc" not in answer.text and "hook" not in answer.text  # the token in the address is never read back
    [listed] = client.get("/api/v1/group-robots", headers=bearer(admin)).json["items"]
    assert (listed["department_id"], listed["provider"]) == (dept.id, "feishu")
    before = stored()
    bad = client.post("/api/v1/group-robots", json={**robot, "webhook": "not a url"}, headers=bearer(admin))
    assert bad.status_code == 422 and "webhook" in bad.json["fields"] and stored() == before
    assert client.delete(f"/api/v1/group-robots/{listed['id']}", headers=bearer(admin)).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(GroupRobot)) == 0
    assert client.delete(f"/api/v1/group-robots/{listed['id']}", headers=bearer(admin)).status_code == 404
    assert [e.actor_id for e in audit_rows("channels.robot_removed")] == [admin.id]

    notice = Notification(user_id=worker.id, event="assign")
    db.session.add(notice)
    db.session.flush()
    parked = Delivery(notification_id=notice.id, channel="sms", address="13800138000", key="k-1", state="failed")
    db.session.add(parked)
    db.session.commit()
    retry = f"/api/v1/outbox/deliveries/{parked.id}/retry"
    assert client.post(retry, headers=bearer(worker)).status_code == 403
    again = client.post(retry, headers=bearer(admin))
    assert again.status_code == 200 and (again.json["channel"], again.json["state"]) == ("sms", "pending")
    db.session.expire_all()
    assert db.session.get(Delivery, parked.id).key == "k-1"  # the same idempotency key
    twice = client.post(retry, headers=bearer(admin))
    assert twice.status_code == 409 and twice.json["code"] == "conflict"
    assert client.post("/api/v1/outbox/deliveries/999999/retry", headers=bearer(admin)).status_code == 404


def test_channels_test_sends_through_each_configured_channel_and_says_how_it_went(app, runner, make):
    sms, wecom = services.TencentSms(), services.WeCom()
    try:
        app.config.update(services.settings(sms=sms, wecom=wecom))
        user = make.user("worker", username="tester")
        user.mobile = "13800138000"
        db.session.add(ExternalIdentity(user_id=user.id, provider="wecom", subject="tester-wecom"))
        db.session.commit()
        result = runner.invoke(args=["channels", "test", "--user", "tester"])
        assert result.exit_code == 0, result.output
        assert "sms: sent to 13800138000" in result.output and "wecom: sent to tester-wecom" in result.output
        assert len(sms.received) == len(wecom.received) == 1 and not (sms.problems or wecom.problems)
        wecom.mode = "bad_credentials"
        _TOKENS.clear()
        failed = runner.invoke(args=["channels", "test", "--mobile", "13900139000", "--wecom", "x"])
        assert failed.exit_code == 1 and "wecom: FAILED to x: credentials refused" in failed.output
        assert "sms: sent to 13900139000" in failed.output
    finally:
        sms.close()
        wecom.close()
        _TOKENS.clear()
