"""Sign-in providers (统一身份认证、企业微信、钉钉、飞书): the configured ways to sign in besides a password.

OIDC_PROVIDERS (instance/config.py, or the environment as JSON) names each provider and its settings:

    OIDC_PROVIDERS = {
        "sso": {"kind": "oidc", "server_metadata_url": "https://sso.example.com/realms/staff/.well-known/openid-configuration",
                "client_id": "proposals", "client_secret": "…", "label": "公司统一身份认证", "match": "username"},
        "wecom": {"kind": "wecom", "corp_id": "ww…", "agent_id": "1000002", "secret": "…", "match": "username"},
    }

Each kind is an adapter to one interface (`Provider`): where to send the browser (`begin`), and, when it
comes back, who the person is (`finish` → `Identity`). "oidc" is any standard OpenID Connect provider
(Keycloak, Authing, …) through Authlib; "wecom", "dingtalk" and "feishu" speak OAuth2 with their own
token and user-info calls (`OAuth2Adapter`: authorize URL, exchange code, fetch identity). What is done
with the identity (linking it to an account, refusing, logging in) is proposals/auth/external.py's.

Settings every kind understands:
    label          the name on the login page's button ("使用<label>登录"); each kind has a default
    match          the account field a first login is matched on: "username" (default), "employee_no",
                   "email" or "mobile" (the identity's value of the same name; see `claims` for "oidc")
    create_users   True: a person matching no account gets one (no local password), with `roles`
                   (default ["worker"]); False (default): refused
    second_factor  whether a login here counts as a second factor (proposals/auth/second_factor.py):
                   False (default), True (the provider enforces one for everybody), or
                   {"amr": ["otp", "mfa", …]} / {"acr": ["…"]} (an OIDC login whose ID token says so)
"""

import secrets
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlencode

from flask import current_app, redirect, request, session

from workflow import WorkflowError
from workflow.errors import N_

from ... import outbound

MATCH_FIELDS = ("username", "employee_no", "email", "mobile")
STATE_KEY = "sign_in_provider_state"


class ProviderError(WorkflowError):
    """The provider did not tell who signed in: its refusal, a bad or replayed answer, or no answer."""

    code = "provider_error"


class ProviderConfigError(RuntimeError):
    """A provider's settings the application cannot start with."""


@dataclass(frozen=True)
class Identity:
    """Who signed in, as the provider says: `subject` is its stable id of the person (OIDC `sub`, 企业微信
    userid, 钉钉 unionId, 飞书 union_id)."""

    subject: str
    username: str | None = None
    name: str | None = None
    email: str | None = None
    mobile: str | None = None
    employee_no: str | None = None
    second_factor: bool = False  # the provider says this login passed a second factor of its own
    id_token: str | None = None  # for logging out at the provider (OIDC)
    claims: dict = field(default_factory=dict, compare=False, repr=False)


def clean(value) -> str | None:
    value = "" if value is None else str(value).strip()
    return value or None


class Provider:
    """One configured way to sign in."""

    kind: ClassVar[str]
    default_label: ClassVar[str]

    def __init__(self, name: str, settings: dict):
        self.name = name
        self.settings = settings
        self.label = settings.get("label") or None  # None: the kind's default, translated
        self.match = settings.get("match", "username")
        if self.match not in MATCH_FIELDS:
            raise ProviderConfigError(f"OIDC_PROVIDERS[{name!r}]: match must be one of {', '.join(MATCH_FIELDS)}")
        self.create_users = bool(settings.get("create_users", False))
        self.roles = list(settings.get("roles", ["worker"]))
        self.second_factor_rule = settings.get("second_factor", False)
        for key in self.required:
            if not settings.get(key):
                raise ProviderConfigError(f"OIDC_PROVIDERS[{name!r}] ({self.kind}) needs {key!r}")

    required: ClassVar[tuple[str, ...]] = ()

    def begin(self, redirect_uri: str):
        """The redirect that sends the browser to the provider's sign-in page."""
        raise NotImplementedError

    def finish(self, redirect_uri: str) -> Identity:
        """The person the provider's answer (this request) names; ProviderError when it names nobody."""
        raise NotImplementedError

    def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """Where to log out at the provider too (RP-initiated logout), if it offers that."""
        return None

    def counts_as_second_factor(self, identity: Identity) -> bool:
        rule = self.second_factor_rule
        if rule is True:
            return True
        if isinstance(rule, dict):
            return identity.second_factor
        return False


