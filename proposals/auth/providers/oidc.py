"""Any standard OpenID Connect provider (Keycloak, Authing, Azure AD / Entra ID, a company's own): Authlib's
Flask client does the protocol. The provider's settings come from its discovery document
(`server_metadata_url`, …/.well-known/openid-configuration); the authorization code flow carries a
state, a nonce and a PKCE challenge (S256), kept in the signed session until the browser comes back; the
ID token's signature (the provider's JWKS), issuer, audience, expiry and nonce are checked.

Settings: server_metadata_url, client_id, client_secret; scope (default "openid profile email");
claims: which claim holds which identity field, default
    {"username": "preferred_username", "name": "name", "email": "email",
     "mobile": "phone_number", "employee_no": "employee_no"}
(Authing: "employee_no" is often "external_id"; Keycloak: a user attribute mapped to a claim of your choosing).
"""

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from joserfc.errors import InvalidClaimError, MissingClaimError

from workflow.errors import N_

from ... import outbound
from . import Identity, Provider, ProviderError, clean

DEFAULT_CLAIMS = {
    "username": "preferred_username",
    "name": "name",
    "email": "email",
    "mobile": "phone_number",
    "employee_no": "employee_no",
}


class OutboundOAuth2Session(outbound.OutboundMixin, OAuth2Session):
    """Authlib's session for the token, discovery and JWKS calls, through the outbound settings."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configure_outbound()


class OutboundOAuth2App(FlaskOAuth2App):
    client_cls = OutboundOAuth2Session


class OutboundOAuth(OAuth):
    oauth2_client_cls = OutboundOAuth2App


class OpenIDConnect(Provider):
    kind = "oidc"
    default_label = N_("single sign-on")
    required = ("server_metadata_url", "client_id", "client_secret")

    def __init__(self, name: str, settings: dict):
        super().__init__(name, settings)
        self.claim_names = {**DEFAULT_CLAIMS, **settings.get("claims", {})}

    @property
    def client(self) -> FlaskOAuth2App:
        return current_app.extensions["authlib.integrations.flask_client"].create_client(self.name)

    def begin(self, redirect_uri: str):
        try:
            return self.client.authorize_redirect(redirect_uri)
        except Exception as exc:  # discovery failed: unreachable, or not a provider
            current_app.logger.warning("sign-in provider %s: no discovery document: %s", self.name, exc)
            raise ProviderError(N_("The sign-in provider could not be reached. Please try again later.")) from None

    def finish(self, redirect_uri: str) -> Identity:
        try:
            token = self.client.authorize_access_token()
        except (OAuthError, InvalidClaimError, MissingClaimError) as exc:
            # a refusal at the provider; a state not this browser's; an ID token of another sign-in (its
            # nonce), for another client, from another issuer, or expired
            current_app.logger.warning("sign-in provider %s: %s %s", self.name, exc.error, exc.description)
            if exc.error in ("mismatching_state", "invalid_claim", "missing_claim"):
                raise ProviderError(
                    N_("The sign-in answer does not belong to this browser's sign-in. Please try again.")
                ) from None
            raise ProviderError(N_("The sign-in was cancelled or refused at the provider.")) from None
        except Exception as exc:  # a bad signature, the network, …: nobody is signed in
            current_app.logger.warning("sign-in provider %s: %r", self.name, exc)
            raise ProviderError(N_("The sign-in provider refused the sign-in. Please try again.")) from None
        claims = token.get("userinfo")
        if not claims or not token.get("id_token"):
            raise ProviderError(N_("The sign-in provider refused the sign-in. Please try again."))
        claims = dict(claims)
        if self.client.load_server_metadata().get("userinfo_endpoint"):
            claims = self._with_userinfo(token, claims)
        return Identity(
            subject=str(claims["sub"]),
            **{field: clean(claims.get(claim)) for field, claim in self.claim_names.items()},
            second_factor=self._second_factor(claims),
            id_token=token["id_token"],
            claims=claims,
        )

    def _with_userinfo(self, token: dict, claims: dict) -> dict:
        """The ID token's claims and the userinfo endpoint's (a conformant provider puts the profile claims
        there only), which must be of the same subject (OIDC Core 5.3.2)."""
        try:
            info = dict(self.client.userinfo(token=token))
        except Exception as exc:
            current_app.logger.warning("sign-in provider %s: userinfo: %r", self.name, exc)
            raise ProviderError(N_("The sign-in provider refused the sign-in. Please try again.")) from None
        if str(info.get("sub")) != str(claims["sub"]):
            raise ProviderError(N_("The sign-in provider refused the sign-in. Please try again."))
        return {**info, **claims}

    def _second_factor(self, claims: dict) -> bool:
        rule = self.second_factor_rule
        if not isinstance(rule, dict):
            return False
        amr = claims.get("amr") or []
        amr = [amr] if isinstance(amr, str) else amr
        if set(rule.get("amr", ())) & set(amr):
            return True
        return bool(rule.get("acr")) and claims.get("acr") in rule["acr"]

    def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        try:
            endpoint = self.client.load_server_metadata().get("end_session_endpoint")
        except Exception:  # the provider is away: our own logout is done all the same
            return None
        if not endpoint:
            return None
        return self.client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=self.settings["client_id"],
        )["url"]


def init_app(app, providers: dict) -> None:
    oauth = OutboundOAuth(app)
    for name, provider in providers.items():
        if isinstance(provider, OpenIDConnect):
            oauth.register(
                name,
                client_id=provider.settings["client_id"],
                client_secret=provider.settings["client_secret"],
                server_metadata_url=provider.settings["server_metadata_url"],
                client_kwargs={
                    "scope": provider.settings.get("scope", "openid profile email"),
                    "code_challenge_method": "S256",
                },
            )
