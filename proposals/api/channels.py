"""The notification settings by API: the caller's own (mobile number, messenger ids, channels per kind
of notice) and the union's defaults per kind (union administrators), as on the pages."""

from flask import jsonify

from workflow.errors import N_
from workflow.payload import Choice, Integer, Line, validate

from ..closure.channels import outbox as channel_outbox
from ..closure.channels import preferences, robots
from . import bp
from .admin import admin_only, created
from .auth import current_user
from .errors import ApiError, json_body
from .proposals import ID
from .serializers import iso


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
    return jsonify({"kinds": kinds})


def _robot(robot) -> dict:
    # the webhook holds the robot's token and the secret signs for it: neither is ever read back
    return {
        "id": robot.id,
        "department_id": robot.department_id,
        "provider": robot.provider,
        "signed": robot.secret is not None,
        "created_at": iso(robot.created_at),
    }


ROBOT = {
    "department_id": Integer(required=True),
    "provider": Choice(required=True, choices=robots.MESSENGERS),
    "webhook": Line(required=True, max_length=500),
    "secret": Line(max_length=255),
}


@bp.get("/group-robots")
@admin_only
def group_robots():
    """The departments' group robots (union administrators), as on the channels page."""
    return jsonify({"items": [_robot(r) for r in robots.robots()]})


@bp.post("/group-robots")
@admin_only
def add_group_robot():
    """Give a department's group a robot of one messenger (replacing the one it had)."""
    robot = robots.add_robot(validate(ROBOT, json_body()), actor=current_user())
    return created(_robot(robot))


@bp.delete(f"/group-robots/<{ID}:robot_id>")
@admin_only
def remove_group_robot(robot_id: int):
    """Remove a department group's robot."""
    robots.remove_robot(robot_id, actor=current_user())
    return "", 204


@bp.post(f"/outbox/deliveries/<{ID}:delivery_id>/retry")
@admin_only
def retry_delivery(delivery_id: int):
    """Put an undelivered SMS or messenger message back in the outbox, with the same idempotency key."""
    try:
        row = channel_outbox.retry_failed(delivery_id, actor=current_user())
    except channel_outbox.NotFailed:
        raise ApiError(
            409, N_("This message is no longer waiting to be sent again; nothing was changed."), "conflict"
        ) from None
    return jsonify(
        {"id": row.id, "channel": row.channel, "state": row.state, "next_attempt_at": iso(row.next_attempt_at)}
    )


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

    messenger = {"type": "string", "enum": list(robots.MESSENGERS)}
    robot = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "department_id": {"type": "integer"},
            "provider": messenger,
            "signed": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
        },
        "required": ["id", "department_id", "provider", "signed", "created_at"],
    }
    robot_list = {"type": "object", "properties": {"items": {"type": "array", "items": robot}}, "required": ["items"]}
    robot_change = {
        "type": "object",
        "properties": {
            "department_id": {"type": "integer"},
            "provider": messenger,
            "webhook": {"type": "string", "maxLength": 500, "description": "The robot's webhook address (https://…)."},
            "secret": {"type": "string", "maxLength": 255, "description": "The 加签 secret (钉钉, 飞书), if any."},
        },
        "required": ["department_id", "provider", "webhook"],
        "additionalProperties": False,
    }
    delivery = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "channel": {"type": "string"},
            "state": {"type": "string"},
            "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
        },
        "required": ["id", "channel", "state", "next_attempt_at"],
    }

    def _id(name):
        return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}

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
        "/group-robots": {
            "get": {
                "summary": "The departments' group robots",
                "responses": {**ok(robot_list), **errors(401, 403)},
                "tags": ["administration"],
                "description": "Union administrators only. The webhook and the secret are never read back.",
            },
            "post": {
                "summary": "Give a department's group a robot",
                "requestBody": body(robot_change),
                "responses": {**ok(robot, 201), **errors(400, 401, 403, 422)},
                "tags": ["administration"],
                "description": "Union administrators only. Replaces the department's robot of that messenger.",
            },
        },
        "/group-robots/{robot_id}": {
            "delete": {
                "summary": "Remove a department group's robot",
                "parameters": [_id("robot_id")],
                "responses": {"204": {"description": "Removed."}, **errors(401, 403, 404)},
                "tags": ["administration"],
                "description": "Union administrators only.",
            },
        },
        "/outbox/deliveries/{delivery_id}/retry": {
            "post": {
                "summary": "Send an undelivered SMS or messenger message again",
                "parameters": [_id("delivery_id")],
                "responses": {**ok(delivery), **errors(401, 403, 404, 409)},
                "tags": ["administration"],
                "description": "Union administrators only. The message keeps its idempotency key.",
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
