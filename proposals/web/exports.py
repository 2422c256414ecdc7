"""The reports pages: the ledger (台账) as .xlsx or CSV, the session's compilation (提案汇编), the proposal
form (提案表) and the reply letter (答复函) as PDF, one or a session's all, and the committee's handling
report to the next session (提案办理情况报告) as .docx and PDF; the group's compilation (集团提案汇编)."""

from functools import wraps

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from workflow.errors import N_

from .. import group_figures, unions
from ..access import OVERSIGHT_ROLES, can_view
from ..downloads import send
from ..extensions import db
from ..inputs import number_arg
from ..models import CongressSession, Proposal, Reply
from ..reports import compilation, files, group_compilation
from . import NavItem
from .lists import ListFilterForm

bp = Blueprint("exports", __name__, url_prefix="/reports")
NAV = [NavItem("exports.index", N_("Reports"), roles=files.LEDGER_ROLES, order=55)]
BULK_ROLES, HANDLING_REPORT_ROLES = files.BULK_ROLES, files.HANDLING_REPORT_ROLES


def roles_required(*roles, company: bool = False):
    """Only users holding one of these roles, in any union of the group (what the page then shows is
    scoped by access.visible_filter), or with `company` in the company union; others get 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            held = current_user.has_role(*roles) if company else unions.holds_somewhere(current_user, roles)
            if not held:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _sessions(filters) -> list[CongressSession]:
    """The sessions whose papers the page offers: the union's asked for (?union=ID, its own sessions), else
    those of the unions the reader oversees (the whole group for the company's staff)."""
    tree = unions.current()
    if filters is not None and filters.union_id is not None:
        scope = unions.Scope({group_figures.chosen_union(current_user, filters.union_id, tree)})
    else:
        scope = group_figures.overseen(current_user, tree)
    stmt = db.select(CongressSession).where(unions.sessions_in(scope, tree, CongressSession.id))
    return list(db.session.scalars(stmt.order_by(CongressSession.id.desc())))


@bp.get("/")
@roles_required(*files.LEDGER_ROLES)
def index():
    """Choose what the ledger covers, and download it or a session's compilation."""
    form = ListFilterForm()
    filters = form.to_filters()
    return _index(form, filters, 400 if filters is None else 200)


def _index(form: ListFilterForm, filters, status: int):
    query = request.query_string.decode() if filters is not None else ""
    tree = unions.current()
    return (
        render_template(
            "reports/index.html",
            form=form,
            query=query,
            sessions=_sessions(filters),
            group=len(tree.ordered()) > 1,
            union_names={tree.key(u.id): u.name for u in tree.ordered()},
            bulk=unions.holds_somewhere(current_user, BULK_ROLES),
            handling_report=unions.holds_somewhere(current_user, HANDLING_REPORT_ROLES),
            internal=compilation.may_have_internal(current_user),
        ),
        status,
    )


def _ledger(extension: str) -> Response:
    form = ListFilterForm()
    filters = form.to_filters()
    if filters is None:
        return _index(form, filters, 400)
    return send(files.ledger_file(current_user, filters, extension))


@bp.get("/ledger.xlsx")
@roles_required(*files.LEDGER_ROLES)
def ledger_xlsx():
    """The ledger as an Excel workbook, filtered like the list."""
    return _ledger("xlsx")


@bp.get("/ledger.csv")
@roles_required(*files.LEDGER_ROLES)
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
    return send(files.compilation_file(session, current_user, internal=_edition()))


def _year() -> int | None:
    """The year asked for (?year=2026), None for the open sessions."""
    return number_arg("year", None, minimum=1900, maximum=9999)


@bp.get("/group/compilation")
@roles_required(*OVERSIGHT_ROLES)
def group_compilation_page():
    """The group's compilation, by union, as a printable page: a year's sessions (?year=) or the open ones
    (?edition=internal: with names, union staff only)."""
    year, internal = _year(), _edition()
    return render_template(
        "reports/group_compilation.html",
        year=year,
        years=group_compilation.years(current_user),
        parts=group_compilation.parts(current_user, year, internal=internal),
        heading=group_compilation.title(year),
        internal=internal,
        may_have_internal=compilation.may_have_internal(current_user),
    )


@bp.get("/group/compilation.pdf")
@roles_required(*OVERSIGHT_ROLES)
def group_compilation_pdf():
    """The group's compilation as a PDF (?year=, ?edition=internal as the page)."""
    return send(files.group_compilation_file(current_user, _year(), internal=_edition()))


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
    return send(files.proposal_form_file(_proposal(proposal_id), current_user))


@bp.get("/proposals/<int:proposal_id>/replies/<int:reply_id>/letter.pdf")
@login_required
def reply_letter(proposal_id: int, reply_id: int):
    """The department's reply letter (答复函) of one reply, as a PDF."""
    proposal = _proposal(proposal_id)
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.proposal_id != proposal.id:
        abort(404)
    return send(files.reply_letter_file(proposal, reply, current_user))


@bp.get("/sessions/<int:session_id>/forms.pdf")
@roles_required(*BULK_ROLES)
def session_forms(session_id: int):
    """Every proposal form of a session in one PDF."""
    return send(files.session_forms_file(_session(session_id), current_user))


@bp.get("/sessions/<int:session_id>/letters.pdf")
@roles_required(*BULK_ROLES)
def session_letters(session_id: int):
    """Every reply letter of a session in one PDF."""
    return send(files.session_letters_file(_session(session_id), current_user))


def _handling_report(session_id: int, extension: str) -> Response:
    return send(files.handling_report_file(_session(session_id), current_user, extension))


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
