"""The 企业微信, 钉钉 and 飞书 adapters (proposals/auth/providers/wecom.py, dingtalk.py, feishu.py), each against
a local server that checks the calls as the service's documentation describes them and answers as it
documents (tests/service_double.py), through the whole sign-in: the login page's button, the provider's
authorize address, its answer at our callback, the account found and logged in, or the refusal said.
"""

import json

import pytest

from proposals import create_app
from proposals.auth import provider_pages, providers
from proposals.extensions import db

from .conftest import app_config
from .messenger_services import (
    AGENT,
    CORP,
    DING_KEY,
    DING_SECRET,
    FEISHU_ID,
    FEISHU_SECRET,
    SECRET,
    come_back,
    dingtalk_routes,
    feishu_routes,
    linked,
    logged_in,
    start,
    text,
    wecom_routes,
)


@pytest.fixture
def app_overrides(service) -> dict:
    return {
        "OIDC_PROVIDERS": {
            "wecom": {
                "kind": "wecom",
                "corp_id": CORP,
                "agent_id": AGENT,
                "secret": SECRET,
                "employee_no_attribute": "工号",
                "api_base": service.url,
            },
            "dingtalk": {
                "kind": "dingtalk",
                "client_id": DING_KEY,
                "client_secret": DING_SECRET,
                "match": "employee_no",
                "api_base": service.url,
                "oapi_base": service.url,
            },
            "feishu": {
                "kind": "feishu",
                "app_id": FEISHU_ID,
                "app_secret": FEISHU_SECRET,
                "match": "employee_no",
                "tenant_key": "736588c9260f175d",
                "api_base": service.url,
            },
        },
        "OUTBOUND_NO_PROXY": "127.0.0.1,localhost",
    }


def test_the_login_page_names_each_messenger_in_chinese(client):
    page = text(client.get("/login"))
    for label in ("使用企业微信登录", "使用钉钉登录", "使用飞书登录"):
        assert label in page


# -- 企业微信 ------------------------------------------------------------------------------------------


def test_wecom_sends_the_browser_to_its_web_login_page(client):
    params = start(client, "wecom")
    assert params.pop("base") == "https://login.work.weixin.qq.com/wwlogin/sso/login"
    assert params["login_type"] == "CorpApp" and params["appid"] == CORP and params["agentid"] == AGENT
    assert params["redirect_uri"] == "http://localhost/login/with/wecom/callback"
    assert len(params["state"]) >= 20


def test_wecom_inside_the_client_uses_the_oauth2_page(app, client):
    app.config["OIDC_PROVIDERS"]["wecom"]["in_app"] = True
    providers.init_app(app)
    params = start(client, "wecom")
    assert params["base"] == "https://open.weixin.qq.com/connect/oauth2/authorize"
    assert (params["appid"], params["agentid"], params["response_type"], params["scope"]) == (
        CORP,
        AGENT,
        "code",
        "snsapi_base",
    )
    assert params["fragment"] == "wechat_redirect"


def test_wecom_signs_a_member_in_by_userid(app, client, make, service):
    wecom_routes(service)
    make.user("worker", username="zhangsan")
    state = start(client, "wecom")["state"]
    response = come_back(client, "wecom", code="CODE-ZHANG", state=state)
    service.check()
    assert response.status_code == 302 and logged_in(client)
    assert linked("wecom") == [("zhangsan", "zhangsan")]
    assert service.paths() == ["GET /cgi-bin/gettoken", "GET /cgi-bin/auth/getuserinfo", "GET /cgi-bin/user/get"]


def test_wecom_reads_the_employee_number_from_the_custom_field(app, client, make, service):
    wecom_routes(service)
    app.config["OIDC_PROVIDERS"]["wecom"]["match"] = "employee_no"
    providers.init_app(app)
    zhang = make.user("worker", username="zhang.san")
    zhang.employee_no = "E1001"
    db.session.commit()
    response = come_back(client, "wecom", code="CODE-ZHANG", state=start(client, "wecom")["state"])
    service.check()
    assert response.status_code == 302
    assert linked("wecom") == [("zhangsan", "zhang.san")]


