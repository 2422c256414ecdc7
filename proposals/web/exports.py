"""The reports pages: the ledger (台账) as .xlsx or CSV, the session's compilation (提案汇编), the proposal
form (提案表) and the reply letter (答复函) as PDF, one or a session's all, and the committee's handling
report to the next session (提案办理情况报告) as .docx and PDF."""

import re
from functools import wraps
from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required

from workflow.errors import N_

from ..access import OVERSIGHT_ROLES, can_view
from ..extensions import db
from ..models import CongressSession, Proposal, Reply
from ..operations import clock
from ..reports import compilation, handling_report, ledger, papers
from ..reports.figures import figures
from . import NavItem
from .lists import ListFilterForm

bp = Blueprint("exports", __name__, url_prefix="/reports")
NAV = [NavItem("exports.index", N_("Reports"), roles=OVERSIGHT_ROLES, order=55)]
# who prints a session's forms and letters all at once, and who has the handling report
BULK_ROLES = ("committee", "union_admin")
HANDLING_REPORT_ROLES = ("committee", "union_admin", "leader")


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
    return (
        render_template(
            "reports/index.html",
            form=form,
            query=query,
            sessions=_sessions(),
            bulk=current_user.has_role(*BULK_ROLES),
            handling_report=current_user.has_role(*HANDLING_REPORT_ROLES),
            internal=compilation.may_have_internal(current_user),
        ),
        status,
    )


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
        body = ledger.to_xlsx(records, title, figures(filters.session_id, current_user))
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


def _edition() -> bool:
    """Whether the internal edition (names of confidential authors) is asked for; only union administrators
    may have it."""
    edition = request.args.get("edition", "")
    if edition not in ("", compilation.INTERNAL):
        abort(404)
    if edition and not compilation.may_have_internal(current_user):
        abort(403)
    return bool(edition)


@bp.get("/sessions/<int:session_id>/compilation")
@login_required
def compilation_page(session_id: int):
    """The session's compilation as a printable page (?edition=internal: with names, union staff only)."""
    session = _session(session_id)
    internal = _edition()
    found = compilation.entries(session, current_user, internal=internal)
    return render_template(
        "reports/compilation.html",
        session=session,
        entries=found,
        internal=internal,
        may_have_internal=compilation.may_have_internal(current_user),
    )


@bp.get("/sessions/<int:session_id>/compilation.pdf")
@login_required
def compilation_pdf(session_id: int):
    """The session's compilation as a PDF (?edition=internal: with names and 内部 on every page)."""
    session = _session(session_id)
    internal = _edition()
    body = compilation.to_pdf(session, compilation.entries(session, current_user, internal=internal), internal=internal)
    suffix = f" {compilation.internal_mark()}" if internal else ""
    name = f"{session.name} {gettext('Compilation of proposals and replies')}{suffix}.pdf"
    return _download(body, "application/pdf", name, f"compilation-{session.code}{'-internal' if internal else ''}.pdf")


def _proposal(proposal_id: int) -> Proposal:
    """The proposal if the reader may know of it (access.can_view); 404 otherwise, never a hint."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can_view(current_user, proposal):
        abort(404)
    return proposal


@bp.get("/proposals/<int:proposal_id>/form.pdf")
@login_required
def proposal_form(proposal_id: int):
    """The proposal form (提案表) to sign, as a PDF."""
    proposal = _proposal(proposal_id)
    body = papers.forms_pdf([proposal], current_user)
    number = proposal.number or f"id{proposal.id}"
    return _download(body, "application/pdf", f"{gettext('Proposal form')} {number}.pdf", f"form-{number}.pdf")


@bp.get("/proposals/<int:proposal_id>/replies/<int:reply_id>/letter.pdf")
@login_required
def reply_letter(proposal_id: int, reply_id: int):
    """The department's reply letter (答复函) of one reply, as a PDF."""
    proposal = _proposal(proposal_id)
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.proposal_id != proposal.id:
        abort(404)
    body = papers.letters_pdf([reply], current_user)
    name = f"{gettext('Reply letter')} {proposal.number} {reply.round + 1}.pdf"
    return _download(body, "application/pdf", name, f"reply-{proposal.number}-{reply.round + 1}.pdf")


@bp.get("/sessions/<int:session_id>/forms.pdf")
@roles_required(*BULK_ROLES)
def session_forms(session_id: int):
    """Every proposal form of a session in one PDF."""
    session = _session(session_id)
    body = papers.forms_pdf(papers.session_proposals(session, current_user), current_user)
    name = f"{session.name} {gettext('Proposal form')}.pdf"
    return _download(body, "application/pdf", name, f"forms-{session.code}.pdf")


@bp.get("/sessions/<int:session_id>/letters.pdf")
@roles_required(*BULK_ROLES)
def session_letters(session_id: int):
    """Every reply letter of a session in one PDF."""
    session = _session(session_id)
    body = papers.letters_pdf(papers.session_replies(session, current_user), current_user)
    name = f"{session.name} {gettext('Reply letter')}.pdf"
    return _download(body, "application/pdf", name, f"letters-{session.code}.pdf")


def _handling_report(session_id: int, extension: str) -> Response:
    session = _session(session_id)
    report = handling_report.build_report(session, current_user)
    if extension == "docx":
        body = handling_report.to_docx(report)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        body, mimetype = handling_report.to_pdf(report), "application/pdf"
    name = f"{session.name} {report.title}.{extension}"
    return _download(body, mimetype, name, f"handling-report-{session.code}.{extension}")


@bp.get("/sessions/<int:session_id>/handling-report.docx")
@roles_required(*HANDLING_REPORT_ROLES)
def handling_report_docx(session_id: int):
    """The draft handling report to the next session, as a Word document to edit."""
    return _handling_report(session_id, "docx")


@bp.get("/sessions/<int:session_id>/handling-report.pdf")
@roles_required(*HANDLING_REPORT_ROLES)
def handling_report_pdf(session_id: int):
    """The draft handling report to the next session, as a PDF."""
    return _handling_report(session_id, "pdf")
