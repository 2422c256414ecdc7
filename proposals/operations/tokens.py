"""Issuing API tokens: at most API_TOKENS_PER_USER live ones per user; a new one revokes the oldest.

Shared by the API's token login and the token page after a second factor (proposals/auth/totp_routes.py).
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, User
from . import clock
from .unit import finish

DEFAULTS = {"API_TOKENS_PER_USER": 10}


def issue_api_token(user: User, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user` and its secret (committed); the oldest live tokens beyond the cap are revoked."""
    now = now or clock.utcnow()
    token, secret = ApiToken.issue(user, current_app.config["API_TOKEN_HOURS"], now=now)
    db.session.flush()
    cap = max(1, int(current_app.config.get("API_TOKENS_PER_USER", DEFAULTS["API_TOKENS_PER_USER"])))
    live = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    for old in db.session.scalars(live.order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).offset(cap)):
        old.revoke(now)
    finish()
    return token, secret