def test_wecom_refusing_the_code_is_said(app, client, make, service):
    wecom_routes(service)
    make.user("worker", username="zhangsan")
    response = come_back(client, "wecom", code="CODE-USED-TWICE", state=start(client, "wecom")["state"])
    service.check()
    assert response.status_code == 400
    assert "认证服务拒绝了本次登录，请重新登录。" in text(response)
    assert not logged_in(client) and linked("wecom") == []


def test_wecom_a_wrong_app_secret_is_refused(app, client, service):
    wecom_routes(service)
    app.config["OIDC_PROVIDERS"]["wecom"]["secret"] = "not-the-secret"
    providers.init_app(app)
    response = come_back(client, "wecom", code="CODE-ZHANG", state=start(client, "wecom")["state"])
    assert response.status_code == 400
    assert service.paths() == ["GET /cgi-bin/gettoken"]


def test_wecom_a_person_outside_the_company_is_refused(app, client, service):
    wecom_routes(service)
    response = come_back(client, "wecom", code="CODE-OUTSIDER", state=start(client, "wecom")["state"])
    service.check()
    assert response.status_code == 400
    assert "只有本单位成员才能以这种方式登录。" in text(response)


def test_wecom_an_answer_without_our_state_is_refused_before_any_call(app, client, service):
    wecom_routes(service)
    start(client, "wecom")
    response = come_back(client, "wecom", code="CODE-ZHANG", state="forged")
    assert response.status_code == 400 and service.calls == []
    # nor can the state be used once the sign-in it belonged to is over
    state = start(client, "wecom")["state"]
    come_back(client, "wecom", code="CODE-USED-TWICE", state=state)
    assert come_back(client, "wecom", code="CODE-ZHANG", state=state).status_code == 400


# -- 钉钉 ------------------------------------------------------------------------------------------------


def test_dingtalk_sends_the_browser_to_its_login_page(client):
    params = start(client, "dingtalk")
    assert params.pop("base") == "https://login.dingtalk.com/oauth2/auth"
    assert (params["client_id"], params["response_type"], params["scope"], params["prompt"]) == (
        DING_KEY,
        "code",
        "openid corpid",
        "consent",
    )
    assert params["redirect_uri"] == "http://localhost/login/with/dingtalk/callback"


def test_dingtalk_signs_a_member_in_by_job_number(app, client, make, service):
    dingtalk_routes(service)
    li = make.user("worker", username="li.si")
    li.employee_no = "E1002"
    db.session.commit()
    response = come_back(client, "dingtalk", authCode="AUTH-LISI", state=start(client, "dingtalk")["state"])
    service.check()
    assert response.status_code == 302 and logged_in(client)
    assert linked("dingtalk") == [("UNION-LISI", "li.si")]
    assert service.paths() == [
        "POST /v1.0/oauth2/userAccessToken",
        "GET /v1.0/contact/users/me",
        "GET /gettoken",
        "POST /topapi/user/getbyunionid",
        "POST /topapi/v2/user/get",
    ]


def test_dingtalk_refusing_the_code_is_said(app, client, service):
    dingtalk_routes(service)
    response = come_back(client, "dingtalk", authCode="AUTH-EXPIRED", state=start(client, "dingtalk")["state"])
    service.check()
    assert response.status_code == 400
    assert "认证服务拒绝了本次登录，请重新登录。" in text(response)
    assert service.paths() == ["POST /v1.0/oauth2/userAccessToken"]


def test_dingtalk_a_person_outside_the_company_is_refused(app, client, service):
    dingtalk_routes(service)
    response = come_back(client, "dingtalk", authCode="AUTH-OUTSIDER", state=start(client, "dingtalk")["state"])
    service.check()
    assert response.status_code == 400
    assert "只有本单位成员才能以这种方式登录。" in text(response)


