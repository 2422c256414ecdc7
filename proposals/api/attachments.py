"""A proposal's attachments over HTTP: list and download for whoever may view the proposal now (access.can_view,
as the page download), upload and removal by the author while it is a draft (operations.attachments checks
kind, size, count, who and state, and writes the history row)."""

from flask import jsonify, request, url_for

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import message

from ..downloads import send_attachment
from ..models import Attachment
from ..operations import remove_attachment
from ..operations.attachments import FIELD, add_attachments, may_change, visible_attachment
from . import bp
from .auth import current_user
from .errors import ApiError
from .proposals import ID, _visible
from .serializers import iso


def attachment_json(attachment: Attachment) -> dict:
    # never who uploaded it: that is the author, whose name may be confidential
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": iso(attachment.created_at),
        "url": url_for("api.download_attachment", proposal_id=attachment.proposal_id, attachment_id=attachment.id),
    }


@bp.get(f"/proposals/<{ID}:proposal_id>/attachments")
def list_attachments(proposal_id: int):
    """The files of a proposal the caller may view, and whether the caller may change them now."""
    proposal = _visible(proposal_id)
    return jsonify(
        {
            "items": [attachment_json(a) for a in proposal.attachments],
            "may_change": may_change(proposal, current_user()),
        }
    )


def _uploads() -> list:
    if request.mimetype != "multipart/form-data":
        raise ApiError(
            400,
            N_("Send the files as multipart/form-data, each in the field “attachments”."),
            "unsupported_media_type",
        )
    uploads = [f for f in request.files.getlist(FIELD) if f.filename]
    if not uploads:
        raise InvalidPayload({FIELD: message(N_("Choose at least one file."))})
    return uploads


@bp.post(f"/proposals/<{ID}:proposal_id>/attachments")
def upload_attachments(proposal_id: int):
    """Attach files to the caller's own draft: all of them, or none when one is refused."""
    _visible(proposal_id)
    rows = add_attachments(proposal_id, current_user(), _uploads())
    response = jsonify([attachment_json(a) for a in rows])
    response.status_code = 201
    return response


@bp.get(f"/proposals/<{ID}:proposal_id>/attachments/<{ID}:attachment_id>")
def download_attachment(proposal_id: int, attachment_id: int):
    """The file itself, as the page sends it: a download under its original name, with nosniff."""
    return send_attachment(visible_attachment(current_user(), proposal_id, attachment_id))


@bp.delete(f"/proposals/<{ID}:proposal_id>/attachments/<{ID}:attachment_id>")
def delete_attachment(proposal_id: int, attachment_id: int):
    """Remove a file from the caller's own draft; the history keeps what it was."""
    attachment = visible_attachment(current_user(), proposal_id, attachment_id)
    remove_attachment(attachment.id, current_user())
    return "", 204
