"""The OpenAPI 3.1 description of the API, built from the same field specs the operations validate with."""

import sys

from flask import jsonify

from workflow import LIFECYCLE
from workflow.predicates import REQUIREMENTS

from ..group_figures import UNION_RANKS
from ..operations import PROPOSAL_FIELDS
from ..operations.accounts import PASSWORD_CHANGE
from ..operations.admin import USER_FIELDS
from ..operations.calendar import FIRST_YEAR, LAST_YEAR
from ..operations.categories import CATEGORY_CHANGES, CATEGORY_FIELDS
from ..operations.drafts import EDITABLE
from ..operations.sessions import SESSION_FIELDS, SESSION_SETTINGS
from ..operations.units import GROUP_FIELDS, UNIT_FIELDS
from . import bp, openapi_pages
from .auth import CREDENTIALS
from .proposals import LIST_ARGS
from .schemas import DATE as DATE_SCHEMA
from .schemas import array, components, ref
from .stats import payload_schema

ID_PARAM_MAX = 2**31 - 1
DESCRIPTION = """The whole proposal lifecycle over HTTP; the pages and this API call the same operations.

Authenticate with `POST /auth/token`, then send `Authorization: Bearer TOKEN`. Tokens expire (see
`expires_at`) and `DELETE /auth/token` revokes one.

Errors are JSON with a readable `error` in the caller's language (Chinese unless `Accept-Language: en`)
and a `code`: 401 no valid token, 403 the caller may see the proposal but not do this, 404 it does not
exist or the caller may not know it does, 409 its state does not allow this (with `state` and
`available_events`) or a user name or code is taken (with `fields`), 422 invalid fields (with `fields`),
400 a body that is not JSON.

Lists are paged by a cursor: pass the `next_cursor` of a page as `cursor` for the next.

`/stats` counts the proposals the caller may see (never drafts); rates are fractions in [0, 1], or
null when nothing is in the denominator. On-time counts each proposal's first reply; outcome shares
each proposal's latest reply; `satisfaction_rate` the authors' final ratings and `cosigner_satisfaction_rate`
the co-signers' ratings (one a co-signer a handling round), which never move a proposal."""
ERRORS = {
    400: "The body is not JSON, or not valid JSON.",
    401: "No valid API token.",
    403: "The caller may see this but may not do it.",
    404: "Not found, or the caller may not know it exists.",
    409: (
        "The present state does not allow this, or a concurrent change won; `state` and `available_events` say"
        " more. Creating a user, unit or session: the user name or code is taken (`fields` names it)."
    ),
    413: "The request body is too large.",
    422: "Invalid fields; `fields` has a message for each.",
    429: "Too many failed password checks for this user name or from this address; wait `Retry-After` seconds.",
}


def _errors(*codes: int) -> dict:
    return {
        str(code): {"description": ERRORS[code], "content": {"application/json": {"schema": ref("Error")}}}
        for code in codes
    }


def _ok(schema: dict, status: int = 200, description: str = "OK") -> dict:
    return {str(status): {"description": description, "content": {"application/json": {"schema": schema}}}}


def _body(fields: dict, *, partial: bool = False) -> dict:
    schema = payload_schema(fields)
    if partial:
        schema["required"] = []
    return {"required": bool(schema["required"]), "content": {"application/json": {"schema": schema}}}


def _id(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1, "maximum": ID_PARAM_MAX},
    }


def _op(summary: str, responses: dict, *, body: dict | None = None, params=(), public: bool = False, **extra) -> dict:
    op = {"summary": summary, "responses": responses, **extra}
    if body is not None:
        op["requestBody"] = body
    if params:
        op["parameters"] = list(params)
    if public:
        op["security"] = []
    return op


def _query_params() -> list[dict]:
    descriptions = {
        "state": "Only proposals in this state.",
        "union_id": "Only proposals of this union's own sessions (404 naming no union).",
        "department_id": "Only proposals assigned (now) to this department, as lead or co-handler.",
        "category": "A category code.",
        "overdue": "Only overdue (true) or only not overdue (false) proposals.",
        "key": "Only key proposals (true) or only the others (false).",
        "q": "Text to look for in the title, reasons and measures.",
        "limit": "Page size, 20 unless told.",
        "cursor": "The `next_cursor` of the previous page.",
    }
    params = []
    for name, field in LIST_ARGS.items():
        schema = field.describe()
        if name == "cursor":
            schema = {"type": "string", "pattern": "^[1-9][0-9]{0,9}$"}
        params.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": schema,
                "description": descriptions.get(name, ""),
            }
        )
    return params


