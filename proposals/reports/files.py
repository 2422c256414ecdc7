"""Every file the reports pages and the API hand out, made once: who may have it, its content, its name.

The pages (web/exports.py, web/own_data.py, web/admin/audit.py, web/imports.py) and the API
(api/exports.py) call these and only send what they return, so that neither holds a rule of its own.
A refusal is the engine's PermissionDenied; what a reader may read inside a file is the report
module's (access.can_view, access.can_see_author at the moment of the export).
"""

from dataclasses import dataclass, replace

from flask_babel import gettext

from workflow import PermissionDenied
from workflow.errors import N_

from .. import group_figures, unions
from ..access import ADMIN_ROLES, OVERSIGHT_ROLES
from ..models import CongressSession, Proposal, Reply, User
from ..operations import clock
from ..queries import Filters
from . import audit_log, compilation, group_compilation, handling_report, ledger, own_data, papers, sign_in
from .figures import figures

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"

# who has the ledger, who prints a session's forms and letters all at once, and who has the handling report
LEDGER_ROLES = OVERSIGHT_ROLES
BULK_ROLES = ("committee", "union_admin")
HANDLING_REPORT_ROLES = ("committee", "union_admin", "leader")
AUDIT_ROLES = ADMIN_ROLES


@dataclass(frozen=True)
class File:
    body: bytes
    mimetype: str
    filename: str  # as the reader sees it (UTF-8)
    ascii_name: str  # the fallback for clients that read no RFC 5987 name


def require(user: User, roles: tuple[str, ...]) -> None:
    """One of these roles in the company union (the group's own files: the audit log, imports)."""
    if not user.has_role(*roles):
        raise PermissionDenied(N_("Your roles do not allow this."))


def require_somewhere(user: User, roles: tuple[str, ...], session: CongressSession | None = None) -> None:
    """One of these roles in some union of the group (what the file holds is scoped by access.can_view), or,
    for a session's file, in the session's union or a union above it."""
    held = unions.holds_somewhere(user, roles) if session is None else unions.holds(user, roles, session.union_id)
    if not held:
        raise PermissionDenied(N_("Your roles do not allow this."))


def _stamp() -> str:
    return clock.local_date(clock.utcnow()).isoformat()


def ledger_file(user: User, filters: Filters, extension: str) -> File:
    """The ledger (台账) of the proposals `user` may see, filtered like the list: .xlsx or .csv."""
    require_somewhere(user, LEDGER_ROLES)
    union = _union(user, filters.union_id)
    tree = unions.current()
    # a union's own sessions; by default what the caller oversees (the whole group for the company's staff)
    scope = group_figures.overseen(user, tree) if union is None else unions.Scope({tree.key(union.id)})
    records = ledger.rows(user, replace(filters, within=scope))
    title, stamp = gettext("Ledger"), _stamp()
    if extension == "csv":
        body, mimetype = ledger.to_csv(records), CSV
    else:
        body, mimetype = ledger.to_xlsx(records, title, figures(filters.session_id, user, scope)), XLSX
    if union is None:  # the group, or what the caller oversees of it
        return File(body, mimetype, f"{title}-{stamp}.{extension}", f"ledger-{stamp}.{extension}")
    return File(body, mimetype, f"{title}-{union.name}-{stamp}.{extension}", f"ledger-{union.code}-{stamp}.{extension}")


def _union(user: User, union_id: int | None):
    """The union a file is asked for (?union=), checked: NotFound for no union, PermissionDenied for one
    the caller does not oversee; None for the group."""
    if union_id is None:
        return None
    group_figures.chosen_union(user, union_id)
    return unions.current().units[union_id]


def compilation_file(session: CongressSession, user: User, *, internal: bool = False) -> File:
    """The session's compilation (提案汇编) as a PDF; the internal edition names confidential authors."""
    if internal and not compilation.may_have_internal(user):
        raise PermissionDenied(N_("Only union administrators may have the internal edition."))
    body = compilation.to_pdf(session, compilation.entries(session, user, internal=internal), internal=internal)
    suffix = f" {compilation.internal_mark()}" if internal else ""
    name = f"{session.name} {gettext('Compilation of proposals and replies')}{suffix}.pdf"
    ascii_name = f"compilation-{session.code}{'-internal' if internal else ''}.pdf"
    union = unions.current().units.get(session.union_id) if session.union_id is not None else None
    if union is not None:  # a grassroots union's congress: named after the union
        name, ascii_name = f"{union.name} {name}", f"{union.code}-{ascii_name}"
    return File(body, PDF, name, ascii_name)


