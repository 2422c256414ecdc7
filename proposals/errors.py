"""Every refused or failed request, answered by one handler: a page in the reader's language, or the API's
JSON, with the same status and the same message.

The status of each refusal of the engine and the operations is set here and only here (403 may not, 404
may not know, 409 the state does not allow it or a name or code is in use, 422 the payload is wrong), and
so is the message of each HTTP status that carries none of its own. A blueprint with something better to
say for a status (the administration's "no such record") answers through `answer` as well, so there is
one kind of error page.
"""

from flask import Flask, jsonify, make_response, render_template
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from workflow import InvalidPayload, PermissionDenied, StateConflict, UnknownEvent, WorkflowError
from workflow.errors import N_

from .extensions import db
from .i18n import translate, translate_error
from .operations.errors import NotFound, Taken
from .routing import is_api_request

STATUS = {
    Taken: 409,
    PermissionDenied: 403,
    NotFound: 404,
    UnknownEvent: 404,
    StateConflict: 409,
    InvalidPayload: 422,
}

# status: (a page's heading, the message of both, what a page adds on what to do), as msgids
HTTP = {
    400: (
        N_("The request could not be understood"),
        N_("The request is malformed."),
        N_("Please go back, check what you sent and try again."),
    ),  # noqa: E501
    401: (N_("Not signed in"), N_("Sign in with a valid API token."), None),
    403: (N_("Not allowed"), N_("Your roles do not allow this page or action."), None),
    404: (N_("Not found."), N_("There is no such page, or you may not see it."), None),
    405: (N_("Not possible here"), N_("This address does not take that kind of request."), None),
    409: (N_("Not possible now"), N_("This cannot be done in the present state."), None),
    413: (N_("Too much data"), N_("The request body is too large."), None),
    415: (
        N_("The request could not be understood"),
        N_("Send the request body as JSON (Content-Type: application/json)."),
        None,
    ),  # noqa: E501
    422: (N_("Not possible with these values"), N_("Some of what was sent is wrong."), None),
    500: (
        N_("Something went wrong"),
        N_("The server could not answer this request."),
        N_("Nothing was changed. Please try again in a moment."),
    ),  # noqa: E501
}
OTHER = (N_("The request could not be answered"), N_("The server could not answer this request."), None)


class Refusal(Exception):
    """A refusal with its own status, message (msgid and values) and code: the API's authentication and
    request-format errors (proposals.api.errors.ApiError)."""

    def __init__(self, status: int, msgid: str, code: str, headers: dict | None = None, **params):
        super().__init__(msgid % params if params else msgid)
        self.status, self.msgid, self.code, self.headers, self.params = status, msgid, code, headers or {}, params


def status_of(exc: WorkflowError) -> int:
    return next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)


def answer(
    status: int,
    text: str | None = None,
    code: str | None = None,
    *,
    headers: dict | None = None,
    heading: str | None = None,
    back: str | None = None,
    **extra,
):
    """The answer to a refused request: JSON for the API ({"error", "code", and `extra`}), else the error
    page (with `heading` and a link `back` where told). Without `text`, the status's own message."""
    own_heading, message, advice = HTTP.get(status, OTHER)
    text = text if text is not None else gettext(message)
    if is_api_request():
        code = code or HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")
        response = jsonify({"error": text, "code": code, **extra})
    else:
        heading = heading or gettext(own_heading)
        advice = gettext(advice) if advice else None
        page = render_template("error.html", status=status, heading=heading, text=text, advice=advice, back=back)
        response = make_response(page)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def handle_refusal(exc: Refusal):
    return answer(exc.status, gettext(exc.msgid, **exc.params), exc.code, headers=exc.headers)


def handle_workflow_error(exc: WorkflowError):
    extra: dict = {}
    if is_api_request():
        if isinstance(exc, InvalidPayload):
            extra["fields"] = {name: translate(msg) for name, msg in exc.fields.items()}
        if isinstance(exc, StateConflict):
            extra["state"] = exc.state
            extra["available_events"] = list(exc.available)
    return answer(status_of(exc), translate_error(exc), exc.code, **extra)


def handle_http_error(exc: HTTPException):
    if exc.response is not None:  # abort(response): the answer is made already
        return exc.response
    status = exc.code or 500
    if status >= 500:
        return handle_server_error(exc)
    headers = {"Allow": ", ".join(exc.valid_methods)} if isinstance(exc, MethodNotAllowed) and exc.valid_methods else {}
    return answer(status, None, exc.name.lower().replace(" ", "_"), headers=headers)


def handle_server_error(_exc):
    db.session.rollback()
    return answer(500, None, "server_error")


def init_app(app: Flask) -> None:
    app.register_error_handler(Refusal, handle_refusal)
    app.register_error_handler(WorkflowError, handle_workflow_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
