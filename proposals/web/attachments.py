"""Attachments on the proposal pages: download for whoever may see the proposal, removal from a draft.

Files are added through the proposal form (proposals.new / proposals.edit). A download is always an
attachment (never shown inline), typed by its checked content, with nosniff, so that no upload can
run as a page of this site.
"""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from workflow import InvalidPayload, PermissionDenied, StateConflict

from ..downloads import send_attachment
from ..errors import answer, handle_http_error
from ..i18n import translate, translate_error
from ..models import Attachment, Proposal
from ..operations import NotFound, remove_attachment
from ..operations.attachments import FIELD, MAX_ATTACHMENTS, MAX_SIZE, count_of, visible_attachment
from ..operations.reply_files import add_reply_files, visible_reply_file
from ..routing import is_api_request
from .proposals import load as load_proposal
from .proposals import load_for_page, render_detail

bp = Blueprint("attachments", __name__, url_prefix="/proposals")

# the largest request the application reads: five full attachments and the proposal's text
MAX_REQUEST = 55 * 1024 * 1024
KIND_LABELS = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "jpg": "JPEG", "png": "PNG"}


@bp.record_once
def _limit_request_size(state) -> None:
    if state.app.config.get("MAX_CONTENT_LENGTH") is None:
        state.app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(exc):
    """Say what the limits are (the form itself cannot be read back: the request was refused unread)."""
    if is_api_request() or request.blueprint != "proposals":  # (only the proposal form takes attachments)
        return handle_http_error(exc)
    same_site = request.referrer and request.referrer.startswith(request.host_url)
    back = request.referrer if same_site else url_for("auth.index")
    flash(gettext("The files you sent are too large."), "error")
    explanation = gettext(
        "Nothing was saved. Attach at most %(count)d files of at most %(mb)d MB each, then send the form again.",
        count=MAX_ATTACHMENTS,
        mb=MAX_SIZE // 1024 // 1024,
    )
    return answer(413, explanation, back=back)


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f}\u00a0MB"
    return f"{max(size // 1024, 1)}\u00a0KB"


@bp.app_template_global()
def attachment_kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


@bp.app_template_global()
def attachments_hint(proposal: Proposal | None) -> str:
    """The hint under the file input of the proposal form."""
    hint = gettext(
        "PDF, Word (.docx), Excel (.xlsx), JPEG or PNG; at most %(count)d files of %(mb)d MB each. "
        "If the form shows an error, choose the files again.",
        count=MAX_ATTACHMENTS,
        mb=MAX_SIZE // 1024 // 1024,
    )
    if proposal is not None:
        have = count_of(proposal.id)
        if have:
            hint += " " + gettext("This draft has %(have)d; remove them on the proposal's page.", have=have)
    return hint


def load(proposal_id: int, attachment_id: int) -> Attachment:
    """The attachment if the current user may see its proposal; 404 otherwise, never a hint."""
    try:
        return visible_attachment(current_user, proposal_id, attachment_id)
    except NotFound:
        abort(404)


@bp.get("/<int:proposal_id>/attachments/<int:attachment_id>")
@login_required
def download(proposal_id: int, attachment_id: int):
    """Send one attachment to someone who may see its proposal."""
    return send_attachment(load(proposal_id, attachment_id))


@bp.post("/<int:proposal_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove(proposal_id: int, attachment_id: int):
    """Remove one file from one's own draft."""
    attachment = load(proposal_id, attachment_id)
    name = attachment.filename
    try:
        remove_attachment(attachment.id, current_user)
    except NotFound:
        abort(404)
    except (StateConflict, PermissionDenied) as exc:
        flash(translate_error(exc), "error")
        return render_detail(load_proposal(proposal_id), status=409 if isinstance(exc, StateConflict) else 403)
    flash(gettext("Attachment removed: %(name)s.", name=name), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


# -- files sent with a reply (a scanned 答复函): operations/reply_files.py decides who adds and who reads


@bp.post("/<int:proposal_id>/reply-files")
@login_required
def add_to_reply(proposal_id: int):
    """The lead department adds files to the round's reply, before it goes out."""
    load_proposal(proposal_id)  # 404 for whoever may not view it
    uploads = [f for f in request.files.getlist(FIELD) if f and f.filename]
    if not uploads:
        flash(gettext("Choose at least one file."), "error")
        return render_detail(load_for_page(proposal_id), status=422)
    try:  # (CSRFProtect has already refused a POST without a valid token)
        rows = add_reply_files(proposal_id, current_user, uploads)
    except NotFound:
        abort(404)
    except InvalidPayload as exc:
        flash(" ".join([translate_error(exc), *(translate(m) for m in exc.fields.values())]), "error")
        return render_detail(load_for_page(proposal_id), status=422)
    except (StateConflict, PermissionDenied) as exc:
        flash(translate_error(exc), "error")
        return render_detail(load_for_page(proposal_id), status=409 if isinstance(exc, StateConflict) else 403)
    flash(gettext("Added to the reply: %(names)s.", names="、".join(r.filename for r in rows)), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


@bp.get("/<int:proposal_id>/reply-files/<int:file_id>")
@login_required
def download_reply_file(proposal_id: int, file_id: int):
    """Send one file of a reply to someone who may read it now."""
    try:
        return send_attachment(visible_reply_file(current_user, proposal_id, file_id))
    except NotFound:
        abort(404)
