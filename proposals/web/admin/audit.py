"""The audit log page (审计日志): who did what and when, filtered, a page at a time, or exported whole.

Under /admin, so for union administrators only (the blueprint's check): the log shows every proposal's
history, confidential authors included, the accounts' changes and the login attempts with their
addresses, which is more than the committee, supervisors or leaders see anywhere else.
"""

from flask import render_template, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from ...downloads import send
from ...extensions import db
from ...models import CongressSession
from ...reports import audit_log, files
from . import bp


def _page(parsed: audit_log.Parsed, found: audit_log.Page | None, status: int = 200):
    sessions = db.session.scalars(select(CongressSession).order_by(CongressSession.id.desc())).all()
    return (
        render_template(
            "admin/audit.html",
            filters=parsed.filters,
            errors=parsed.errors,
            page=found,
            actions=[(a, audit_log.action_label(a)) for a in audit_log.actions()],
            targets=[(t, gettext(label)) for t, label in audit_log.TARGETS.items()],
            sessions=sessions,
        ),
        status,
    )


@bp.get("/audit")
def audit():
    """Show who did what and when, newest first, filtered."""
    parsed = audit_log.parse(request.args)
    if parsed.errors:
        return _page(parsed, None, 400)
    return _page(parsed, audit_log.page(parsed.filters, current_user, after=request.args.get("after")))


def _export(extension: str):
    parsed = audit_log.parse(request.args)
    if parsed.errors:
        return _page(parsed, None, 400)
    return send(files.audit_log_file(parsed.filters, current_user, extension))


@bp.get("/audit.csv")
def audit_csv():
    """The filtered log as CSV (UTF-8 with BOM)."""
    return _export("csv")


@bp.get("/audit.xlsx")
def audit_xlsx():
    """The filtered log as an Excel workbook."""
    return _export("xlsx")
