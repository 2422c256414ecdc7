"""Token authentication: exchange a user name and password for a bearer token, revoke it, and know the caller."""

from flask import g, jsonify, request

from workflow.errors import N_
from workflow.payload import Line, validate

from ..auth import credentials, first_login, totp
from ..auth.credentials import DirectoryDown, LoginRefused, LoginThrottled
from ..auth.throttle import client_address
from ..models import ApiToken, User
from ..operations import accounts
from ..operations.accounts import change_password
from ..operations.tokens import issue_api_token
from . import bp
from .errors import ApiError, json_body, unauthorized
from .serializers import iso, user_json

CREDENTIALS = {"username": Line(required=True, max_length=80), "password": Line(required=True, max_length=200)}
PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi"}


def current_user() -> User:
    """The user whose token authenticated this request."""
    return g.api_user


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise unauthorized()
    token = ApiToken.find_valid(secret.strip())
    if token is None or not token.user.active:
        raise unauthorized(N_("The API token is invalid, expired or revoked."))
    g.api_token = token
    g.api_user = token.user


@bp.post("/auth/token")
def issue_token():
    """Exchange a user name and password for a bearer token."""
    clean = validate(CREDENTIALS, json_body())
    try:
        user = credentials.authenticate(clean["username"], clean["password"])
    except LoginThrottled as exc:
        raise too_many_attempts(exc) from None
    except DirectoryDown as exc:
        raise ApiError(503, exc.message, exc.code) from None
    except LoginRefused as exc:  # wrong credentials, or (with the right password) a disabled account
        raise ApiError(401, exc.message, "unauthorized", **exc.params) from None
    if totp.needed(user):
        raise ApiError(
            403,
            N_(
                "This account logs in with a second factor, so a password alone gets no API token: "
                "log in on the website and make one on the page 'My API tokens'."
            ),
            "second_factor_required",
        )
    if user.must_change_password:
        raise ApiError(403, first_login.API_REFUSAL, "password_change_required")
    token, secret = issue_api_token(user)
    return jsonify({"token": secret, "token_type": "Bearer", "expires_at": iso(token.expires_at)})


@bp.delete("/auth/token")
def revoke_token():
    """Revoke the token this request was made with."""
    token = g.api_token
    accounts.revoke_token(token.user, token.id)
    return "", 204


@bp.get("/me")
def me():
    """The caller."""
    return jsonify(user_json(current_user()))


def too_many_attempts(exc: LoginThrottled) -> ApiError:
    return ApiError(
        429, exc.message, "too_many_attempts", {"Retry-After": str(exc.retry_after)}, minutes=exc.params["minutes"]
    )


@bp.post("/me/password")
def change_own_password():
    """Change the caller's password; the caller's other API tokens are revoked and browser sessions end."""
    try:
        change_password(current_user(), json_body(), client_address(), keep_token=g.api_token)
    except LoginThrottled as exc:
        raise too_many_attempts(exc) from None
    return "", 204
