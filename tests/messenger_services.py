"""The messengers' open platforms as their documentation describes them (企业微信、钉钉、飞书), on a
tests/service_double.py server, and the steps of a sign-in through them as a browser makes them."""

from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select

from proposals.extensions import db
from proposals.models import ExternalIdentity, User

CORP, AGENT, SECRET = "ww7d3f0a1b2c3d4e5f", "1000002", "wecom-app-secret"
DING_KEY, DING_SECRET = "dingabcdefghijklmno", "dingtalk-app-secret"
FEISHU_ID, FEISHU_SECRET = "cli_a1b2c3d4e5f6a7b8", "feishu-app-secret"


def text(response) -> str:
    return response.get_data(as_text=True)


def start(client, name: str) -> dict[str, str]:
    """Press the button: the provider's authorize address, as its parameters (and "base": where)."""
    response = client.get(f"/login/with/{name}")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    return {"base": f"{location.scheme}://{location.netloc}{location.path}", "fragment": location.fragment, **params}


def come_back(client, name: str, **params):
    return client.get(f"/login/with/{name}/callback?{urlencode(params)}")


def logged_in(client) -> bool:
    return client.get("/account/tokens").status_code == 200


def linked(provider: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(ExternalIdentity.subject, User.username)
        .join(User, User.id == ExternalIdentity.user_id)
        .where(ExternalIdentity.provider == provider)
    )
    return sorted(tuple(r) for r in rows)


# -- 企业微信 --


def wecom_routes(service, members=None):
    members = members or {"CODE-ZHANG": "zhangsan"}

    @service.route("GET", "/cgi-bin/gettoken")
    def gettoken(call):
        assert set(call.query) == {"corpid", "corpsecret"}
        if (call.query["corpid"], call.query["corpsecret"]) != (CORP, SECRET):
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": "WECOM-ACCESS-TOKEN", "expires_in": 7200}

    @service.route("GET", "/cgi-bin/auth/getuserinfo")
    def getuserinfo(call):
        assert call.query.get("access_token") == "WECOM-ACCESS-TOKEN"
        code = call.query.get("code")
        if code == "CODE-OUTSIDER":  # not a member: an openid instead of a userid
            return 200, {"errcode": 0, "errmsg": "ok", "openid": "oAAAAAGg9ot", "external_userid": "wmAAAAAA"}
        if code not in members:
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        return 200, {"errcode": 0, "errmsg": "ok", "userid": members[code], "user_ticket": "TICKET"}

    @service.route("GET", "/cgi-bin/user/get")
    def user_get(call):
        assert call.query.get("access_token") == "WECOM-ACCESS-TOKEN"
        assert call.query.get("userid") == "zhangsan"
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "userid": "zhangsan",
            "name": "张三",
            "mobile": "13800000001",
            "email": "zhangsan@corp.example",
            "extattr": {"attrs": [{"type": 0, "name": "工号", "text": {"value": "E1001"}}]},
        }


# -- 钉钉 --


def dingtalk_routes(service, members=None):
    members = members or {"UNION-LISI": "lisi"}

    @service.route("POST", "/v1.0/oauth2/userAccessToken")
    def user_access_token(call):
        assert call.headers["content-type"].startswith("application/json")
        body = call.json()
        assert set(body) == {"clientId", "clientSecret", "code", "grantType"}
        assert (body["clientId"], body["clientSecret"], body["grantType"]) == (
            DING_KEY,
            DING_SECRET,
            "authorization_code",
        )
        if body["code"] not in ("AUTH-LISI", "AUTH-OUTSIDER"):
            return 400, {"code": "invalidAuthCode", "message": "不合法的临时授权码", "requestid": "4E6A-1"}
        token = "USER-TOKEN-LISI" if body["code"] == "AUTH-LISI" else "USER-TOKEN-OUTSIDER"
        return 200, {"accessToken": token, "refreshToken": "REFRESH", "expireIn": 7200, "corpId": "dingcorp"}

    @service.route("GET", "/v1.0/contact/users/me")
    def me(call):
        token = call.headers.get("x-acs-dingtalk-access-token")
        if token == "USER-TOKEN-OUTSIDER":
            return 200, {"nick": "路人", "unionId": "UNION-OUTSIDER", "openId": "OPEN-O", "stateCode": "86"}
        assert token == "USER-TOKEN-LISI"
        return 200, {
            "nick": "李四",
            "unionId": "UNION-LISI",
            "openId": "OPEN-LISI",
            "mobile": "13900000002",
            "stateCode": "86",
            "email": "lisi@example.com",
        }

    @service.route("GET", "/gettoken")
    def gettoken(call):
        assert (call.query.get("appkey"), call.query.get("appsecret")) == (DING_KEY, DING_SECRET)
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": "APP-TOKEN", "expires_in": 7200}

    @service.route("POST", "/topapi/user/getbyunionid")
    def getbyunionid(call):
        assert call.query.get("access_token") == "APP-TOKEN"
        unionid = call.json()["unionid"]
        if unionid not in members:
            return 200, {"errcode": 60121, "errmsg": "找不到该用户", "request_id": "r-1"}
        return 200, {"errcode": 0, "errmsg": "ok", "result": {"contact_type": 0, "userid": members[unionid]}}

    @service.route("POST", "/topapi/v2/user/get")
    def user_get(call):
        assert call.query.get("access_token") == "APP-TOKEN"
        assert call.json() == {"userid": "lisi", "language": "zh_CN"}
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "result": {"userid": "lisi", "name": "李四", "mobile": "13900000002", "job_number": "E1002"},
        }


# -- 飞书 --


def feishu_routes(service):
    @service.route("POST", "/open-apis/authen/v2/oauth/token")
    def token(call):
        assert call.headers["content-type"].startswith("application/json")
        body = call.json()
        assert (body["grant_type"], body["client_id"], body["client_secret"]) == (
            "authorization_code",
            FEISHU_ID,
            FEISHU_SECRET,
        )
        assert body["redirect_uri"] == "http://localhost/login/with/feishu/callback"
        if body["code"] != "CODE-WANGWU":
            return 400, {"code": 20003, "error": "invalid_grant", "error_description": "The code is not valid."}
        return 200, {"code": 0, "access_token": "u-WANGWU", "expires_in": 7200, "token_type": "Bearer", "scope": ""}

    @service.route("GET", "/open-apis/authen/v1/user_info")
    def user_info(call):
        assert call.headers.get("authorization") == "Bearer u-WANGWU"
        data = {
            "name": "王五",
            "en_name": "Wang Wu",
            "open_id": "ou_caecc734c2e3328a62489fe0648c4b98779515d3",
            "union_id": "on_d89jhsdhjsajkda7828enjdj328ydhhw3u43yjhdj",
            "user_id": "5d9bdxxx",
            "email": "wangwu@example.com",
            "enterprise_email": "wangwu@corp.example",
            "mobile": "+8613700000003",
            "tenant_key": "736588c9260f175d",
            "employee_no": "E1003",
        }
        return 200, {"code": 0, "msg": "success", "data": data}
