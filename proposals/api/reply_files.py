"""Files sent with a reply (a scanned 答复函) over HTTP: the lead department uploads them before the round's
reply goes out; they are listed with the draft (`reply_draft.attachments`) and with the released reply
(`reply.attachments`), and downloaded by whoever may read them now (operations/reply_files.py decides)."""

from flask import jsonify

from ..downloads import send_attachment
from ..models import ATTACHMENT_TYPES
from ..operations.attachments import FIELD, MAX_ATTACHMENTS, MAX_SIZE
from ..operations.reply_files import add_reply_files, visible_reply_file
from . import bp
from .attachments import _uploads
from .auth import current_user
from .proposals import ID, _visible
from .serializers import reply_file_json


@bp.post(f"/proposals/<{ID}:proposal_id>/reply-files")
def upload_reply_files(proposal_id: int):
    """Add files to the present round's reply, before it goes out (the lead department)."""
    user = current_user()
    _visible(proposal_id)  # 404 before anything of the request is read
    rows = add_reply_files(proposal_id, user, _uploads())  # (read as a proposal's attachments are)
    response = jsonify({"items": [reply_file_json(r) for r in rows]})
    response.status_code = 201
    return response


@bp.get(f"/proposals/<{ID}:proposal_id>/reply-files/<{ID}:file_id>")
def download_reply_file(proposal_id: int, file_id: int):
    """A file of a reply, as a download: for its draft's readers until the reply is out, then the reply's."""
    return send_attachment(visible_reply_file(current_user(), proposal_id, file_id))


def openapi_paths(h) -> dict:
    """The OpenAPI description of these routes (api/openapi.py adds them); `h` is openapi.py."""
    item = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "filename": {"type": "string"},
            "kind": {"type": "string", "enum": list(ATTACHMENT_TYPES)},
            "size": {"type": "integer"},
            "uploaded_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string"},
        },
        "required": ["id", "filename", "kind", "size", "uploaded_at", "url"],
    }
    proposal_id = h._id("proposal_id", "The proposal.")
    tags = ["events"]
    multipart = {
        "type": "object",
        "properties": {FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}}},
        "required": [FIELD],
    }
    return {
        "/proposals/{proposal_id}/reply-files": {
            "post": h._op(
                "Add files to the reply (答复函)",
                {
                    **h._ok({"type": "object", "properties": {"items": {"type": "array", "items": item}}}, 201),
                    **h._errors(400, 401, 403, 404, 409, 413, 422),
                },
                body={"required": True, "content": {"multipart/form-data": {"schema": multipart}}},
                params=[proposal_id],
                tags=tags,
                description=f"By the lead department while the proposal is in progress and the round's reply has "
                f"not gone out (409 otherwise; 403 for others): at most {MAX_ATTACHMENTS} files of at most "
                f"{MAX_SIZE // 1024 // 1024} MB each in `{FIELD}` (PDF, Word, Excel, JPEG or PNG, recognised by "
                "their content). Listed in `reply_draft.attachments` for those who see handling records, and in "
                "`reply.attachments` once the reply is out.",
            )
        },
        "/proposals/{proposal_id}/reply-files/{file_id}": {
            "get": h._op(
                "Download a file of a reply",
                {
                    "200": {
                        "description": "The file, as a download (Content-Disposition: attachment).",
                        "content": {
                            m: {"schema": {"type": "string", "format": "binary"}} for m in ATTACHMENT_TYPES.values()
                        },
                    },
                    **h._errors(401, 404),
                },
                params=[proposal_id, h._id("file_id", "The file of a reply.")],
                tags=tags,
            )
        },
    }
