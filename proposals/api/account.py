"""The caller's own account beyond its password (auth.py): its API tokens, and ending every session."""

from flask import g, jsonify

from ..operations.accounts import log_out_everywhere, revoke_token, tokens_of
from . import bp
from .auth import current_user
from .proposals import ID
from .serializers import iso


def token_json(token) -> dict:
    return {
        "id": token.id,
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
        "current": token.id == g.api_token.id,
    }


@bp.get("/me/tokens")
def my_tokens():
    """The caller's API tokens, newest first (never their secrets)."""
    return jsonify([token_json(t) for t in tokens_of(current_user())])


@bp.delete(f"/me/tokens/<{ID}:token_id>")
def revoke_my_token(token_id: int):
    """Revoke one of the caller's own tokens (again: no change); another's is not found."""
    revoke_token(current_user(), token_id)
    return "", 204


@bp.delete("/me/sessions")
def end_my_sessions():
    """Log the caller out everywhere: every browser session ends and every API token, this one too, is revoked."""
    log_out_everywhere(current_user())
    return "", 204
