"""The dashboard's colour thresholds (union administrators): read and set them, as the union page does
(operations/thresholds.py)."""

from flask import jsonify

from ..operations.thresholds import dashboard_thresholds, set_dashboard_thresholds
from . import bp
from .admin import admin_only
from .auth import current_user
from .errors import json_body


@bp.get("/union/dashboard-thresholds")
@admin_only
def get_dashboard_thresholds():
    """The thresholds in force, in percent: green from `green`, amber from `amber`, red below."""
    return jsonify(dashboard_thresholds())


@bp.put("/union/dashboard-thresholds")
@admin_only
def put_dashboard_thresholds():
    """Set the thresholds (whole percentages, green above amber)."""
    return jsonify(set_dashboard_thresholds(json_body(), actor=current_user()))
