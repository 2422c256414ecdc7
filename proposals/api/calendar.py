"""The working-day calendar of a year (union administrators): what it is, and loading the official one."""

from flask import jsonify

from workflow.errors import N_

from ..operations import NotFound, load_year
from ..operations.calendar import FIRST_YEAR, LAST_YEAR, year_json
from . import bp
from .admin import admin_only
from .auth import current_user
from .errors import json_body


def _known(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(N_("No such year."))
    return year


@bp.get("/calendar/<int:year>")
@admin_only
def calendar_year(year: int):
    """A year's days off and working weekend days, and whether they are the official arrangement."""
    return jsonify(year_json(_known(year)))


@bp.put("/calendar/<int:year>")
@admin_only
def load_calendar_year(year: int):
    """Load a year's official arrangement; open deadlines that rest on the year are counted again."""
    return jsonify(load_year(_known(year), json_body(), current_user()))
