"""Congress sessions (届次/会次): the list, opening a new one, and changing its settings."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from workflow import InvalidPayload

from ... import stats
from ...extensions import db
from ...models import SETTING_DEFAULTS, CongressSession
from ...operations import create_session, edit_session
from ...operations.unions import authorize
from . import bp, scope
from .forms import SessionForm, show_errors


@bp.context_processor
def procedure_helpers() -> dict:
    """The presets and the lifecycle diagram, for the session form (templates/admin/_session_*.html)."""
    from ...lifecycle_diagram import svg
    from ...presets import PRESETS

    return {"presets": PRESETS, "lifecycle_svg": svg}


@bp.get("/sessions")
def sessions():
    """List the congress sessions, newest first, with how many proposals each has (drafts never count)."""
    counts = {row["session_id"]: row["total"] for row in stats.report()["by_session"]}
    within = scope.unions_where(CongressSession.union_id)
    rows = db.session.scalars(select(CongressSession).where(within).order_by(CongressSession.id.desc())).all()
    return render_template("admin/sessions.html", sessions=rows, counts=counts)


@bp.route("/sessions/new", methods=["GET", "POST"])
def new_session():
    """Open a new congress session with its settings (the defaults filled in)."""
    form = SessionForm(data=None if request.method == "POST" else SETTING_DEFAULTS)
    if request.method == "POST":
        try:
            session = create_session(form.payload(with_code=True), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_template("admin/session_form.html", form=form, session=None), 422
        flash(gettext("Session %(name)s created.", name=session.name), "success")
        return redirect(url_for("admin.sessions"))
    return render_template("admin/session_form.html", form=form, session=None)


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
def edit_session_page(session_id: int):
    """Change a session's name, dates and settings."""
    session = db.session.get(CongressSession, session_id) or abort(404)
    authorize(current_user, session.union_id)  # a sibling's sessions are not theirs (403)
    form = SessionForm(obj=session if request.method == "GET" else None)
    del form.code  # a session's code and union never change
    if "union_id" in form:
        del form.union_id
    if request.method == "POST":
        try:
            edit_session(session, form.payload(with_code=False), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_template("admin/session_form.html", form=form, session=session), 422
        flash(gettext("Settings of %(name)s saved.", name=session.name), "success")
        return redirect(url_for("admin.sessions"))
    return render_template("admin/session_form.html", form=form, session=session)
