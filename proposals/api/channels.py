"""The notification settings by API: the caller's own (mobile number, messenger ids, channels per kind
of notice) and the union's defaults per kind (union administrators), as on the pages."""

from flask import jsonify

from ..closure.channels import preferences
from ..extensions import db
from . import bp
from .admin import admin_only
from .auth import current_user
from .errors import json_body


def _settings(user) -> dict:
    return preferences.settings_of(user)


@bp.get("/me/notification-settings")
def my_notification_settings():
    """The caller's notification settings."""
    return jsonify(_settings(current_user()))


@bp.put("/me/notification-settings")
def update_my_notification_settings():
    """Change the caller's mobile number, messenger ids and channels per kind of notice."""
    user = current_user()
    preferences.update_settings(user, json_body(), actor=user)
    db.session.commit()
    return jsonify(_settings(user))


@bp.get("/notification-defaults")
@admin_only
def notification_defaults():
    """The union's default channels per kind of notice."""
    return jsonify({"kinds": preferences.defaults_view()})


@bp.put("/notification-defaults")
@admin_only
def update_notification_defaults():
    """Set the union's default channels of some kinds of notice."""
    kinds = preferences.update_defaults(json_body(), actor=current_user())
    db.session.commit()
    return jsonify({"kinds": kinds})


def openapi_paths(ref, errors, ok) -> dict:
    """The OpenAPI description of these routes (api/openapi.py adds them)."""
    channel = {"type": "string", "enum": ["email", "sms", "wecom", "dingtalk", "feishu"]}
    kind = {"type": "string", "enum": list(preferences.KINDS)}
    settings = {
        "type": "object",
        "properties": {
            "email_notifications": {"type": "boolean"},
            "mobile": {"type": "string"},
            "identities": {"type": "object", "additionalProperties": {"type": "string"}},
            "channels": {"type": "array", "items": channel},
            "kinds": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": kind,
                        "channels": {"type": "array", "items": channel},
                        "default": {"type": "array", "items": channel},
                        "own": {"type": "boolean"},
                    },
                    "required": ["kind", "channels", "default", "own"],
                },
            },
        },
        "required": ["email_notifications", "mobile", "identities", "channels", "kinds"],
    }
    change = {
        "type": "object",
        "properties": {
            "email_notifications": {"type": "boolean"},
            "mobile": {"type": "string", "description": "An 11-digit mainland number; empty to remove it."},
            "identities": {
                "type": "object",
                "description": "The caller's id in each messenger (wecom, dingtalk, feishu); empty to remove it.",
                "additionalProperties": {"type": "string", "maxLength": 255},
            },
            "kinds": {
                "type": "object",
                "description": "Channels per kind of notice; null to follow the union's default.",
                "additionalProperties": {"type": ["array", "null"], "items": channel},
            },
        },
        "required": [],
        "additionalProperties": False,
    }
    defaults = {
        "type": "object",
        "properties": {
            "kinds": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": kind,
                        "channels": {"type": "array", "items": {"type": "string", "enum": [*channel["enum"], "group"]}},
                    },
                    "required": ["kind", "channels"],
                },
            }
        },
        "required": ["kinds"],
    }
    defaults_change = {
        "type": "object",
        "properties": {
            "kinds": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {"type": "string", "enum": [*channel["enum"], "group"]},
                },
            }
        },
        "required": ["kinds"],
        "additionalProperties": False,
    }

    def body(schema):
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    return {
        "/me/notification-settings": {
            "get": {
                "summary": "The caller's notification settings",
                "responses": {**ok(settings), **errors(401)},
                "tags": ["notifications"],
            },
            "put": {
                "summary": "Change the caller's notification settings",
                "requestBody": body(change),
                "responses": {**ok(settings), **errors(400, 401, 422)},
                "tags": ["notifications"],
            },
        },
        "/notification-defaults": {
            "get": {
                "summary": "The union's default channels per kind of notice",
                "responses": {**ok(defaults), **errors(401, 403)},
                "tags": ["administration"],
                "description": "Union administrators only.",
            },
            "put": {
                "summary": "Set the union's default channels of some kinds of notice",
                "requestBody": body(defaults_change),
                "responses": {**ok(defaults), **errors(400, 401, 403, 422)},
                "tags": ["administration"],
                "description": "Union administrators only.",
            },
        },
    }
