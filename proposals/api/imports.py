"""Imports over HTTP (union administrators; a grassroots union's, into their unions), as the import page: a roster
or proposals collected on paper, checked whole and written in one transaction or not at all
(reports/imports.py); and the sign-in slips a roster import sealed for the administrator who ran it, handed over
once, as PDF or as data."""

from flask import jsonify, request, url_for

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import message

from ..downloads import send
from ..errors import answer
from ..extensions import db
from ..i18n import translate
from ..models import ImportJob
from ..operations import NotFound
from ..reports import files, import_jobs, imports, sign_in
from ..reports.tables import ImportRefused
from . import bp
from .admin import admin_somewhere
from .auth import current_user
from .errors import ApiError
from .proposals import ID
from .serializers import iso

FIELD = "file"


def _file() -> tuple[str, bytes]:
    if request.mimetype != "multipart/form-data":
        raise ApiError(400, N_("Send the file as multipart/form-data in the field “file”."), "unsupported_media_type")
    upload = request.files.get(FIELD)
    if upload is None or not upload.filename:
        raise InvalidPayload({FIELD: message(N_("Choose a file to upload."))})
    data = upload.read(imports.MAX_BYTES + 1)
    if len(data) > imports.MAX_BYTES:
        raise ApiError(413, N_("The file is too large."), "request_entity_too_large")
    return upload.filename, data


@bp.post("/imports/<kind>")
@admin_somewhere
def run_import(kind: str):
    """Import a roster (`roster`) or proposals collected on paper (`proposals`) from an .xlsx or .csv file:
    all of it, or nothing with every problem by row and column (422). A file too large for a request is
    handed to the task queue (202, its job's address in Location) where there is one (PostgreSQL)."""
    if kind not in imports.KINDS:
        raise NotFound()
    if request.content_length is not None and request.content_length > imports.MAX_BYTES:
        raise ApiError(413, N_("The file is too large."), "request_entity_too_large")
    filename, data = _file()
    try:
        check_only = request.form.get("check_only", "false").strip().lower() == "true"
        imported = import_jobs.submit(kind, filename, data, current_user(), check_only=check_only)
    except ImportRefused as refused:
        problems = [{"row": p.row, "column": p.column, "message": translate(p.message)} for p in refused.problems]
        return answer(
            422,
            translate((N_("Nothing was imported: %(n)d problems."), {"n": len(problems)})),
            "import_refused",
            problems=problems,
        )
    if isinstance(imported, ImportJob):  # too large for a request: queued, to follow at its address
        response = jsonify(import_jobs.as_json(imported))
        response.status_code = 202
        response.headers["Location"] = url_for("api.import_job", job_id=imported.id)
        return response
    if check_only:
        return jsonify(imports.checked(imported))
    response = jsonify(imports.summary(imported))
    response.status_code = 201
    return response


@bp.get(f"/imports/jobs/<{ID}:job_id>")
def import_job(job_id: int):
    """A large import handed to the task queue: its state and progress, then its result or its problems (to its
    author and the union administrators)."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound()
    if not import_jobs.may_see(job, current_user()):
        raise ApiError(
            403, N_("Only its author and the union administrators may follow an import."), "permission_denied"
        )
    return jsonify(import_jobs.as_json(job))


@bp.get("/sign-in-slips")
@admin_somewhere
def pending_slips():
    """The sign-in slips kept for the caller (from the caller's roster imports), not yet taken nor expired."""
    kept = sign_in.pending(current_user())
    return jsonify([{"id": s.id, "count": s.count, "created_at": iso(s.created_at)} for s in kept])


def _taken(slips_id: int, how: str) -> sign_in.Taken:
    try:
        slips = sign_in.take(slips_id, current_user(), how)
    except sign_in.SlipsGone:
        db.session.commit()  # an expired one is deleted as it is refused
        raise NotFound(
            N_("These sign-in slips were printed or shown already, or have expired: they are gone.")
        ) from None
    db.session.commit()
    return slips


@bp.post(f"/sign-in-slips/<{ID}:slips_id>/pdf")
@admin_somewhere
def slips_pdf(slips_id: int):
    """Take the slips as a PDF, one per person: once; then they are gone from the server."""
    return send(files.sign_in_slips_file(_taken(slips_id, "pdf"), request.url_root), no_store=True)


@bp.post(f"/sign-in-slips/<{ID}:slips_id>/show")
@admin_somewhere
def slips_data(slips_id: int):
    """Take the slips as data (name, user name, activation code or initial password): once; then they are gone
    from the server."""
    slips = _taken(slips_id, "page")
    if slips.kind == "activation":
        expires = iso(slips.expires_at) if slips.expires_at else None
        shown = [{"name": n, "username": u, "activation_code": c, "expires_at": expires} for n, u, c in slips]
    else:
        shown = [{"name": n, "username": u, "initial_password": p} for n, u, p in slips]
    response = jsonify(shown)
    response.headers["Cache-Control"] = "no-store"
    return response
