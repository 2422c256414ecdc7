"""The reports' files over HTTP, the same files the reports pages hand out (reports/files.py makes each and
decides who may have it): the ledger, the compilation, the proposal form, the reply letter, a session's
forms and letters, the handling report, the audit log, and one's own data."""

from flask import jsonify, request

from workflow import LIFECYCLE, OUTCOMES, InvalidPayload
from workflow.errors import N_
from workflow.payload import Boolean, Choice, Integer, Line

from ..access import can_view
from ..downloads import send
from ..extensions import db
from ..models import KINDS, CongressSession, Proposal, Reply
from ..operations import NotFound
from ..queries import Filters
from ..reports import audit_log, compilation, files
from . import bp
from .auth import current_user
from .errors import query
from .proposals import ID

ID_FIELD = Integer(minimum=1, maximum=2**31 - 1)
LEDGER_ARGS = {
    "session_id": ID_FIELD,
    "union_id": ID_FIELD,
    "state": Choice(choices=tuple(LIFECYCLE.states)),
    "category": Line(max_length=40),
    "department_id": ID_FIELD,
    "lead": Boolean(),
    "delegation_id": ID_FIELD,
    "kind": Choice(choices=tuple(KINDS)),
    "overdue": Boolean(),
    "outcome": Choice(choices=tuple(OUTCOMES)),
    "q": Line(max_length=200),
}
EDITION_ARG = {"edition": Choice(choices=(compilation.INTERNAL,))}
# the audit log's filters, named as on its page (reports/audit_log.parse reads them, cutting long texts
# short): here a text too long or with control characters is refused first, as everywhere in the API
AUDIT_ARGS = {
    "actor": Line(max_length=80),
    "action": Line(max_length=40),
    "start": Line(max_length=20),
    "end": Line(max_length=20),
    "target": Line(max_length=40),
    **{name: Integer(minimum=0, maximum=2**31 - 1) for name in ("target_id", "session", "number")},
    "after": Line(max_length=100),
}


def _session(session_id: int) -> CongressSession:
    session = db.session.get(CongressSession, session_id)
    if session is None:
        raise NotFound(N_("No such session."))
    return session


def _proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can_view(current_user(), proposal):
        raise NotFound()
    return proposal


def ledger_filters() -> Filters:
    args = query(LEDGER_ARGS)
    if "session_id" in args:
        _session(args["session_id"])
    department = args.get("department_id")
    return Filters(
        session_id=args.get("session_id"),
        union_id=args.get("union_id"),
        states=(args["state"],) if "state" in args else (),
        category=args.get("category"),
        department_id=None if args.get("lead") else department,
        lead_department_id=department if args.get("lead") else None,
        delegation_id=args.get("delegation_id"),
        kind=args.get("kind"),
        overdue=args.get("overdue"),
        outcome=args.get("outcome"),
        q=args.get("q"),
    )


@bp.get("/reports/ledger.xlsx")
def ledger_xlsx():
    """The ledger (台账) as an Excel workbook with its summary sheet, filtered like the list (oversight roles)."""
    files.require_somewhere(current_user(), files.LEDGER_ROLES)
    return send(files.ledger_file(current_user(), ledger_filters(), "xlsx"))


@bp.get("/reports/ledger.csv")
def ledger_csv():
    """The ledger as CSV (UTF-8 with BOM), filtered like the list (oversight roles)."""
    files.require_somewhere(current_user(), files.LEDGER_ROLES)
    return send(files.ledger_file(current_user(), ledger_filters(), "csv"))


@bp.get(f"/sessions/<{ID}:session_id>/compilation.pdf")
def compilation_pdf(session_id: int):
    """The session's compilation of proposals and replies (提案汇编); ?edition=internal names confidential
    authors (union administrators only)."""
    internal = query(EDITION_ARG).get("edition") == compilation.INTERNAL
    return send(files.compilation_file(_session(session_id), current_user(), internal=internal))


GROUP_COMPILATION_ARGS = {"year": Integer(minimum=1900, maximum=9999), **EDITION_ARG}


