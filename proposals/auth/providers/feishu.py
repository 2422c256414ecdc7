"""飞书 (Feishu; Lark outside China): sign-in with a custom app (企业自建应用) of the company's Feishu.

Written to Feishu's published documentation (open.feishu.cn):
- the browser goes to https://accounts.feishu.cn/open-apis/authen/v1/authorize?client_id=APP_ID
  &redirect_uri=…&state=STATE (&scope=…) and comes back to redirect_uri?code=CODE&state=STATE
      https://open.feishu.cn/document/common-capabilities/sso/api/obtain-oauth-code
- the user's token: POST https://open.feishu.cn/open-apis/authen/v2/oauth/token, JSON
  {"grant_type": "authorization_code", "client_id", "client_secret", "code", "redirect_uri"}
  → {"code": 0, "access_token": "u-…", "expires_in", "token_type": "Bearer", …}; a refusal is
  {"code": 20003, "error": "invalid_grant", "error_description": "…"}
      https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token
  (Feishu now also documents a v3 endpoint, https://accounts.feishu.cn/oauth/v3/token, with the same
  parameters and answer and a stricter PKCE check; `token_url` may name it)
- who signed in: GET https://open.feishu.cn/open-apis/authen/v1/user_info with
  Authorization: Bearer u-… → {"code": 0, "msg": "success", "data": {"name", "open_id", "union_id",
  "user_id", "email", "enterprise_email", "mobile", "employee_no", "tenant_key", …}}
      https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/authen-v1/user_info/get
  (user_id, mobile, email and employee_no only with the app's matching permissions: contact:user.employee_id:
  readonly, contact:user.phone:readonly, contact:user.email:readonly, contact:user.employee:readonly)

Settings: app_id, app_secret; domain (default "feishu": open.feishu.cn; "lark": open.larksuite.com);
tenant_key (optional: refuse people of any other company). The subject is the union_id (the same person
in all of the company's apps); the user name is the user_id.
"""

from workflow.errors import N_

from . import Identity, OAuth2Adapter, ProviderError, clean

DOMAINS = {
    "feishu": ("https://accounts.feishu.cn", "https://open.feishu.cn"),
    "lark": ("https://accounts.larksuite.com", "https://open.larksuite.com"),
}


class Feishu(OAuth2Adapter):
    kind = "feishu"
    default_label = N_("Feishu")
    required = ("app_id", "app_secret")

    def __init__(self, name: str, settings: dict):
        super().__init__(name, settings)
        accounts, api = DOMAINS[settings.get("domain", "feishu")]
        self.login_page = settings.get("login_base", f"{accounts}/open-apis/authen/v1/authorize")
        self.api = settings.get("api_base", api).rstrip("/")

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        return self.with_query(
            self.login_page,
            client_id=self.settings["app_id"],
            redirect_uri=redirect_uri,
            state=state,
            scope=self.settings.get("scope"),
        )

    def exchange_code(self, code: str, redirect_uri: str) -> dict:
        payload = {
            "grant_type": "authorization_code",
            "client_id": self.settings["app_id"],
            "client_secret": self.settings["app_secret"],
            "code": code,
            "redirect_uri": redirect_uri,
        }
        url = self.settings.get("token_url") or f"{self.api}/open-apis/authen/v2/oauth/token"
        body = self.call("POST", url, json=payload)
        if body.get("code") != 0 or not body.get("access_token"):
            self.refuse("oauth/token", body)
        return body

    def fetch_identity(self, token: dict) -> Identity:
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        body = self.call("GET", f"{self.api}/open-apis/authen/v1/user_info", headers=headers)
        data = body.get("data") or {}
        if body.get("code") != 0 or not (data.get("union_id") or data.get("open_id")):
            self.refuse("user_info", body)
        wanted = self.settings.get("tenant_key")
        if wanted and data.get("tenant_key") != wanted:
            raise ProviderError(N_("Only members of the company can sign in this way."))
        return Identity(
            subject=data.get("union_id") or data["open_id"],
            username=clean(data.get("user_id")),
            name=clean(data.get("name")),
            email=clean(data.get("enterprise_email") or data.get("email")),
            mobile=clean(data.get("mobile")),
            employee_no=clean(data.get("employee_no")),
            claims=data,
        )
