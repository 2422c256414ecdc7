"""What the administration pages do beyond creating things (union administrators): change, disable and
enable accounts and give them a new password; change, deactivate and reactivate units; name the union;
add and remove days of the union's calendar; send an undelivered message again. Each calls the
operation its page calls (operations/admin.py, closure/outbox.py)."""

from flask import jsonify

from workflow.errors import N_
from workflow.payload import Boolean, Line, validate

from ..closure import outbox
from ..extensions import db
from ..models import OrgUnit, User, root_union
from ..operations import (
    NotFound,
    add_calendar_override,
    deactivate_unit,
    disable_user,
    enable_user,
    issue_initial_password,
    reactivate_unit,
    remove_calendar_override,
    rename_union,
    reset_password,
    update_unit,
    update_user,
)
from ..operations.unions import authorize_person
from . import bp
from .admin import admin_only, admin_somewhere, created
from .auth import current_user
from .errors import ApiError, json_body
from .proposals import ID
from .serializers import day, iso, unit_json, user_json

NEW_PASSWORD = {"password": Line(max_length=200), "must_change_password": Boolean()}


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user


def _unit(unit_id: int) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(N_("No such unit."))
    return unit


@bp.get(f"/users/<{ID}:user_id>")
@admin_somewhere
def get_user(user_id: int):
    """One account (of a union the caller administers)."""
    user = _user(user_id)
    authorize_person(current_user(), user)
    return jsonify(user_json(user))


@bp.patch(f"/users/<{ID}:user_id>")
@admin_somewhere
def change_user(user_id: int):
    """Change an account's name, e-mail, units or roles (the fields given); the user name never changes."""
    return jsonify(user_json(update_user(_user(user_id), json_body() or {}, actor=current_user())))


@bp.post(f"/users/<{ID}:user_id>/password")
@admin_somewhere
def new_password(user_id: int):
    """Give an account a new password: the one sent, or (without one) a generated initial password that is
    answered this once. The account's sessions and API tokens stop working."""
    user = _user(user_id)
    clean = validate(NEW_PASSWORD, json_body() or {})
    generated = None
    if clean.get("password"):
        reset_password(user, clean, actor=current_user())
    else:
        generated = issue_initial_password(user, actor=current_user())
    response = jsonify({"user": user_json(user), "generated_password": generated})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post(f"/users/<{ID}:user_id>/disable")
@admin_somewhere
def disable_account(user_id: int):
    """Disable an account (never deleted): it cannot log in, and its sessions and tokens end at once."""
    return jsonify(user_json(disable_user(_user(user_id), actor=current_user())))


@bp.post(f"/users/<{ID}:user_id>/enable")
@admin_somewhere
def enable_account(user_id: int):
    """Let a disabled account log in again."""
    return jsonify(user_json(enable_user(_user(user_id), actor=current_user())))


@bp.patch(f"/units/<{ID}:unit_id>")
@admin_somewhere
def change_unit(unit_id: int):
    """Rename a department or delegation, or change its parent; its code and kind never change."""
    return jsonify(unit_json(update_unit(_unit(unit_id), json_body() or {}, actor=current_user())))


@bp.post(f"/units/<{ID}:unit_id>/deactivate")
@admin_somewhere
def deactivate(unit_id: int):
    """Take a unit out of use (never deleted): it is no longer offered for new assignments or accounts."""
    return jsonify(unit_json(deactivate_unit(_unit(unit_id), actor=current_user())))


@bp.post(f"/units/<{ID}:unit_id>/reactivate")
@admin_somewhere
def reactivate(unit_id: int):
    """Put a deactivated unit back in use."""
    return jsonify(unit_json(reactivate_unit(_unit(unit_id), actor=current_user())))


@bp.get("/union")
@admin_only
def union():
    """The union itself (the root unit), whose name the site, its mail and its documents carry."""
    unit = root_union()
    return jsonify(unit_json(unit) if unit is not None else None)


@bp.put("/union")
@admin_only
def name_union():
    """Give the union its name (on a bare install the root unit is created)."""
    return jsonify(unit_json(rename_union(json_body(), actor=current_user())))


def override_json(override) -> dict:
    return {"id": override.id, "day": day(override.day), "working": override.working, "note": override.note}


@bp.post("/calendar/overrides")
@admin_only
def add_override():
    """Add an extra day off or an extra working day to the union's calendar."""
    return created(override_json(add_calendar_override(json_body(), actor=current_user())))


@bp.delete(f"/calendar/overrides/<{ID}:override_id>")
@admin_only
def remove_override(override_id: int):
    """Take a day out of the union's calendar: the national calendar applies to it again."""
    remove_calendar_override(override_id, actor=current_user())
    return "", 204


@bp.post(f"/outbox/<{ID}:notification_id>/retry")
@admin_only
def retry_message(notification_id: int):
    """Put an undelivered (parked) message back in the outbox, to be sent at the next run."""
    try:
        row = outbox.retry_failed(notification_id, actor=current_user())
    except outbox.NotFailed:
        raise ApiError(
            409, N_("This message is no longer waiting to be sent again; nothing was changed."), "conflict"
        ) from None
    return jsonify({"id": row.id, "state": row.email_state, "next_attempt_at": iso(row.next_attempt_at)})