@bp.get("/reports/group/compilation.pdf")
def group_compilation_pdf():
    """The group's compilation (集团提案汇编) of the unions the caller oversees, by union: ?year= its sessions of
    that year, else the open sessions; ?edition=internal names confidential authors (union administrators)."""
    args = query(GROUP_COMPILATION_ARGS)
    internal = args.get("edition") == compilation.INTERNAL
    return send(files.group_compilation_file(current_user(), args.get("year"), internal=internal))


@bp.get(f"/proposals/<{ID}:proposal_id>/form.pdf")
def proposal_form(proposal_id: int):
    """The proposal form (提案表) of a proposal the caller may view."""
    return send(files.proposal_form_file(_proposal(proposal_id), current_user()))


@bp.get(f"/proposals/<{ID}:proposal_id>/replies/<{ID}:reply_id>/letter.pdf")
def reply_letter(proposal_id: int, reply_id: int):
    """The reply letter (答复函) of one reply to a proposal the caller may view."""
    proposal = _proposal(proposal_id)
    reply = db.session.get(Reply, reply_id)
    if reply is None or reply.proposal_id != proposal.id:
        raise NotFound()
    return send(files.reply_letter_file(proposal, reply, current_user()))


@bp.get(f"/sessions/<{ID}:session_id>/forms.pdf")
def session_forms(session_id: int):
    """Every proposal form of a session in one PDF (the committee and union administrators)."""
    files.require_somewhere(current_user(), files.BULK_ROLES)
    return send(files.session_forms_file(_session(session_id), current_user()))


@bp.get(f"/sessions/<{ID}:session_id>/letters.pdf")
def session_letters(session_id: int):
    """Every reply letter of a session in one PDF (the committee and union administrators)."""
    files.require_somewhere(current_user(), files.BULK_ROLES)
    return send(files.session_letters_file(_session(session_id), current_user()))


@bp.get(f"/sessions/<{ID}:session_id>/handling-report.docx")
def handling_report_docx(session_id: int):
    """The draft handling report to the next session as a Word document (committee, administrators, leaders)."""
    files.require_somewhere(current_user(), files.HANDLING_REPORT_ROLES)
    return send(files.handling_report_file(_session(session_id), current_user(), "docx"))


@bp.get(f"/sessions/<{ID}:session_id>/handling-report.pdf")
def handling_report_pdf(session_id: int):
    """The draft handling report to the next session as a PDF (committee, administrators, leaders)."""
    files.require_somewhere(current_user(), files.HANDLING_REPORT_ROLES)
    return send(files.handling_report_file(_session(session_id), current_user(), "pdf"))


@bp.get("/me/data")
def own_data():
    """Everything of the caller's own, as the page's download: data.json and the files they uploaded, zipped."""
    return send(files.own_data_file(current_user()))


# -- the audit log ---------------------------------------------------------------------------------


def audit_filters() -> audit_log.Filters:
    query(AUDIT_ARGS)
    parsed = audit_log.parse(request.args)
    if parsed.errors:
        raise InvalidPayload(parsed.errors)
    return parsed.filters


def entry_json(entry: dict) -> dict:
    return {
        "at": entry["at"].replace(tzinfo=audit_log.LOCAL).isoformat(),
        "actor": entry["actor"],
        "actor_username": entry["actor_username"],
        "action": entry["action_code"],
        "action_label": entry["action"],
        "target": entry["target"],
        "proposal_id": entry["proposal_id"],
        "details": entry["details"],
        "address": entry["address"],
    }


@bp.get("/audit")
def audit():
    """Who did what and when (审计日志), newest first, filtered as on its page, a page at a time (union
    administrators)."""
    files.require(current_user(), files.AUDIT_ROLES)
    filters = audit_filters()
    after = query(AUDIT_ARGS).get("after")
    found = audit_log.page(filters, current_user(), after=after)
    return jsonify({"items": [entry_json(e) for e in found.entries], "next_cursor": found.next_after})


@bp.get("/audit.csv")
def audit_csv():
    """The filtered audit log as CSV (UTF-8 with BOM) (union administrators)."""
    files.require(current_user(), files.AUDIT_ROLES)
    return send(files.audit_log_file(audit_filters(), current_user(), "csv"))


@bp.get("/audit.xlsx")
def audit_xlsx():
    """The filtered audit log as an Excel workbook (union administrators)."""
    files.require(current_user(), files.AUDIT_ROLES)
    return send(files.audit_log_file(audit_filters(), current_user(), "xlsx"))
