"""The union administrators' pages (工会管理): the union, sessions, units, categories, users, the working-day
calendar, the audit log and the outbox.

Every address under /admin is for union administrators only: others get 403, whoever is not
logged in is sent to the login page. Each page calls one operation of proposals.operations.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from workflow.errors import N_

from ... import unions
from ...access import ADMIN_ROLES
from ...errors import answer
from ...extensions import login_manager
from ...stats import local_today
from .. import NavItem
from . import scope

bp = Blueprint("admin", __name__, url_prefix="/admin")
COMPANY_PAGE = N_("Only the company union's administrators may use this page: it is the whole group's.")
NAV = [NavItem("admin.index", N_("Administration"), roles=("union_admin",), order=60)]


@bp.before_request
def union_admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not unions.holds_somewhere(current_user, ADMIN_ROLES):
        return answer(403, gettext("Only union administrators may use the administration pages."))
    if request.endpoint not in scope.GRASSROOTS_PAGES and not scope.company():
        return answer(403, gettext(COMPANY_PAGE))
    return None


@bp.errorhandler(404)
def not_found(_exc):
    """A session, unit, user or day that does not exist, said in the user's language."""
    return answer(404, gettext("There is no such record. It may have been mistyped in the address."))


@bp.errorhandler(CSRFError)
def form_expired(_exc):
    """A form left open too long (or sent from elsewhere): nothing is changed; say so and show it again."""
    flash(gettext("The form had expired. Please try again."), "warning")
    rule = request.url_rule
    return redirect(request.path if rule is not None and "GET" in rule.methods else url_for("admin.index"))


@bp.get("/")
def index():
    """Show what there is to administer."""
    return render_template(
        "admin/index.html", uncovered=calendar.uncovered_years(), checklist=checklist.pending(local_today())
    )


from . import (  # noqa: E402, F401  (the pages, on this blueprint)
    activation,
    audit,
    calendar,
    categories,
    channels,
    checklist,
    outbox,
    sessions,
    union,
    units,
    users,
)