def group_compilation_file(user: User, year: int | None, *, internal: bool = False) -> File:
    """The group's compilation (集团提案汇编) of the unions `user` oversees, for `year` (None: the open sessions)."""
    if internal and not compilation.may_have_internal(user):
        raise PermissionDenied(N_("Only union administrators may have the internal edition."))
    found = group_compilation.parts(user, year, internal=internal)
    body = group_compilation.to_pdf(found, year, internal=internal)
    suffix = f" {compilation.internal_mark()}" if internal else ""
    tail = str(year) if year is not None else "open"
    return File(body, PDF, f"{group_compilation.title(year)}{suffix}.pdf", f"group-compilation-{tail}.pdf")


def proposal_form_file(proposal: Proposal, user: User) -> File:
    """The proposal form (提案表) of one proposal the reader may view (the caller has checked access.can_view)."""
    number = proposal.number or f"id{proposal.id}"
    body = papers.forms_pdf([proposal], user)
    return File(body, PDF, f"{gettext('Proposal form')} {number}.pdf", f"form-{number}.pdf")


def reply_letter_file(proposal: Proposal, reply: Reply, user: User) -> File:
    """The department's reply letter (答复函) of one reply of a proposal the reader may view."""
    body = papers.letters_pdf([reply], user)
    name = f"{gettext('Reply letter')} {proposal.number} {reply.round + 1}.pdf"
    return File(body, PDF, name, f"reply-{proposal.number}-{reply.round + 1}.pdf")


def session_forms_file(session: CongressSession, user: User) -> File:
    """Every proposal form of a session in one PDF (the committee and union administrators)."""
    require_somewhere(user, BULK_ROLES, session)
    body = papers.forms_pdf(papers.session_proposals(session, user), user)
    return File(body, PDF, f"{session.name} {gettext('Proposal form')}.pdf", f"forms-{session.code}.pdf")


def session_letters_file(session: CongressSession, user: User) -> File:
    """Every reply letter of a session in one PDF (the committee and union administrators)."""
    require_somewhere(user, BULK_ROLES, session)
    body = papers.letters_pdf(papers.session_replies(session, user), user)
    return File(body, PDF, f"{session.name} {gettext('Reply letter')}.pdf", f"letters-{session.code}.pdf")


def handling_report_file(session: CongressSession, user: User, extension: str) -> File:
    """The draft handling report to the next session (提案办理情况报告): .docx to edit, or PDF."""
    require_somewhere(user, HANDLING_REPORT_ROLES, session)
    report = handling_report.build_report(session, user)
    if extension == "docx":
        body, mimetype = handling_report.to_docx(report), DOCX
    else:
        body, mimetype = handling_report.to_pdf(report), PDF
    return File(
        body, mimetype, f"{session.name} {report.title}.{extension}", f"handling-report-{session.code}.{extension}"
    )


def own_data_file(user: User) -> File:
    """Everything of the user's own (下载我的数据), for them alone."""
    stamp = _stamp()
    name = f"{gettext('My data')}-{user.username}-{stamp}.zip"
    return File(own_data.to_zip(user), "application/zip", name, f"my-data-{user.username}-{stamp}.zip")


def audit_log_file(filters: audit_log.Filters, user: User, extension: str) -> File:
    """The filtered audit log (审计日志) as CSV or .xlsx (union administrators)."""
    require(user, AUDIT_ROLES)
    entries = audit_log.everything(filters, user)
    title, stamp = gettext("Audit log"), _stamp()
    if extension == "csv":
        body, mimetype = audit_log.to_csv(entries), CSV
    else:
        body, mimetype = audit_log.to_xlsx(entries, title), XLSX
    return File(body, mimetype, f"{title}-{stamp}.{extension}", f"audit-{stamp}.{extension}")


def sign_in_slips_file(slips: sign_in.Taken, address: str) -> File:
    """Sign-in slips as a PDF, from slips already taken (sign_in.take) by the administrator who imported them."""
    return File(sign_in.pdf_of(slips, address), PDF, f"{gettext('Sign-in slips')}.pdf", "sign-in-slips.pdf")
