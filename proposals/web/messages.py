"""The dialogue on the proposal page (留言/沟通): its section (templates/proposals/_messages.html), writing a
message with files, and downloading a message's file. The operations (operations/messages.py) decide who
may read and write and when; a refusal shows the proposal page again with the reason, nothing written."""

from typing import NamedTuple

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from workflow import InvalidPayload, PermissionDenied, StateConflict

from ..access import can_read_messages
from ..dialogue import Writer, writer
from ..downloads import send_attachment
from ..i18n import translate, translate_error
from ..models import Proposal, ProposalMessage
from ..operations import NotFound
from ..operations.attachments import FIELD, MAX_ATTACHMENTS, MAX_SIZE
from ..operations.messages import MAX_TEXT, may_write, messages_of, post_message, visible_message_file
from .proposals import load, load_for_page, render_detail

bp = Blueprint("messages", __name__, url_prefix="/proposals")


class Shown(NamedTuple):
    message: ProposalMessage
    writer: Writer
    own: bool


class Dialogue(NamedTuple):
    messages: list[Shown]
    may_write: bool
    max_text: int
    hint: str


@bp.app_template_global()
def dialogue_of(proposal: Proposal) -> Dialogue | None:
    """The dialogue as the current user may read it, or None when they take no part in it."""
    if not current_user.is_authenticated or not can_read_messages(current_user, proposal):
        return None
    shown = [Shown(m, writer(current_user, proposal, m), m.author_id == current_user.id) for m in messages_of(proposal)]
    hint = gettext(
        "PDF, Word (.docx), Excel (.xlsx), JPEG or PNG; at most %(count)d files of %(mb)d MB each.",
        count=MAX_ATTACHMENTS,
        mb=MAX_SIZE // 1024 // 1024,
    )
    return Dialogue(shown, may_write(current_user, proposal), MAX_TEXT, hint)


@bp.post("/<int:proposal_id>/messages")
@login_required
def write(proposal_id: int):
    """Write a message on the proposal; the other side is told."""
    proposal = load(proposal_id)
    uploads = [f for f in request.files.getlist(FIELD) if f and f.filename]
    try:  # (CSRFProtect has already refused a POST without a valid token)
        post_message(proposal.id, current_user, {"text": request.form.get("text")}, uploads)
    except NotFound:
        abort(404)
    except InvalidPayload as exc:
        flash(" ".join([translate_error(exc), *(translate(m) for m in exc.fields.values())]), "error")
        return render_detail(load_for_page(proposal_id), status=422)
    except (StateConflict, PermissionDenied) as exc:
        flash(translate_error(exc), "error")
        return render_detail(load_for_page(proposal_id), status=409 if isinstance(exc, StateConflict) else 403)
    flash(gettext("Your message has been sent; the other side is told."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id, _anchor="messages"))


@bp.get("/<int:proposal_id>/messages/files/<int:attachment_id>")
@login_required
def download(proposal_id: int, attachment_id: int):
    """Send one file of a message to someone who may read the proposal's dialogue."""
    try:
        return send_attachment(visible_message_file(current_user, proposal_id, attachment_id))
    except NotFound:
        abort(404)
