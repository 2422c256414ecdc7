"""The import pages (union administrators; a grassroots union's, into their unions: reports/import_scope.py):
the roster and proposals collected on paper, from .xlsx or .csv.

A file is checked whole; when anything is wrong the page lists every problem by row and column and
nothing changes. Otherwise everything is written in one transaction and the result is shown. The
sign-in details generated for new users are never flashed nor kept in clear: they are sealed
(reports/sign_in.py) for the administrator who imported them, who prints them as slips (PDF) or shows
them on screen, once; either takes them off the server. A file may also only be checked.

A file of more rows than a request holds (IMPORT_PAGE_MAX_ROWS) goes to the task queue on PostgreSQL
(reports/import_jobs.py): its own page follows it (a progress bar moved by static/js/import-job.js, or a
reload without JavaScript), then shows its result or its problems. Without a queue (SQLite) it is refused,
naming the command line that imports it.
"""

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField

from workflow.errors import N_

from .. import queue
from ..access import ADMIN_ROLES
from ..branding import site_name
from ..downloads import send
from ..errors import answer
from ..extensions import db
from ..i18n import translate
from ..models import ImportJob
from ..reports import files, import_jobs, import_template, imports, sign_in
from ..reports.columns import label
from ..reports.tables import ImportRefused, template
from . import NavItem
from .exports import roles_required

bp = Blueprint("imports", __name__, url_prefix="/imports")
NAV = [NavItem("imports.index", N_("Imports"), roles=ADMIN_ROLES, order=85)]

MAX_BYTES, KINDS = imports.MAX_BYTES, imports.KINDS


class ImportForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"), render_kw={"accept": ".xlsx,.csv"})
    check_only = BooleanField(_l("Only check the file; change nothing"))


class TakeSlipsForm(FlaskForm):
    """Print or show sign-in slips: a form for its CSRF token alone."""


def _columns(module) -> list[dict]:
    return [{"key": key, "label": label(key), "required": key in module.REQUIRED} for key in module.KEYS]


def _page(forms: dict | None = None, status: int = 200, **context):
    forms = forms or {}
    for kind in KINDS:
        forms.setdefault(kind, ImportForm(prefix=kind))
    columns = {kind: _columns(module) for kind, (module, _) in KINDS.items()}
    return (
        render_template(
            "reports/imports.html",
            forms=forms,
            columns=columns,
            slips=sign_in.pending(current_user),
            take_form=TakeSlipsForm(),
            slips_hours=sign_in.KEEP_HOURS,
            page_max_rows=imports.page_max_rows(),
            queued=queue.enabled(),
            **context,
        ),
        status,
    )


@bp.get("/")
@roles_required(*ADMIN_ROLES)
def index():
    """Upload a roster or proposals collected on paper."""
    return _page()


@bp.post("/<kind>")
@roles_required(*ADMIN_ROLES)
def upload(kind: str):
    """Check an uploaded file whole, then import all of it in one transaction, or nothing (or only check it).
    A file too large for a request goes to the task queue, and its page follows it; without a queue
    (SQLite) it is refused, naming the command that imports it."""
    if kind not in KINDS:
        abort(404)
    if request.content_length is not None and request.content_length > MAX_BYTES:
        return answer(413, gettext("The file is too large."))
    form = ImportForm(prefix=kind)
    upload = form.file.data
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = [gettext("Choose a file to upload.")]
        flash(gettext("Nothing was imported."), "error")
        return _page({kind: form}, 400, open_kind=kind)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return answer(413, gettext("The file is too large."))
    try:
        imported = import_jobs.submit(kind, upload.filename, data, current_user, check_only=form.check_only.data)
    except ImportRefused as refused:
        problems = [_shown(p) for p in refused.problems]
        flash(gettext("Nothing was imported: %(n)d problems.", n=len(problems)), "error")
        return _page({kind: form}, 422, open_kind=kind, problems=problems, filename=upload.filename)
    if isinstance(imported, ImportJob):  # too large for a request: the task queue's worker imports it
        return redirect(url_for("imports.job_page", job_id=imported.id), 303)
    result, table = imported.result, imported.table
    if form.check_only.data:
        flash(gettext("The file is fine; nothing was changed."), "success")
        return _page(open_kind=kind, ignored=table.ignored, filename=upload.filename)
    if kind == "roster":
        text = gettext(
            "Roster imported: %(created)d users created, %(updated)d updated; %(units)d units created.",
            created=result.users_created,
            updated=result.users_updated,
            units=result.units_created,
        )
    else:
        text = gettext("%(n)d proposals imported.", n=len(result.created))
    flash(text, "success")
    return _page(open_kind=kind, result=result, ignored=table.ignored, filename=upload.filename)


