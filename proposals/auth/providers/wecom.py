"""企业微信 (WeCom): sign-in with a self-built app (自建应用) of the company's WeCom.

Written to WeCom's published documentation:
- the browser goes to the web login page (企业微信登录, 扫码或企业微信客户端), or, for pages opened inside the
  WeCom client (`in_app: True`), to the OAuth2 page (网页授权):
    https://login.work.weixin.qq.com/wwlogin/sso/login?login_type=CorpApp&appid=CORPID&agentid=AGENTID
        &redirect_uri=…&state=STATE                       https://developer.work.weixin.qq.com/document/path/98152
    https://open.weixin.qq.com/connect/oauth2/authorize?appid=CORPID&redirect_uri=…&response_type=code
        &scope=snsapi_base&state=STATE&agentid=AGENTID#wechat_redirect
                                                          https://developer.work.weixin.qq.com/document/path/91022
  and comes back to redirect_uri?code=CODE&state=STATE;
- the app's access token: GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ID&corpsecret=SECRET
  → {"errcode": 0, "errmsg": "ok", "access_token": "…", "expires_in": 7200}
                                                          https://developer.work.weixin.qq.com/document/path/91039
- who signed in: GET https://qyapi.weixin.qq.com/cgi-bin/auth/getuserinfo?access_token=ACCESS_TOKEN&code=CODE
  → {"errcode": 0, "errmsg": "ok", "userid": "USERID", …}; a person outside the company gets an "openid"
  instead, and is refused here                            https://developer.work.weixin.qq.com/document/path/91023
- the member's name, email and mobile (as far as the app may read them):
  GET https://qyapi.weixin.qq.com/cgi-bin/user/get?access_token=ACCESS_TOKEN&userid=USERID
  → {"errcode": 0, "userid": …, "name": …, "mobile": …, "email": …, "extattr": {"attrs": [{"name": "工号",
  "value": …}]}}                                          https://developer.work.weixin.qq.com/document/path/90196
Every answer carries errcode (0: success) and errmsg, e.g. {"errcode": 40029, "errmsg": "invalid code"}.

Settings: corp_id, agent_id, secret (the app's Secret); in_app (default False); employee_no_attribute: the
name of the custom field (扩展属性) holding the employee number, if any (e.g. "工号"). The subject is the
userid, which is also the identity's user name.
"""

from workflow.errors import N_

from . import Identity, OAuth2Adapter, ProviderError, clean

API = "https://qyapi.weixin.qq.com"
WEB_LOGIN = "https://login.work.weixin.qq.com/wwlogin/sso/login"
IN_APP_LOGIN = "https://open.weixin.qq.com/connect/oauth2/authorize"


class WeCom(OAuth2Adapter):
    kind = "wecom"
    default_label = N_("WeCom")
    required = ("corp_id", "agent_id", "secret")

    def __init__(self, name: str, settings: dict):
        super().__init__(name, settings)
        self.api = settings.get("api_base", API).rstrip("/")
        self.login_page = settings.get("login_base", IN_APP_LOGIN if settings.get("in_app") else WEB_LOGIN)

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        corp, agent = self.settings["corp_id"], str(self.settings["agent_id"])
        if self.settings.get("in_app"):
            url = self.with_query(
                self.login_page,
                appid=corp,
                redirect_uri=redirect_uri,
                response_type="code",
                scope="snsapi_base",
                state=state,
                agentid=agent,
            )
            return url + "#wechat_redirect"
        return self.with_query(
            self.login_page, login_type="CorpApp", appid=corp, agentid=agent, redirect_uri=redirect_uri, state=state
        )

    def _answer(self, what: str, body: dict) -> dict:
        if body.get("errcode") not in (0, None):
            self.refuse(what, body)
        return body

    def app_token(self) -> str:
        params = {"corpid": self.settings["corp_id"], "corpsecret": self.settings["secret"]}
        body = self._answer("gettoken", self.call("GET", f"{self.api}/cgi-bin/gettoken", params=params))
        if not body.get("access_token"):
            self.refuse("gettoken", body)
        return body["access_token"]

    def exchange_code(self, code: str, redirect_uri: str) -> dict:
        token = self.app_token()
        params = {"access_token": token, "code": code}
        body = self._answer("getuserinfo", self.call("GET", f"{self.api}/cgi-bin/auth/getuserinfo", params=params))
        if not body.get("userid"):  # an outsider (openid only) is no member of the company
            raise ProviderError(N_("Only members of the company can sign in this way."))
        return {"access_token": token, "userid": body["userid"]}

    def fetch_identity(self, token: dict) -> Identity:
        params = {"access_token": token["access_token"], "userid": token["userid"]}
        member = self._answer("user/get", self.call("GET", f"{self.api}/cgi-bin/user/get", params=params))
        employee_no = None
        wanted = self.settings.get("employee_no_attribute")
        if wanted:
            for attribute in (member.get("extattr") or {}).get("attrs") or []:
                if attribute.get("name") == wanted:
                    employee_no = attribute.get("value") or (attribute.get("text") or {}).get("value")
        return Identity(
            subject=token["userid"],
            username=token["userid"],
            name=clean(member.get("name")),
            email=clean(member.get("email") or member.get("biz_mail")),
            mobile=clean(member.get("mobile")),
            employee_no=clean(employee_no),
            claims=member,
        )
