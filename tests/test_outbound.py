"""The outbound HTTP settings (proposals/outbound.py): OUTBOUND_PROXY carries every call to another service,
the sign-in providers' included; the standard variables only when it is not set; NO_PROXY hosts go direct.
The proxy here is tests/service_double.py's server, which answers requests for absolute addresses."""

import pytest

from proposals import create_app, outbound
from proposals.auth.providers.oidc import OutboundOAuth2Session
from proposals.closure.channels import http as channel_http

from .conftest import app_config
from .messenger_services import AGENT, CORP, SECRET, come_back, linked, logged_in, start, wecom_routes

NOWHERE = "http://qyapi.wecom.test"  # resolves nowhere: only the proxy can answer for it


@pytest.fixture
def app_overrides(service) -> dict:
    wecom = {"kind": "wecom", "corp_id": CORP, "agent_id": AGENT, "secret": SECRET, "api_base": NOWHERE}
    return {"OIDC_PROVIDERS": {"wecom": wecom}, "OUTBOUND_PROXY": service.url, "OUTBOUND_NO_PROXY": ""}


def test_a_providers_calls_go_through_the_proxy(app, client, make, service):
    wecom_routes(service)
    make.user("worker", username="zhangsan")
    response = come_back(client, "wecom", code="CODE-ZHANG", state=start(client, "wecom")["state"])
    service.check()
    assert response.status_code == 302 and logged_in(client)
    assert linked("wecom") == [("zhangsan", "zhangsan")]
    assert {call.host for call in service.calls} == {"qyapi.wecom.test"}


def test_authlibs_calls_go_through_the_proxy(app, service):
    @service.route("GET", "/.well-known/openid-configuration")
    def discovery(call):
        return 200, {"issuer": "http://sso.corp.test"}

    with OutboundOAuth2Session(client_id="x") as http:
        answer = http.get("http://sso.corp.test/.well-known/openid-configuration", withhold_token=True)
    assert answer.json() == {"issuer": "http://sso.corp.test"}
    assert [call.host for call in service.calls] == ["sso.corp.test"]


def test_hosts_named_to_bypass_it_are_reached_directly(app, service):
    app.config["OUTBOUND_NO_PROXY"] = "localhost,.corp.test"
    assert outbound.proxies_for("http://sso.corp.test/x") == {}
    assert outbound.proxies_for("https://qyapi.weixin.qq.com/cgi-bin/gettoken") == {
        "http": service.url,
        "https": service.url,
    }


def test_without_it_the_standard_variables_are_read(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.test:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    app = create_app(app_config("sqlite://"))
    with app.app_context():
        assert outbound.proxies_for("https://open.feishu.cn/x") == {
            "http": "http://proxy.corp.test:3128",
            "https": "http://proxy.corp.test:3128",
        }
        assert outbound.proxies_for("http://127.0.0.1:8080/x") == {}


def test_nothing_set_means_direct_calls(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "OUTBOUND_PROXY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(app_config("sqlite://"))
    with app.app_context():
        assert outbound.proxies_for("https://api.dingtalk.com/v1.0/contact/users/me") == {}
        session = outbound.session()
        assert session.trust_env is False


def test_the_environment_sets_it_too(monkeypatch):
    monkeypatch.setenv("OUTBOUND_PROXY", "http://gateway.corp.test:8080")
    app = create_app(app_config("sqlite://"))
    assert app.config["OUTBOUND_PROXY"] == "http://gateway.corp.test:8080"


def test_a_channels_messages_go_through_the_proxy_too(app, service):
    """企业微信, 钉钉, 飞书 and the SMS gateways are reached the same way (closure/channels/http.py)."""

    @service.route("POST", "/cgi-bin/message/send")
    def send(call):
        return 200, {"errcode": 0, "errmsg": "ok"}

    answer = channel_http.post_json("http://qyapi.wecom.test/cgi-bin/message/send", {"touser": "zhangsan"})
    assert answer.json() == {"errcode": 0, "errmsg": "ok"}
    assert [call.host for call in service.calls] == ["qyapi.wecom.test"]
