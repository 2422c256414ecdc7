"""Activation codes over HTTP (union administrators): issue them for chosen people or for everyone awaiting
activation, returned in this answer once, and sent by mail and the channels when asked
(proposals/auth/activation.py)."""

from flask import jsonify

from ..auth import activation
from . import bp
from .admin import admin_only
from .auth import current_user
from .errors import json_body
from .serializers import iso


@bp.post("/users/activation-codes")
@admin_only
def issue_activation_codes():
    """Issue activation codes for `user_ids`, or for everyone awaiting activation (`all_awaiting`); with
    `send`, queue each to its person (then only to those who can be reached). The codes are in this answer
    only."""
    handed = activation.hand_out(json_body(), actor=current_user(), how="api")
    body = {
        "count": len(handed.issued),
        "codes": [
            {
                "user_id": one.user_id,
                "username": one.username,
                "name": one.name,
                "code": one.code,
                "link_token": activation.normalised(one.code),
                "expires_at": iso(one.expires_at),
            }
            for one in handed.issued
        ],
        "sent": handed.sent,
        "unreachable": handed.unreachable,
    }
    response = jsonify(body)
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response