def test_dingtalk_a_member_with_no_account_here_is_refused(app, client, make, service):
    dingtalk_routes(service)
    response = come_back(client, "dingtalk", authCode="AUTH-LISI", state=start(client, "dingtalk")["state"])
    service.check()
    assert response.status_code == 403
    assert "本系统中没有与您的钉钉账号对应的账号，请联系工会办公室为您开通。" in text(response)


# -- 飞书 ------------------------------------------------------------------------------------------------


def test_feishu_sends_the_browser_to_its_authorize_page(client):
    params = start(client, "feishu")
    assert params.pop("base") == "https://accounts.feishu.cn/open-apis/authen/v1/authorize"
    assert params["client_id"] == FEISHU_ID
    assert params["redirect_uri"] == "http://localhost/login/with/feishu/callback"


def test_feishu_signs_a_member_in_by_employee_number(app, client, make, service):
    feishu_routes(service)
    wang = make.user("worker", username="wangwu")
    wang.employee_no = "E1003"
    db.session.commit()
    response = come_back(client, "feishu", code="CODE-WANGWU", state=start(client, "feishu")["state"])
    service.check()
    assert response.status_code == 302 and logged_in(client)
    assert linked("feishu") == [("on_d89jhsdhjsajkda7828enjdj328ydhhw3u43yjhdj", "wangwu")]


def test_feishu_refusing_the_code_is_said(app, client, service):
    feishu_routes(service)
    response = come_back(client, "feishu", code="CODE-OLD", state=start(client, "feishu")["state"])
    service.check()
    assert response.status_code == 400
    assert "认证服务拒绝了本次登录，请重新登录。" in text(response)
    assert service.paths() == ["POST /open-apis/authen/v2/oauth/token"]


def test_feishu_another_company_is_refused(app, client, make, service):
    feishu_routes(service)
    app.config["OIDC_PROVIDERS"]["feishu"]["tenant_key"] = "another-company"
    providers.init_app(app)
    response = come_back(client, "feishu", code="CODE-WANGWU", state=start(client, "feishu")["state"])
    assert response.status_code == 400
    assert "只有本单位成员才能以这种方式登录。" in text(response)


def test_a_cancelled_sign_in_is_said(client):
    state = start(client, "feishu")["state"]
    response = come_back(client, "feishu", state=state)  # no code: the person said no
    assert response.status_code == 400
    assert "登录已在认证服务一方取消或被拒绝。" in text(response)


def test_an_unreachable_service_is_said(app, client):
    app.config["OIDC_PROVIDERS"]["feishu"]["api_base"] = "http://127.0.0.1:9"
    providers.init_app(app)
    response = come_back(client, "feishu", code="CODE-WANGWU", state=start(client, "feishu")["state"])
    assert response.status_code == 400
    assert "暂时无法连接认证服务，请稍后再试。" in text(response)


@pytest.mark.parametrize(
    "settings, complaint",
    [
        ({"kind": "wecom", "corp_id": CORP, "agent_id": AGENT}, "needs 'secret'"),
        ({"kind": "slack"}, "unknown kind 'slack'"),
        ({"kind": "feishu", "app_id": "a", "app_secret": "b", "match": "nickname"}, "match must be one of"),
    ],
)
def test_settings_that_cannot_work_stop_the_start(settings, complaint):
    with pytest.raises(providers.ProviderConfigError, match=complaint):
        providers.build("x", settings)


def test_the_providers_may_come_from_the_environment_as_json(monkeypatch):
    wecom = {"kind": "wecom", "corp_id": CORP, "agent_id": AGENT, "secret": SECRET, "label": "企业微信"}
    monkeypatch.setenv("OIDC_PROVIDERS", json.dumps({"wecom": wecom}))
    app = create_app(app_config("sqlite://"))
    assert list(app.extensions["sign_in_providers"]) == ["wecom"]
    with app.test_request_context():
        assert provider_pages.sign_in_choices() == [("/login/with/wecom", "企业微信")]
