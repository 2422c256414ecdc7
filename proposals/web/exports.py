"""The reports pages: the ledger (台账) as .xlsx or CSV, and the session's compilation (提案汇编)."""

import re
from functools import wraps
from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from workflow.errors import N_

from ..access import OVERSIGHT_ROLES
from ..extensions import db
from ..models import CongressSession
from ..operations import clock
from ..reports import compilation, ledger
from . import NavItem
from .lists import ListFilterForm

bp = Blueprint("exports", __name__, url_prefix="/reports")
NAV = [NavItem("exports.index", N_("Reports"), roles=OVERSIGHT_ROLES, order=55)]

REFUSALS = {
    400: N_("Some of the filters are wrong; see the messages next to them."),
    403: N_("Your roles do not allow this page."),
    404: N_("There is no such page, or you may not see it."),
    413: N_("The file is too large."),
}


def refusal(exc: HTTPException):
    """A refused request as a page in the reader's language."""
    status = exc.code or 500
    text = gettext(REFUSALS[status]) if status in REFUSALS else exc.description
    return render_template("reports/refusal.html", status=status, text=text), status


for _status in REFUSALS:
    bp.register_error_handler(_status, refusal)


def roles_required(*roles):
    """Only users holding one of these roles; others get 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _sessions() -> list[CongressSession]:
    return list(db.session.scalars(db.select(CongressSession).order_by(CongressSession.id.desc())))


@bp.get("/")
@roles_required(*OVERSIGHT_ROLES)
def index():
    """Choose what the ledger covers, and download it or a session's compilation."""
    form = ListFilterForm()
    filters = form.to_filters()
    return _index(form, filters, 400 if filters is None else 200)


def _index(form: ListFilterForm, filters, status: int):
    query = request.query_string.decode() if filters is not None else ""
    return render_template("reports/index.html", form=form, query=query, sessions=_sessions()), status


def _ledger(extension: str) -> Response:
    form = ListFilterForm()
    filters = form.to_filters()
    if filters is None:
        return _index(form, filters, 400)
    records = ledger.rows(current_user, filters)
    title = gettext("Ledger")
    stamp = clock.local_date(clock.utcnow()).isoformat()
    if extension == "csv":
        body, mimetype = ledger.to_csv(records), "text/csv; charset=utf-8"
    else:
        body = ledger.to_xlsx(records, title)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(body, mimetype, f"{title}-{stamp}.{extension}", "ledger-" + stamp + "." + extension)


def _download(body: bytes, mimetype: str, filename: str, ascii_name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", ascii_name)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


@bp.get("/ledger.xlsx")
@roles_required(*OVERSIGHT_ROLES)
def ledger_xlsx():
    """The ledger as an Excel workbook, filtered like the list."""
    return _ledger("xlsx")


@bp.get("/ledger.csv")
@roles_required(*OVERSIGHT_ROLES)
def ledger_csv():
    """The ledger as CSV (UTF-8 with BOM), filtered like the list."""
    return _ledger("csv")


def _session(session_id: int) -> CongressSession:
    session = db.session.get(CongressSession, session_id)
    if session is None:
        abort(404)
    return session


@bp.get("/sessions/<int:session_id>/compilation")
@login_required
def compilation_page(session_id: int):
    """The session's compilation as a printable page."""
    session = _session(session_id)
    found = compilation.entries(session, current_user)
    return render_template("reports/compilation.html", session=session, entries=found)


@bp.get("/sessions/<int:session_id>/compilation.pdf")
@login_required
def compilation_pdf(session_id: int):
    """The session's compilation as a PDF."""
    session = _session(session_id)
    body = compilation.to_pdf(session, compilation.entries(session, current_user))
    name = f"{session.name} {gettext('Compilation of proposals and replies')}.pdf"
    return _download(body, "application/pdf", name, f"compilation-{session.code}.pdf")