def _taken(slips_id: int, how: str) -> list[sign_in.Slip] | Response:
    try:
        slips = sign_in.take(slips_id, current_user, how)
    except sign_in.SlipsGone:
        db.session.commit()  # an expired one is deleted as it is refused
        text = gettext("These sign-in slips were printed or shown already, or have expired: they are gone.")
        return answer(404, text)
    db.session.commit()
    return slips


@bp.post("/slips/<int:slips_id>/pdf")
@roles_required(*ADMIN_ROLES)
def slips_pdf(slips_id: int):
    """Print an import's sign-in slips, one per person, as a PDF: once; then they are gone."""
    slips = _taken(slips_id, "pdf")
    if isinstance(slips, Response):
        return slips
    return send(files.sign_in_slips_file(slips, request.url_root), no_store=True)


@bp.post("/slips/<int:slips_id>/show")
@roles_required(*ADMIN_ROLES)
def slips_page(slips_id: int):
    """Show an import's sign-in slips on screen, printable: once; then they are gone."""
    slips = _taken(slips_id, "page")
    if isinstance(slips, Response):
        return slips
    page = render_template("reports/slips.html", slips=slips, address=request.url_root, union=site_name())
    response = Response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


# what a job's page says of where it is, by its state
JOB_STATES = {
    "queued": N_("Waiting for the worker to take it."),
    "checking": N_("Checking the file: %(done)d of %(total)d rows."),
    "running": N_("Importing, all in one go: %(done)d of %(total)d rows written."),
    "done": N_("Done."),
    "failed": N_("Nothing was imported."),
}


def _job(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        abort(404)
    if not import_jobs.may_see(job, current_user):
        abort(403)
    return job


def _where(job: ImportJob) -> str:
    return translate((JOB_STATES[job.state], {"done": job.rows_done, "total": job.rows_total or 0}))


@bp.get("/jobs/<int:job_id>")
@login_required
def job_page(job_id: int):
    """A large import's progress (a small script follows it; without one the page reloads itself), then its
    result or its problems."""
    job = _job(job_id)
    problems = [
        {"row": p["row"], "column": label(e["column"]) if e["column"] else None, "text": p["message"]}
        for p, e in zip(import_jobs.problems_shown(job), job.errors or [], strict=True)
    ]
    return render_template("reports/import_job.html", job=job, where=_where(job), problems=problems)


@bp.get("/jobs/<int:job_id>/progress")
@login_required
def job_progress(job_id: int):
    """The job's state and progress as JSON, for the page's script."""
    job = _job(job_id)
    response = jsonify({**import_jobs.as_json(job), "finished": job.finished, "text": _where(job)})
    response.headers["Cache-Control"] = "no-store"
    return response


def _shown(problem) -> dict:
    return {
        "row": problem.row,
        "column": label(problem.column) if problem.column else None,
        "key": problem.column,
        "text": translate(problem.message),
    }


@bp.get("/templates/<kind>.<extension>")
@roles_required(*ADMIN_ROLES)
def blank(kind: str, extension: str):
    """The import template in the reader's language: the .xlsx with an example row and the allowed values
    (reports/import_template.py), the .csv the header row alone."""
    if kind not in KINDS or extension not in ("xlsx", "csv"):
        abort(404)
    module, _ = KINDS[kind]
    if extension == "xlsx":
        body = import_template.workbook(kind, module.KEYS, module.REQUIRED)
    else:
        body = template(module.KEYS, extension)
    mimetype = (
        "text/csv; charset=utf-8"
        if extension == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-template.{extension}"'
    return response
