"""A proposal's dialogue over HTTP (留言/沟通): read it, write to it, download its files.

For whoever may view the proposal and takes part in its dialogue (access.can_read_messages: 404 for
whom may not view it, 403 for the others); written from acceptance until closure (409 outside), with
text (422 when empty or too long) and files checked as a proposal's attachments are. The operations
(operations/messages.py) decide all of it; this reads the request and serializes.
"""

from flask import jsonify, request

from workflow.errors import N_

from ..dialogue import message_json
from ..downloads import send_attachment
from ..models import ATTACHMENT_TYPES
from ..operations.attachments import FIELD, MAX_ATTACHMENTS, MAX_SIZE
from ..operations.messages import MESSAGE_FIELDS, messages_of, post_message, readable, visible_message_file
from . import bp
from .auth import current_user
from .errors import ApiError, json_body
from .proposals import ID


@bp.get(f"/proposals/<{ID}:proposal_id>/messages")
def list_messages(proposal_id: int):
    """The proposal's messages, oldest first, as the caller may read them."""
    user = current_user()
    proposal = readable(user, proposal_id)
    return jsonify({"items": [message_json(user, proposal, m) for m in messages_of(proposal)]})


def _message_request() -> tuple[object, list]:
    """(the fields, the files) of a JSON or a multipart/form-data request."""
    if request.mimetype == "multipart/form-data":
        # (its other parts are ignored, as the page's form does: only the text and the files are read)
        return {"text": request.form.get("text")}, [f for f in request.files.getlist(FIELD) if f.filename]
    if request.get_data(cache=True) and not request.is_json:
        raise ApiError(
            400, N_("Send the message as JSON, or as multipart/form-data with its files."), "unsupported_media_type"
        )
    return json_body(), []


@bp.post(f"/proposals/<{ID}:proposal_id>/messages")
def write_message(proposal_id: int):
    """Write a message on the proposal; the other side is told."""
    user = current_user()
    readable(user, proposal_id)  # 404 / 403 before anything of the request is read
    data, uploads = _message_request()
    row = post_message(proposal_id, user, data, uploads)
    proposal = readable(user, proposal_id)
    response = jsonify(message_json(user, proposal, row))
    response.status_code = 201
    return response


@bp.get(f"/proposals/<{ID}:proposal_id>/messages/files/<{ID}:attachment_id>")
def download_message_file(proposal_id: int, attachment_id: int):
    """A file of a message, as the proposal's attachments are sent: a download, with nosniff."""
    return send_attachment(visible_message_file(current_user(), proposal_id, attachment_id))


def openapi_paths(h) -> dict:
    """The OpenAPI description of these routes (api/openapi.py adds them); `h` is openapi.py."""
    string, integer = {"type": "string"}, {"type": "integer"}
    attachment = {
        "type": "object",
        "properties": {"id": integer, "filename": string, "size": integer, "url": string},
        "required": ["id", "filename", "size", "url"],
    }
    item = {
        "type": "object",
        "properties": {
            "id": integer,
            "author": {
                "type": "object",
                "description": "Who wrote: their name, or masked (`提案人` for a confidential author, the department "
                "for a department's staff) as the rest of the proposal masks for the caller.",
                "properties": {"name": string, "masked": {"type": "boolean"}},
                "required": ["name", "masked"],
            },
            "side": {"type": "string", "enum": ["author", "handling"]},
            "text": string,
            "created_at": {"type": "string", "format": "date-time"},
            "attachments": {"type": "array", "items": attachment},
        },
        "required": ["id", "author", "side", "text", "created_at", "attachments"],
    }
    text = MESSAGE_FIELDS["text"].describe()
    json_body_schema = {
        "type": "object",
        "properties": {"text": text},
        "required": ["text"],
        "additionalProperties": False,
    }
    multipart = {
        "type": "object",
        "properties": {
            "text": text,
            FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}},
        },
        "required": ["text"],
    }
    proposal_id = h._id("proposal_id", "The proposal.")
    attachment_id = h._id("attachment_id", "The file of a message.")
    tags = ["messages"]
    return {
        "/proposals/{proposal_id}/messages": {
            "get": h._op(
                "The dialogue on a proposal (留言/沟通)",
                {
                    **h._ok(
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": item}},
                            "required": ["items"],
                        }
                    ),
                    **h._errors(401, 403, 404),
                },
                params=[proposal_id],
                tags=tags,
                description="For the author, the co-signers, the assigned departments, the committee and the "
                "supervisors (403 for others who may view the proposal); never disclosed.",
            ),
            "post": h._op(
                "Write a message on a proposal",
                {**h._ok(item, 201), **h._errors(400, 401, 403, 404, 409, 413, 422)},
                body={
                    "required": True,
                    "content": {
                        "application/json": {"schema": json_body_schema},
                        "multipart/form-data": {"schema": multipart},
                    },
                },
                params=[proposal_id],
                tags=tags,
                description=f"From acceptance until closure (409 otherwise). Text of at most {text['maxLength']} "
                f"characters (422 when empty or longer); as multipart/form-data, with at most {MAX_ATTACHMENTS} "
                f"files of at most {MAX_SIZE // 1024 // 1024} MB each in `{FIELD}` (PDF, Word, Excel, JPEG or PNG, "
                "recognised by their content). The other side is notified, without the text.",
            ),
        },
        "/proposals/{proposal_id}/messages/files/{attachment_id}": {
            "get": h._op(
                "Download a file of a message",
                {
                    "200": {
                        "description": "The file, as a download (Content-Disposition: attachment).",
                        "content": {
                            m: {"schema": {"type": "string", "format": "binary"}} for m in ATTACHMENT_TYPES.values()
                        },
                    },
                    **h._errors(401, 404),
                },
                params=[proposal_id, attachment_id],
                tags=tags,
            )
        },
    }