def _event_paths() -> dict:
    paths = {}
    for event in LIFECYCLE.events.values():
        if event.is_system:
            continue
        roles = ", ".join(event.who)
        sources = ", ".join(s for s in LIFECYCLE.states if s in event.sources)
        rules = "".join(
            f" `{name}`: asked, and required, only where the session's `{switch}` is on; sent elsewhere, refused (422)."
            for name, switch, _ in event.asked_if
        ) + "".join(f" `{name}`: required when `{when}` (422 without it)." for name, when, _ in event.required_if)
        refusals = " ".join(REQUIREMENTS[name][1] for name in event.requires)
        paths[f"/proposals/{{proposal_id}}/events/{event.name}"] = {
            "post": _op(
                f"Fire `{event.name}` ({event.label})",
                {
                    **_ok(ref("Proposal"), description="The proposal after the event."),
                    **_errors(400, 401, 403, 404, 409, 422),
                },
                body=_body(event.payload),
                params=[_id("proposal_id", "The proposal.")],
                description=f"Who: {roles}. From: {sources}."
                + rules
                + (f" Refused (409): {refusals}" if refusals else ""),
                tags=["events"],
            )
        }
    return paths


def document() -> dict:
    proposal_id = _id("proposal_id", "The proposal.")
    session_id = _id("session_id", "The congress session.")
    admin = {"tags": ["administration"], "description": "Union administrators only."}
    year = {
        "name": "year",
        "in": "path",
        "required": True,
        "description": "The calendar year.",
        "schema": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
    }
    calendar_body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "holidays": array(array(DATE_SCHEMA)),
                        "workdays": array(DATE_SCHEMA),
                    },
                    "required": ["holidays"],
                    "additionalProperties": False,
                }
            }
        },
    }
    paths = {
        "/auth/token": {
            "post": _op(
                "Exchange a user name and password for a bearer token",
                {
                    **_ok(ref("Token")),
                    **_errors(400, 401, 422, 429),
                    "503": {
                        "description": "The company directory (LDAP / Active Directory) cannot be reached, and "
                        "the account has no local password (code `directory_unavailable`).",
                        "content": {"application/json": {"schema": ref("Error")}},
                    },
                    "403": {
                        "description": "The account has an initial password: log in on the web page and change "
                        "it first (code `password_change_required`); or it logs in with a second factor and makes "
                        "its tokens on the web page (code `second_factor_required`).",
                        "content": {"application/json": {"schema": ref("Error")}},
                    },
                },
                body=_body(CREDENTIALS),
                public=True,
                description="A user has at most 10 live tokens: a new one revokes the oldest. An account with a "
                "second factor gets 403 (`second_factor_required`): it makes its tokens on the page 'My API tokens'.",
                tags=["auth"],
            ),
            "delete": _op(
                "Revoke the token this request is made with",
                {"204": {"description": "Revoked."}, **_errors(401)},
                tags=["auth"],
            ),
        },
        "/me": {"get": _op("The caller", {**_ok(ref("User")), **_errors(401)}, tags=["auth"])},
        "/me/password": {
            "post": _op(
                "Change the caller's password",
                {"204": {"description": "Changed."}, **_errors(400, 401, 422, 429)},
                body=_body(PASSWORD_CHANGE),
                description="The caller's other API tokens are revoked and its browser sessions end; "
                "this token keeps working. A wrong `current_password` counts as a failed login.",
                tags=["auth"],
            )
        },
        "/users": {
            "post": _op(
                "Create a user",
                {**_ok(ref("User"), 201), **_errors(400, 401, 403, 409, 422)},
                body=_body(USER_FIELDS),
                **admin,
            )
        },
        "/departments": {
            "get": _op("The departments", {**_ok(array(ref("Unit"))), **_errors(401)}, tags=["reference"]),
            "post": _op(
                "Create a department",
                {**_ok(ref("Unit"), 201), **_errors(400, 401, 403, 409, 422)},
                body=_body(UNIT_FIELDS),
                **admin,
            ),
        },
        "/delegations": {
            "get": _op("The delegations", {**_ok(array(ref("Unit"))), **_errors(401)}, tags=["reference"]),
            "post": _op(
                "Create a delegation",
                {**_ok(ref("Unit"), 201), **_errors(400, 401, 403, 409, 422)},
                body=_body(UNIT_FIELDS),
                **admin,
            ),
        },
        "/unions": {
            "get": _op(
                "The unions of the group, depth first from the company union",
                {**_ok(array(ref("Union"))), **_errors(401)},
                tags=["reference"],
            ),
            "post": _op(
                "Add a grassroots union",
                {**_ok(ref("Union"), 201), **_errors(400, 401, 403, 409, 422)},
                body=_body(GROUP_FIELDS),
                description="For the administrators of the parent union or of a union above it.",
                tags=["administration"],
            ),
        },
        "/sessions": {
            "get": _op(
                "The congress sessions, newest first",
                {**_ok(array(ref("Session"))), **_errors(401)},
                tags=["reference"],
            ),
            "post": _op(
                "Create a congress session",
                {**_ok(ref("Session"), 201), **_errors(400, 401, 403, 409, 422)},
                body=_body(SESSION_FIELDS),
                **admin,
            ),
        },
        "/sessions/{session_id}": {
            "get": _op(
                "A congress session",
                {**_ok(ref("Session")), **_errors(401, 404)},
                params=[session_id],
                tags=["reference"],
            ),
            "patch": _op(
                "Change a session's settings",
                {**_ok(ref("Session")), **_errors(400, 401, 403, 404, 422)},
                body=_body(SESSION_SETTINGS, partial=True),
                params=[session_id],
                **admin,
            ),
        },
        "/calendar/{year}": {
            "get": _op(
                "A year's working-day calendar",
                {**_ok(ref("CalendarYear")), **_errors(401, 403, 404)},
                params=[year],
                **admin,
            ),
            "put": _op(
                "Load a year's official holiday arrangement",
                {**_ok(ref("CalendarYear")), **_errors(400, 401, 403, 404, 422)},
                body=calendar_body,
                params=[year],
                **{
                    **admin,
                    "description": "Union administrators only. Replaces the year's arrangement; every open deadline "
                    "that counts days of the year is counted again from its start, with a history row on each "
                    "proposal whose deadline moved. A date outside the year, overlapping spans, or a working day "
                    "that is not a Saturday or Sunday or lies inside a holiday is refused (422) and changes nothing.",
                },
            ),
        },
        "/categories": {
            "get": _op(
                "The categories, retired ones included, in their order",
                {**_ok(array(ref("Category"))), **_errors(401)},
                tags=["reference"],
            ),
            "post": _op(
                "Add a category",
                {**_ok(ref("Category"), 201), **_errors(400, 401, 403, 409, 422)},
                body=_body(CATEGORY_FIELDS),
                **admin,
            ),
        },
        "/categories/{category_id}": {
            "patch": _op(
                "Rename, move or retire a category (its code never changes)",
                {**_ok(ref("Category")), **_errors(400, 401, 403, 404, 422)},
                body=_body(CATEGORY_CHANGES, partial=True),
                params=[_id("category_id", "The category.")],
                **admin,
            ),
        },
        "/proposals": {
            "get": _op(
                "The proposals the caller may see, newest first",
                {**_ok(ref("ProposalPage")), **_errors(401, 404, 422)},
                params=_query_params(),
                tags=["proposals"],
            ),
            "post": _op(
                "Start a draft",
                {**_ok(ref("Proposal"), 201), **_errors(400, 401, 422)},
                body=_body(PROPOSAL_FIELDS),
                tags=["proposals"],
            ),
        },
        "/proposals/{proposal_id}": {
            "get": _op(
                "A proposal", {**_ok(ref("Proposal")), **_errors(401, 404)}, params=[proposal_id], tags=["proposals"]
            ),
            "patch": _op(
                "Edit the caller's own draft",
                {**_ok(ref("Proposal")), **_errors(400, 401, 403, 404, 409, 422)},
                body=_body(EDITABLE, partial=True),
                params=[proposal_id],
                tags=["proposals"],
            ),
        },
        "/proposals/{proposal_id}/versions": {
            "get": _op(
                "Each submitted version of a proposal, oldest first",
                {**_ok(ref("ProposalVersions")), **_errors(401, 404)},
                params=[proposal_id],
                tags=["proposals"],
            ),
        },
        **_event_paths(),
        "/stats": {
            "get": _op(
                "The union's numbers over the proposals the caller may see (over the unions they oversee, if any)",
                {**_ok(ref("Stats")), **_errors(401, 404, 422)},
                params=[
                    {
                        "name": "session_id",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": ID_PARAM_MAX},
                    }
                ],
                tags=["reports"],
            )
        },
        "/stats/unions": {
            "get": _op(
                "Every union's figures side by side, ranked; with `union`, that union and those below it",
                {**_ok(ref("UnionFigures")), **_errors(401, 403, 404, 422)},
                params=[
                    {
                        "name": "union",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": ID_PARAM_MAX},
                        "description": "Drill down: this union and the unions below it, with its sessions.",
                    },
                    {
                        "name": "rank",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(UNION_RANKS), "default": UNION_RANKS[0]},
                    },
                ],
                description="For the committee, union administrators, supervisors and leaders, over the unions "
                "they oversee (theirs and those below it). Each union's figures are its sessions' together, "
                "over the proposals the caller may see; an escalated proposal counts where it went, and in "
                "`escalated` where it came from.",
                tags=["reports"],
            )
        },
        "/workflow": {
            "get": _op("The lifecycle definition", {**_ok(ref("Workflow")), **_errors(401)}, tags=["reports"])
        },
        "/openapi.json": {
            "get": _op("This description", _ok({"type": "object"}), public=True, tags=["reference"]),
        },
        **openapi_pages.paths(sys.modules[__name__]),
    }
    from .channels import openapi_paths
    from .messages import openapi_paths as message_paths
    from .reply_files import openapi_paths as reply_file_paths

    paths.update(openapi_paths(ref, _errors, _ok))
    paths.update(message_paths(sys.modules[__name__]))
    paths.update(reply_file_paths(sys.modules[__name__]))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Congress proposals API (职代会提案闭环管理)",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**components(), **openapi_pages.components()},
        },
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(document())
