"""钉钉 (DingTalk): sign-in with an internal app (企业内部应用) of the company's DingTalk.

Written to DingTalk's published documentation (open.dingtalk.com; its international mirror help.dingtalk.io):
- the browser goes to https://login.dingtalk.com/oauth2/auth?redirect_uri=…&response_type=code
  &client_id=APPKEY&scope=openid%20corpid&state=STATE&prompt=consent&org_type=management&corpId=…
  and comes back to redirect_uri?authCode=CODE&state=STATE
      https://open.dingtalk.com/document/orgapp/tutorial-obtaining-user-personal-information
- the user's token: POST https://api.dingtalk.com/v1.0/oauth2/userAccessToken, JSON
  {"clientId", "clientSecret", "code", "grantType": "authorization_code"} → {"accessToken", "refreshToken",
  "expireIn", "corpId"}         https://open.dingtalk.com/document/orgapp/obtain-user-token
                                (https://help.dingtalk.io/open/development/obtain-user-token)
- who signed in: GET https://api.dingtalk.com/v1.0/contact/users/me with the header
  x-acs-dingtalk-access-token: TOKEN → {"nick", "unionId", "openId", "mobile", "email", "stateCode", …}
      https://open.dingtalk.com/document/orgapp/dingtalk-retrieve-user-information
  An error is an HTTP 4xx with {"code": "…", "message": "…", "requestid": "…"}.
- the member in the company (userid, name, 工号): the app's token
  GET https://oapi.dingtalk.com/gettoken?appkey=KEY&appsecret=SECRET → {"errcode": 0, "access_token"}
      https://open.dingtalk.com/document/orgapp/obtain-orgapp-token
  POST https://oapi.dingtalk.com/topapi/user/getbyunionid?access_token=… {"unionid"} → {"errcode": 0,
  "result": {"userid"}}      https://open.dingtalk.com/document/orgapp/query-a-user-by-the-union-id
  POST https://oapi.dingtalk.com/topapi/v2/user/get?access_token=… {"userid", "language": "zh_CN"} →
  {"errcode": 0, "result": {"userid", "name", "mobile", "email", "job_number", …}}
      https://open.dingtalk.com/document/orgapp/query-user-details
  A person who is no member of the company (getbyunionid refuses) is refused here.

Settings: client_id (the app's AppKey / Client ID), client_secret (AppSecret); corp_id (optional: the
login page then offers that company only). The subject is the unionId; the user name is the userid.
"""

from workflow.errors import N_

from . import Identity, OAuth2Adapter, ProviderError, clean

LOGIN = "https://login.dingtalk.com/oauth2/auth"
API = "https://api.dingtalk.com"
OAPI = "https://oapi.dingtalk.com"


class DingTalk(OAuth2Adapter):
    kind = "dingtalk"
    default_label = N_("DingTalk")
    required = ("client_id", "client_secret")
    code_parameters = ("authCode", "code")

    def __init__(self, name: str, settings: dict):
        super().__init__(name, settings)
        self.login_page = settings.get("login_base", LOGIN)
        self.api = settings.get("api_base", API).rstrip("/")
        self.oapi = settings.get("oapi_base", OAPI).rstrip("/")

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        corp = self.settings.get("corp_id")
        return self.with_query(
            self.login_page,
            redirect_uri=redirect_uri,
            response_type="code",
            client_id=self.settings["client_id"],
            scope="openid corpid",
            state=state,
            prompt="consent",
            org_type="management" if corp else None,
            corpId=corp,
        )

    def exchange_code(self, code: str, redirect_uri: str) -> dict:
        payload = {
            "clientId": self.settings["client_id"],
            "clientSecret": self.settings["client_secret"],
            "code": code,
            "grantType": "authorization_code",
        }
        body = self.call("POST", f"{self.api}/v1.0/oauth2/userAccessToken", json=payload)
        if not body.get("accessToken"):
            self.refuse("userAccessToken", body)
        return body

    def _oapi(self, what: str, method: str, path: str, **kwargs) -> dict:
        body = self.call(method, f"{self.oapi}{path}", **kwargs)
        if body.get("errcode") != 0:
            if what == "getbyunionid":  # 60121: no such member of this company
                raise ProviderError(N_("Only members of the company can sign in this way."))
            self.refuse(what, body)
        return body

    def fetch_identity(self, token: dict) -> Identity:
        headers = {"x-acs-dingtalk-access-token": token["accessToken"]}
        me = self.call("GET", f"{self.api}/v1.0/contact/users/me", headers=headers)
        if not me.get("unionId"):
            self.refuse("contact/users/me", me)
        params = {"appkey": self.settings["client_id"], "appsecret": self.settings["client_secret"]}
        app_token = self._oapi("gettoken", "GET", "/gettoken", params=params)["access_token"]
        query = {"access_token": app_token}
        found = self._oapi(
            "getbyunionid", "POST", "/topapi/user/getbyunionid", params=query, json={"unionid": me["unionId"]}
        )
        userid = (found.get("result") or {}).get("userid")
        if not userid:
            raise ProviderError(N_("Only members of the company can sign in this way."))
        detail = {"userid": userid, "language": "zh_CN"}
        member = self._oapi("user/get", "POST", "/topapi/v2/user/get", params=query, json=detail).get("result") or {}
        return Identity(
            subject=me["unionId"],
            username=clean(userid),
            name=clean(member.get("name") or me.get("nick")),
            email=clean(member.get("email") or me.get("email")),
            mobile=clean(member.get("mobile") or me.get("mobile")),
            employee_no=clean(member.get("job_number")),
            claims={"me": me, "member": member},
        )
