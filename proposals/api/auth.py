"""Token authentication: exchange a user name and password for a bearer token, revoke it, and know the caller."""

from flask import current_app, g, jsonify, request
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from workflow.errors import N_
from workflow.payload import Text, validate

from ..extensions import db
from ..models import ApiToken, User
from . import bp
from .errors import ApiError, json_body, unauthorized
from .serializers import iso, user_json

CREDENTIALS = {"username": Text(required=True, max_length=80), "password": Text(required=True, max_length=200)}
PUBLIC_ENDPOINTS = {"api.issue_token", "api.openapi"}
_dummy_hash: list[str] = []


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
    user = db.session.scalar(select(User).where(User.username == clean["username"]))
    if user is None:
        _spend_like_a_password_check(clean["password"])
    if user is None or not user.check_password(clean["password"]) or not user.active:
        raise ApiError(401, N_("Wrong user name or password."), "unauthorized")
    token, secret = ApiToken.issue(user, current_app.config["API_TOKEN_HOURS"])
    db.session.commit()
    return jsonify({"token": secret, "token_type": "Bearer", "expires_at": iso(token.expires_at)})


@bp.delete("/auth/token")
def revoke_token():
    """Revoke the token this request was made with."""
    g.api_token.revoke()
    db.session.commit()
    return "", 204


@bp.get("/me")
def me():
    """The caller."""
    return jsonify(user_json(current_user()))


def _spend_like_a_password_check(password: str) -> None:
    """Take as long as checking a real password, so a response's timing tells no user names."""
    if not _dummy_hash:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        _dummy_hash.append(generate_password_hash("not a password", method=method))
    check_password_hash(_dummy_hash[0], password)
