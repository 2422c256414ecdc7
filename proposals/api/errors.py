"""The API's own refusals (authentication, request format) and request parsing.

Every error is answered by the application's one handler (proposals/errors.py): JSON here, with a readable
`error` in the caller's language, the status its table gives.
"""

from flask import request
from werkzeug.exceptions import BadRequest, MethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import Field, message

from ..errors import HTTP, STATUS, Refusal, handle_http_error  # noqa: F401  (STATUS: where it was)
from ..routing import is_api_request

# the words of the statuses the API's own refusals use (the one table: proposals/errors.py)
HTTP_MESSAGES = {status: message for status, (_heading, message, _advice) in HTTP.items()}


class ApiError(Refusal):
    """An error of the API itself (authentication, request format), with its status and code."""


def unauthorized(msgid: str = HTTP_MESSAGES[401]) -> ApiError:
    return ApiError(401, msgid, "unauthorized", {"WWW-Authenticate": 'Bearer realm="api"'})


def unmatched_route():
    """Answer unknown API paths and methods before any other hook looks at them; other paths are left
    to the application."""
    exc = request.routing_exception
    if isinstance(exc, RouteNotFound | MethodNotAllowed) and is_api_request():
        return handle_http_error(exc)
    return None


def register(bp) -> None:
    """Install the hook on the blueprint (once, when the package is imported); the errors themselves are
    answered by the application's one handler (proposals/errors.py)."""
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