class OAuth2Adapter(Provider):
    """A provider speaking OAuth2 with its own calls: the state is ours to keep (in the signed session)."""

    state_parameter: ClassVar[str] = "state"
    code_parameters: ClassVar[tuple[str, ...]] = ("code",)

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        raise NotImplementedError

    def exchange_code(self, code: str, redirect_uri: str) -> dict:
        """The provider's token answer for `code` (ProviderError when it refuses)."""
        raise NotImplementedError

    def fetch_identity(self, token: dict) -> Identity:
        raise NotImplementedError

    def begin(self, redirect_uri: str):
        state = secrets.token_urlsafe(24)
        session[STATE_KEY] = {"provider": self.name, "state": state}
        return redirect(self.authorize_url(redirect_uri, state))

    def finish(self, redirect_uri: str) -> Identity:
        expected = session.pop(STATE_KEY, None)
        given = request.args.get(self.state_parameter, "")
        if not (
            isinstance(expected, dict)
            and expected.get("provider") == self.name
            and secrets.compare_digest(str(expected.get("state", "")), given)
        ):
            raise ProviderError(N_("The sign-in answer does not belong to this browser's sign-in. Please try again."))
        code = next((request.args[p] for p in self.code_parameters if request.args.get(p)), None)
        if not code:
            raise ProviderError(N_("The sign-in was cancelled or refused at the provider."))
        return self.fetch_identity(self.exchange_code(code, redirect_uri))

    # -- calling the provider ------------------------------------------------------------------------

    def call(self, method: str, url: str, **kwargs) -> dict:
        """One call to the provider through the outbound settings: its JSON answer."""
        try:
            with outbound.session() as http:
                response = http.request(method, url, **kwargs)
        except Exception as exc:  # the network, the proxy, a timeout: the person can only try again later
            current_app.logger.warning("sign-in provider %s unreachable: %s", self.name, exc)
            raise ProviderError(N_("The sign-in provider could not be reached. Please try again later.")) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            current_app.logger.warning("sign-in provider %s answered %s without JSON", self.name, response.status_code)
            raise ProviderError(N_("The sign-in provider gave an answer that cannot be read.")) from None
        return body

    def refuse(self, what: str, body: dict):
        current_app.logger.warning("sign-in provider %s refused %s: %s", self.name, what, body)
        raise ProviderError(N_("The sign-in provider refused the sign-in. Please try again."))

    @staticmethod
    def with_query(base: str, **params) -> str:
        return f"{base}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def kinds() -> dict[str, type[Provider]]:
    from .dingtalk import DingTalk
    from .feishu import Feishu
    from .oidc import OpenIDConnect
    from .wecom import WeCom

    return {cls.kind: cls for cls in (OpenIDConnect, WeCom, DingTalk, Feishu)}


def build(name: str, settings: dict) -> Provider:
    kind = settings.get("kind", "oidc")
    cls = kinds().get(kind)
    if cls is None:
        raise ProviderConfigError(f"OIDC_PROVIDERS[{name!r}]: unknown kind {kind!r} (oidc, wecom, dingtalk, feishu)")
    return cls(name, settings)


def configured() -> dict[str, Provider]:
    """The application's providers, by name, in the configured order."""
    return current_app.extensions.get("sign_in_providers", {})


def get(name: str) -> Provider | None:
    return configured().get(name)


def init_app(app) -> None:
    import json
    import os

    settings = app.config.get("OIDC_PROVIDERS")
    if settings is None and os.environ.get("OIDC_PROVIDERS"):
        settings = json.loads(os.environ["OIDC_PROVIDERS"])
    app.config["OIDC_PROVIDERS"] = settings or {}
    providers = {}
    for name, entry in app.config["OIDC_PROVIDERS"].items():
        if not name.replace("-", "").replace("_", "").isalnum():
            raise ProviderConfigError(f"OIDC_PROVIDERS: {name!r} is not a usable name (letters, digits, - and _)")
        providers[name] = build(name, dict(entry))
    app.extensions["sign_in_providers"] = providers
    from .oidc import init_app as init_oidc

    init_oidc(app, providers)
