"""Every API error as JSON with a readable `error` in the caller's language, and request parsing.

Refusals of the engine and the operations map to status codes here and only here: 403 may not,
404 may not know, 409 the state does not allow it (or a name or code is in use), 422 the payload is wrong.
"""

from flask import jsonify, request
from flask_babel import gettext
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound

from workflow import InvalidPayload, PermissionDenied, StateConflict, UnknownEvent, WorkflowError
from workflow.errors import N_
from workflow.payload import Field, message

from ..extensions import db
from ..i18n import translate, translate_error
from ..operations import NotFound
from ..operations.errors import Taken
from ..routing import is_api_request

STATUS = {
    Taken: 409,
    PermissionDenied: 403,
    NotFound: 404,
    UnknownEvent: 404,
    StateConflict: 409,
    InvalidPayload: 422,
}

# werkzeug's own HTTP errors, in words we can translate
HTTP_MESSAGES = {
    400: N_("The request is malformed."),
    401: N_("Sign in with a valid API token."),
    403: N_("You may not do this."),
    404: N_("Not found."),
    405: N_("This method is not allowed here."),
    413: N_("The request body is too large."),
    415: N_("Send the request body as JSON (Content-Type: application/json)."),
}


class ApiError(Exception):
    """An error of the API itself (authentication, request format), with its status and code."""

    def __init__(self, status: int, msgid: str, code: str, headers: dict | None = None, **params):
        super().__init__(msgid % params if params else msgid)
        self.status, self.msgid, self.code, self.headers, self.params = status, msgid, code, headers or {}, params


def unauthorized(msgid: str = HTTP_MESSAGES[401]) -> ApiError:
    return ApiError(401, msgid, "unauthorized", {"WWW-Authenticate": 'Bearer realm="api"'})


def error_response(status: int, text: str, code: str, headers: dict | None = None, **extra):
    response = jsonify({"error": text, "code": code, **extra})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def handle_api_error(exc: ApiError):
    return error_response(exc.status, gettext(exc.msgid, **exc.params), exc.code, exc.headers)


def handle_workflow_error(exc: WorkflowError):
    extra: dict = {}
    if isinstance(exc, InvalidPayload):
        extra["fields"] = {name: translate(msg) for name, msg in exc.fields.items()}
    if isinstance(exc, StateConflict):
        extra["state"] = exc.state
        extra["available_events"] = list(exc.available)
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    return error_response(status, translate_error(exc), exc.code, **extra)


def handle_http_error(exc: HTTPException):
    msgid = HTTP_MESSAGES.get(exc.code or 500, N_("The server could not answer this request."))
    headers = {"Allow": ", ".join(exc.valid_methods)} if isinstance(exc, MethodNotAllowed) and exc.valid_methods else {}
    return error_response(exc.code or 500, gettext(msgid), exc.name.lower().replace(" ", "_"), headers)


def handle_server_error(exc):
    db.session.rollback()
    return error_response(500, gettext(N_("The server could not answer this request.")), "server_error")


def unmatched_route():
    """Answer unknown API paths and methods in JSON; other paths are left to the application."""
    exc = request.routing_exception
    if isinstance(exc, RouteNotFound | MethodNotAllowed) and is_api_request():
        return handle_http_error(exc)
    return None


def register(bp) -> None:
    """Install the handlers on the blueprint (once, when the package is imported)."""
    bp.register_error_handler(ApiError, handle_api_error)
    bp.register_error_handler(WorkflowError, handle_workflow_error)
    bp.register_error_handler(HTTPException, handle_http_error)
    bp.register_error_handler(500, handle_server_error)
    bp.before_app_request(unmatched_route)


# -- reading requests ------------------------------------------------------------------------------


def json_body():
    """The request's JSON value; None for an empty body. Malformed or non-JSON bodies are refused (400)."""
    raw = request.get_data(cache=True)
    if not raw:
        return None
    if not request.is_json:
        raise ApiError(400, HTTP_MESSAGES[415], "unsupported_media_type")
    try:
        return request.get_json()
    except (BadRequest, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise ApiError(400, N_("The request body is not valid JSON."), "malformed_json") from None


def query(spec: dict[str, Field]) -> dict:
    """The query-string arguments named in `spec`, converted and checked; 422 naming each wrong one.

    Other arguments are ignored (`?lang=en` chooses the language, for one)."""
    values: dict = {}
    errors: dict = {}
    for name, field in spec.items():
        raw = request.args.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[name] = field.clean(_convert(field, raw))
        except ValueError as exc:
            errors[name] = message(*exc.args)
    if errors:
        raise InvalidPayload(errors)
    return values


def _convert(field: Field, raw: str):
    kind = field.describe().get("type")
    if kind == "integer":
        try:
            return int(raw, 10)
        except ValueError:
            return raw  # the field says why it is wrong
    if kind == "boolean":
        return {"true": True, "false": False, "1": True, "0": False}.get(raw.lower(), raw)
    return raw
