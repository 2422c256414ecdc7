"""Reference data for everyone (sessions, units, categories) and its administration (union administrators)."""

from functools import wraps

from flask import jsonify
from sqlalchemy import select

from workflow.errors import N_

from .. import unions
from ..access import ADMIN_ROLES
from ..extensions import db
from ..models import Category, CongressSession, OrgUnit
from ..operations import (
    NotFound,
    create_category,
    create_session,
    create_union,
    create_unit,
    create_user,
    update_category,
    update_session,
)
from . import bp
from .auth import current_user
from .errors import ApiError, json_body
from .proposals import ID
from .serializers import category_json, session_json, union_json, unit_json, user_json


def admin_only(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user().has_role(*ADMIN_ROLES):
            raise ApiError(403, N_("Only union administrators may do this."), "permission_denied")
        return view(*args, **kwargs)

    return wrapped


def admin_somewhere(view):
    """For what the administrators of any union may ask: the operation checks which union it is about."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not unions.holds_somewhere(current_user(), ADMIN_ROLES):
            raise ApiError(403, N_("Only union administrators may do this."), "permission_denied")
        return view(*args, **kwargs)

    return wrapped


def created(body: dict):
    response = jsonify(body)
    response.status_code = 201
    return response


@bp.post("/users")
@admin_somewhere
def add_user():
    """Create a user with roles."""
    return created(user_json(create_user(json_body(), actor=current_user())))


@bp.post("/departments")
@admin_somewhere
def add_department():
    """Create a functional department."""
    return created(unit_json(create_unit("department", json_body(), actor=current_user())))


@bp.post("/delegations")
@admin_somewhere
def add_delegation():
    """Create a delegation."""
    return created(unit_json(create_unit("delegation", json_body(), actor=current_user())))


@bp.get("/unions")
def union_tree():
    """The unions of the group: the company union (the root) and the grassroots unions below it, depth first."""
    return jsonify([union_json(u) for u in unions.current().ordered()])


@bp.post("/unions")
@admin_somewhere
def add_union():
    """Add a grassroots union below `parent_id`, for the administrators of the parent or of a union above it."""
    return created(union_json(create_union(json_body(), actor=current_user())))


@bp.post("/sessions")
@admin_somewhere
def add_session():
    """Open a congress session with its settings, in the union `union_id` (none: the root)."""
    return created(session_json(create_session(json_body(), actor=current_user())))


@bp.patch(f"/sessions/<{ID}:session_id>")
@admin_somewhere
def change_session(session_id: int):
    """Change a session's settings."""
    session = db.session.get(CongressSession, session_id)
    if session is None:
        raise NotFound(N_("No such session."))
    return jsonify(session_json(update_session(session, json_body(), actor=current_user())))


@bp.get("/sessions")
def sessions():
    """Every congress session, newest first."""
    rows = db.session.scalars(select(CongressSession).order_by(CongressSession.id.desc()))
    return jsonify([session_json(s) for s in rows])


@bp.get(f"/sessions/<{ID}:session_id>")
def get_session(session_id: int):
    """One congress session and its settings."""
    session = db.session.get(CongressSession, session_id)
    if session is None:
        raise NotFound(N_("No such session."))
    return jsonify(session_json(session))


def _units(kind: str):
    rows = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == kind).order_by(OrgUnit.code))
    return jsonify([unit_json(u) for u in rows])


@bp.get("/departments")
def departments():
    """The functional departments that handle proposals."""
    return _units("department")


@bp.get("/delegations")
def delegations():
    """The delegations of the congress."""
    return _units("delegation")


@bp.get("/categories")
def categories():
    """The categories a proposal can have."""
    rows = db.session.scalars(select(Category).order_by(Category.position, Category.code))
    return jsonify([category_json(c) for c in rows])


@bp.post("/categories")
@admin_only
def add_category():
    """Add a category; a code already taken is refused (409)."""
    return created(category_json(create_category(json_body(), actor=current_user())))


@bp.patch(f"/categories/<{ID}:category_id>")
@admin_only
def change_category(category_id: int):
    """Rename, move or retire a category."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(N_("No such category."))
    return jsonify(category_json(update_category(category, json_body(), actor=current_user())))
