"""The OpenAPI paths and schemas of what the pages do beyond proposals and reference data: notifications,
attachments, the outstanding-proposal vote, the reports' files, the audit log, imports and sign-in
slips, the administration's changes, and the caller's own tokens and data. Built from the same field
specs the operations validate with; openapi.document() merges them in."""

from ..auth.activation import ISSUE_FIELDS
from ..models import ATTACHMENT_TYPES, JOB_STATES
from ..operations.admin import USER_CHANGES
from ..operations.attachments import FIELD, MAX_ATTACHMENTS, MAX_SIZE
from ..operations.calendar import OVERRIDE_FIELDS
from ..operations.thresholds import FIELDS as THRESHOLD_FIELDS
from ..operations.units import UNION_FIELDS, UNIT_CHANGES
from ..operations.votes import BEFORE, CLOSED, OPEN, UNSET
from ..reports import audit_log, imports
from .administration import NEW_PASSWORD
from .exports import EDITION_ARG, GROUP_COMPILATION_ARGS, LEDGER_ARGS
from .notifications import LIST_ARGS as NOTIFICATION_ARGS
from .schemas import BOOL, COUNT, DATE, ID, INT, MOMENT, STR, array, described, nullable, obj, ref

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BINARY = {"type": "string", "format": "binary"}
ID_MAX = 2**31 - 1
PERCENT = {"type": "integer", "minimum": 0, "maximum": 100}


def components() -> dict:
    window = {"type": "string", "enum": [UNSET, BEFORE, OPEN, CLOSED]}
    vote_session = obj(
        {
            "id": ID,
            "name": STR,
            "vote_start": nullable(DATE),
            "vote_end": nullable(DATE),
            "vote_limit": COUNT,
            "window": described(window, "Where today stands to the voting window (China-local dates)."),
        }
    )
    vote_proposal = {
        "id": ID,
        "number": nullable(ID),
        "title": STR,
        "author": described(nullable(ref("Person")), "null where the caller may not know a confidential author."),
        "own": described(BOOL, "The caller's own proposal (never voted for by its author)."),
        "outcome": described(nullable(STR), "The class of the reply in force (A, B or C)."),
        "rating": described(nullable(STR), "The author's final rating (no_response: none within the time)."),
    }
    return {
        "Notification": obj(
            {
                "id": ID,
                "event": STR,
                "text": described(STR, "The sentence, naming the proposal as the caller may read it now."),
                "proposal_id": nullable(ID),
                "proposal_title": described(
                    nullable(STR), "The title if the caller may view the proposal now, else a neutral reference."
                ),
                "can_open": described(BOOL, "Whether the caller may view the proposal now."),
                "due": described(nullable(DATE), "The deadline of a reminder or overdue notice."),
                "read": BOOL,
                "read_at": nullable(MOMENT),
                "created_at": MOMENT,
            }
        ),
        "NotificationPage": obj(
            {
                "items": array(ref("Notification")),
                "total": described(COUNT, "How many there are in all (with ?unread=true: unread ones)."),
                "unread": COUNT,
                "page": ID,
                "pages": ID,
            }
        ),
        "Attachment": obj(
            {
                "id": ID,
                "filename": STR,
                "kind": {"type": "string", "enum": list(ATTACHMENT_TYPES)},
                "content_type": {"type": "string", "enum": list(ATTACHMENT_TYPES.values())},
                "size": ID,
                "sha256": STR,
                "uploaded_at": MOMENT,
                "url": described(STR, "Where to download it."),
            }
        ),
        "Attachments": obj(
            {
                "items": array(ref("Attachment")),
                "may_change": described(BOOL, "The caller may add and remove files now (the author, on a draft)."),
            }
        ),
        "VoteSession": vote_session,
        "DashboardThresholds": obj(
            {
                "green": described(PERCENT, "A rate shows green from this percentage."),
                "amber": described(PERCENT, "A rate shows amber from this percentage, red below."),
            }
        ),
        "Ballot": obj(
            {
                "session": described(nullable(ref("VoteSession")), "null when no vote has been scheduled."),
                "candidates": array(obj({**vote_proposal, "voted": BOOL})),
                "votes_left": COUNT,
                "may_vote": BOOL,
                "delegate": BOOL,
            }
        ),
        "VoteResults": obj(
            {
                "session": nullable(ref("VoteSession")),
                "published": BOOL,
                "published_at": nullable(MOMENT),
                "rows": described(
                    nullable(
                        array(
                            obj(
                                {
                                    "rank": described(nullable(ID), "null for a proposal nobody voted for."),
                                    "votes": COUNT,
                                    "proposal": obj(vote_proposal),
                                }
                            )
                        )
                    ),
                    "null until voting has closed (the counts stay hidden); provisional until published.",
                ),
                "may_publish": BOOL,
            }
        ),
        "AuditPage": obj(
            {
                "items": array(
                    obj(
                        {
                            "at": described(MOMENT, "China time."),
                            "actor": STR,
                            "actor_username": nullable(STR),
                            "action": STR,
                            "action_label": STR,
                            "target": STR,
                            "proposal_id": nullable(INT),
                            "details": STR,
                            "address": nullable(STR),
                        }
                    )
                ),
                "next_cursor": described(nullable(STR), "Pass as `after` for the next page; null on the last."),
            }
        ),
        "PasswordGiven": obj(
            {
                "user": ref("User"),
                "generated_password": described(nullable(STR), "The generated initial password, answered once."),
            }
        ),
        "CalendarOverride": obj({"id": ID, "day": DATE, "working": BOOL, "note": nullable(STR)}),
        "Retried": obj({"id": ID, "state": STR, "next_attempt_at": nullable(MOMENT)}),
        "ApiTokenInfo": obj(
            {
                "id": ID,
                "created_at": MOMENT,
                "expires_at": MOMENT,
                "revoked_at": nullable(MOMENT),
                "current": described(BOOL, "The token of this request."),
            }
        ),
        "Imported": obj(
            {
                "kind": {"type": "string", "enum": list(imports.KINDS)},
                "users_created": COUNT,
                "users_updated": COUNT,
                "units_created": COUNT,
                "units_renamed": COUNT,
                "awaiting_activation": described(COUNT, "New users without a password (roster): to activate."),
                "proposals_created": array(ID),
                "states": {"type": "object", "additionalProperties": COUNT},
                "ignored_columns": array(STR),
                "slips_id": described(
                    nullable(ID),
                    "The activation slips of the people created without a password (roster), to take once.",
                ),
            },
            required=["kind", "ignored_columns", "slips_id"],
        ),
        "Checked": obj(
            {
                "kind": {"type": "string", "enum": list(imports.KINDS)},
                "checked": described(COUNT, "The rows checked: nothing wrong with any, nothing written."),
                "ignored_columns": array(STR),
            }
        ),
        "ImportRefused": obj(
            {
                "error": STR,
                "code": {"const": "import_refused"},
                "problems": array(obj({"row": nullable(INT), "column": nullable(STR), "message": STR})),
            }
        ),
        "ImportJob": obj(
            {
                "id": ID,
                "kind": {"type": "string", "enum": list(imports.KINDS)},
                "filename": STR,
                "check_only": described(BOOL, "Only checked: nothing is written."),
                "state": described(
                    {"type": "string", "enum": list(JOB_STATES)},
                    "queued (waiting for the worker), checking (the whole file), running (written in one "
                    "transaction), done, failed (nothing was written).",
                ),
                "rows_done": described(COUNT, "Of the current step: rows checked, then rows written."),
                "rows_total": nullable(COUNT),
                "result": described(
                    nullable({"type": "object"}),
                    "When done: what the import did, as POST /imports/{kind} answers it (or, checked only, "
                    "`checked`: the rows checked).",
                ),
                "problems": described(
                    array(obj({"row": nullable(INT), "column": nullable(STR), "message": STR})),
                    "When failed: every problem, by row and column.",
                ),
                "created_at": MOMENT,
                "started_at": nullable(MOMENT),
                "finished_at": nullable(MOMENT),
            }
        ),
        "ActivationCodes": obj(
            {
                "count": COUNT,
                "codes": described(
                    array(
                        obj(
                            {
                                "user_id": ID,
                                "username": STR,
                                "name": STR,
                                "code": described(STR, "The activation code, as printed: XXXX-XXXX-XXXX."),
                                "link_token": described(STR, "What the link /activate/{link_token} carries."),
                                "expires_at": MOMENT,
                            }
                        )
                    ),
                    "The codes, in this answer only: the server keeps their HMAC alone.",
                ),
                "sent": nullable(obj({"email": COUNT, "sms": COUNT, "messenger": COUNT, "unreachable": COUNT})),
                "unreachable": described(COUNT, "Chosen people no code could be sent to (none was issued them)."),
            }
        ),
        "PendingSlips": array(obj({"id": ID, "count": ID, "created_at": MOMENT})),
        "Slips": array(
            obj(
                {
                    "name": STR,
                    "username": STR,
                    "activation_code": described(STR, "The activation code (slips of codes)."),
                    "expires_at": described(nullable(MOMENT), "Until when the code works."),
                    "initial_password": described(STR, "The initial password (slips made before codes)."),
                },
                required=["name", "username"],
            )
        ),
    }


def paths(h) -> dict:
    """The paths; `h` is openapi.py, whose helpers (_op, _ok, _errors, _body, _id) they are built with."""
    proposal_id = h._id("proposal_id", "The proposal.")
    session_id = h._id("session_id", "The congress session.")
    attachment_id = h._id("attachment_id", "The attachment.")
    user_id = h._id("user_id", "The account.")
    unit_id = h._id("unit_id", "The department or delegation.")
    admin = {"tags": ["administration"], "description": "Union administrators only."}
    ok, errors, op, body = h._ok, h._errors, h._op, h._body

    def no_content(text: str) -> dict:
        return {"204": {"description": text}}

    def file(*mimetypes: str, description: str = "The file, as a download (Content-Disposition: attachment).") -> dict:
        return {"200": {"description": description, "content": {m: {"schema": BINARY} for m in mimetypes}}}

    def params(spec: dict, descriptions: dict | None = None) -> list[dict]:
        descriptions = descriptions or {}
        return [
            {
                "name": n,
                "in": "query",
                "required": False,
                "schema": f.describe(),
                "description": descriptions.get(n, ""),
            }
            for n, f in spec.items()
        ]

    def multipart(field: str, text: str, *, many: bool) -> dict:
        schema = array(BINARY) if many else BINARY
        return {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {field: described(schema, text)},
                        "required": [field],
                    }
                }
            },
        }

    import_body = multipart("file", "An .xlsx or .csv file.", many=False)
    import_body["content"]["multipart/form-data"]["schema"]["properties"]["check_only"] = described(
        {"type": "string", "enum": ["true", "false"]}, "`true`: only check the file; nothing is written."
    )

    session_param = [
        {
            "name": "session_id",
            "in": "query",
            "required": False,
            "description": "The session; else the one whose vote is open, or the latest.",
            "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
        }
    ]
    audit_params = [
        {
            "name": "actor",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
            "description": "A user name.",
        },
        {
            "name": "action",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": audit_log.actions()},
        },
        {"name": "start", "in": "query", "required": False, "schema": DATE, "description": "From (China date)."},
        {"name": "end", "in": "query", "required": False, "schema": DATE, "description": "To (China date)."},
        {
            "name": "target",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(audit_log.TARGETS)},
        },
        *(
            {
                "name": n,
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 0, "maximum": ID_MAX},
            }
            for n in ("target_id", "session", "number")
        ),
    ]
    reports = {"tags": ["reports"]}
    mine = {"tags": ["me"]}
    ledger_params = params(
        LEDGER_ARGS,
        {
            "lead": "With department_id: only where it is the lead department.",
            "union_id": "Only proposals of this union's own sessions; the file is named after it.",
            "q": "Text in the title, reasons or measures, or the number.",
        },
    )
    slips_id = h._id("slips_id", "The kept sign-in slips.")
    return {
        # -- notifications
        "/notifications": {
            "get": op(
                "The caller's notifications, newest first, a page at a time",
                {**ok(ref("NotificationPage")), **errors(401, 404, 422)},
                params=params(NOTIFICATION_ARGS, {"page": "The page, 1 unless told.", "unread": "Only unread ones."}),
                tags=["notifications"],
                description="20 to a page; a page beyond the last is 404.",
            )
        },
        "/notifications/unread-count": {
            "get": op(
                "How many of the caller's notifications are unread",
                {**ok(obj({"unread": COUNT})), **errors(401)},
                tags=["notifications"],
            )
        },
        "/notifications/{notification_id}/read": {
            "post": op(
                "Mark one of the caller's notifications as read",
                {**ok(ref("Notification")), **errors(401, 404)},
                params=[h._id("notification_id", "The notification (the caller's own).")],
                tags=["notifications"],
            )
        },
        "/notifications/read-all": {
            "post": op(
                "Mark every notification of the caller as read",
                {**ok(obj({"marked": COUNT})), **errors(401)},
                tags=["notifications"],
            )
        },
        # -- attachments
        "/proposals/{proposal_id}/attachments": {
            "get": op(
                "The files of a proposal",
                {**ok(ref("Attachments")), **errors(401, 404)},
                params=[proposal_id],
                tags=["attachments"],
            ),
            "post": op(
                "Attach files to the caller's own draft",
                {**ok(array(ref("Attachment")), 201), **errors(400, 401, 403, 404, 409, 413, 422)},
                body=multipart(FIELD, "One or more files.", many=True),
                params=[proposal_id],
                tags=["attachments"],
                description=f"PDF, Word (.docx), Excel (.xlsx), JPEG or PNG, recognised by their content; at most "
                f"{MAX_ATTACHMENTS} files per proposal of at most {MAX_SIZE // 1024 // 1024} MB each. The author "
                "only (403), while it is a draft (409). One refused file refuses all (422, on `attachments`).",
            ),
        },
        "/proposals/{proposal_id}/attachments/{attachment_id}": {
            "get": op(
                "Download a file",
                {**file(*ATTACHMENT_TYPES.values()), **errors(401, 404)},
                params=[proposal_id, attachment_id],
                tags=["attachments"],
                description="For whoever may view the proposal now; under its original name, with nosniff.",
            ),
            "delete": op(
                "Remove a file from the caller's own draft",
                {**no_content("Removed."), **errors(401, 403, 404, 409)},
                params=[proposal_id, attachment_id],
                tags=["attachments"],
            ),
        },
        # -- the vote
        "/votes": {
            "get": op(
                "What the caller may vote for in a session's outstanding-proposal vote",
                {**ok(ref("Ballot")), **errors(401, 404, 422)},
                params=session_param,
                tags=["votes"],
            )
        },
        "/votes/{proposal_id}": {
            "post": op(
                "Vote for an outstanding proposal",
                {**ok(ref("Ballot"), 201), **errors(401, 403, 404, 409)},
                params=[proposal_id],
                tags=["votes"],
                description="Delegates, while voting is open, within the session's vote limit, never for their own.",
            ),
            "delete": op(
                "Withdraw one's vote for a proposal",
                {**ok(ref("Ballot")), **errors(401, 403, 404, 409)},
                params=[proposal_id],
                tags=["votes"],
            ),
        },
        "/votes/results": {
            "get": op(
                "The result of a session's vote once voting has closed",
                {**ok(ref("VoteResults")), **errors(401, 404, 422)},
                params=session_param,
                tags=["votes"],
            )
        },
        "/votes/results/{session_id}/publish": {
            "post": op(
                "Publish the result of a closed vote",
                {**ok(ref("VoteResults")), **errors(401, 403, 404, 409)},
                params=[session_id],
                tags=["votes"],
                description="The proposal committee, once voting has closed, once.",
            )
        },
        # -- the reports' files
        "/reports/ledger.xlsx": {
            "get": op(
                "The ledger (台账) as an Excel workbook",
                {**file(XLSX), **errors(401, 403, 404, 422)},
                params=ledger_params,
                **reports,
                description="Committee, union administrators, supervisors and leaders; filtered like the list.",
            )
        },
        "/reports/ledger.csv": {
            "get": op(
                "The ledger (台账) as CSV (UTF-8 with BOM)",
                {**file("text/csv"), **errors(401, 403, 404, 422)},
                params=ledger_params,
                **reports,
                description="Committee, union administrators, supervisors and leaders; filtered like the list.",
            )
        },
        "/sessions/{session_id}/compilation.pdf": {
            "get": op(
                "The session's compilation of proposals and replies (提案汇编)",
                {**file("application/pdf"), **errors(401, 403, 404, 422)},
                params=[
                    session_id,
                    *params(EDITION_ARG, {"edition": "internal: names confidential authors (administrators)."}),
                ],
                **reports,
            )
        },
        "/reports/group/compilation.pdf": {
            "get": op(
                "The group's compilation (集团提案汇编) of the unions the caller oversees, by union",
                {**file("application/pdf"), **errors(401, 403, 422)},
                params=params(
                    GROUP_COMPILATION_ARGS,
                    {
                        "year": "The sessions of this year (of their collection's first day); else the open sessions.",
                        "edition": "internal: names confidential authors (administrators).",
                    },
                ),
                **reports,
                description="Whoever reads the group's figures (GET /stats/unions); each session's part as its "
                "own compilation shows the caller.",
            )
        },
        "/sessions/{session_id}/forms.pdf": {
            "get": op(
                "Every proposal form (提案表) of a session",
                {**file("application/pdf"), **errors(401, 403, 404)},
                params=[session_id],
                **reports,
                description="The committee and union administrators.",
            )
        },
        "/sessions/{session_id}/letters.pdf": {
            "get": op(
                "Every reply letter (答复函) of a session",
                {**file("application/pdf"), **errors(401, 403, 404)},
                params=[session_id],
                **reports,
                description="The committee and union administrators.",
            )
        },
        "/sessions/{session_id}/handling-report.docx": {
            "get": op(
                "The draft handling report to the next session, as a Word document",
                {**file(DOCX), **errors(401, 403, 404)},
                params=[session_id],
                **reports,
                description="The committee, union administrators and leaders.",
            )
        },
        "/sessions/{session_id}/handling-report.pdf": {
            "get": op(
                "The draft handling report to the next session, as a PDF",
                {**file("application/pdf"), **errors(401, 403, 404)},
                params=[session_id],
                **reports,
                description="The committee, union administrators and leaders.",
            )
        },
        "/proposals/{proposal_id}/form.pdf": {
            "get": op(
                "The proposal form (提案表) of a proposal",
                {**file("application/pdf"), **errors(401, 404)},
                params=[proposal_id],
                **reports,
            )
        },
        "/proposals/{proposal_id}/replies/{reply_id}/letter.pdf": {
            "get": op(
                "The reply letter (答复函) of one reply",
                {**file("application/pdf"), **errors(401, 404)},
                params=[proposal_id, h._id("reply_id", "The reply.")],
                **reports,
            )
        },
        # -- the audit log
        "/audit": {
            "get": op(
                "The audit log (审计日志), newest first, a page at a time",
                {**ok(ref("AuditPage")), **errors(401, 403, 422)},
                params=[
                    *audit_params,
                    {
                        "name": "after",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 100},
                        "description": "The `next_cursor` of the previous page.",
                    },
                ],
                **admin,
            )
        },
        "/audit.csv": {
            "get": op(
                "The filtered audit log as CSV",
                {**file("text/csv"), **errors(401, 403, 422)},
                params=audit_params,
                **admin,
            )
        },
        "/audit.xlsx": {
            "get": op(
                "The filtered audit log as an Excel workbook",
                {**file(XLSX), **errors(401, 403, 422)},
                params=audit_params,
                **admin,
            )
        },
        # -- imports and sign-in slips
        "/imports/{kind}": {
            "post": op(
                "Import a roster or proposals collected on paper",
                {
                    **ok(ref("Checked"), 200, "Only checked (`check_only`): the file is fine; nothing was written."),
                    **ok(ref("Imported"), 201),
                    **ok(
                        ref("ImportJob"),
                        202,
                        "Too large for a request: handed to the task queue (PostgreSQL); follow it at the "
                        "address in Location, GET /imports/jobs/{job_id}.",
                    ),
                    **errors(400, 401, 403, 404, 413),
                    "422": {
                        "description": "Nothing was imported: the file's problems by row and column, or no file.",
                        "content": {"application/json": {"schema": {"anyOf": [ref("ImportRefused"), ref("Error")]}}},
                    },
                },
                body=import_body,
                params=[
                    {
                        "name": "kind",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(imports.KINDS)},
                    }
                ],
                **{
                    **admin,
                    "description": f"Union administrators only. At most {imports.MAX_BYTES // 1024 // 1024} MB. "
                    "A file of more rows than a request holds (IMPORT_PAGE_MAX_ROWS, 2,000 by default) is handed "
                    "to the task queue on PostgreSQL (202) and refused on SQLite (422, naming the command line).",
                },
            )
        },
        "/imports/jobs/{job_id}": {
            "get": op(
                "A large import handed to the task queue: its state and progress",
                {**ok(ref("ImportJob")), **errors(401, 403, 404)},
                params=[h._id("job_id", "The import job.")],
                tags=["administration"],
                description="Its author and the union administrators only.",
            )
        },
        "/sign-in-slips": {
            "get": op(
                "The sign-in slips kept for the caller",
                {**ok(ref("PendingSlips")), **errors(401, 403)},
                **admin,
            )
        },
        "/sign-in-slips/{slips_id}/pdf": {
            "post": op(
                "Take sign-in slips as a PDF (once)",
                {**file("application/pdf"), **errors(401, 403, 404)},
                params=[slips_id],
                **admin,
            )
        },
        "/sign-in-slips/{slips_id}/show": {
            "post": op(
                "Take sign-in slips as data (once)",
                {**ok(ref("Slips")), **errors(401, 403, 404)},
                params=[slips_id],
                **admin,
            )
        },
        # -- administration
        "/users/activation-codes": {
            "post": op(
                "Issue activation codes for chosen people or everyone awaiting activation",
                {**ok(ref("ActivationCodes"), 201), **errors(400, 401, 403, 422)},
                body=body(ISSUE_FIELDS, partial=True),
                **{
                    **admin,
                    "description": "Union administrators only. Either `user_ids` (active accounts) or "
                    "`all_awaiting`; with `send`, each code is also queued by mail, SMS or messenger, and only "
                    "those who can be reached get one. A new code replaces the person's earlier one.",
                },
            )
        },
        "/users/{user_id}": {
            "get": op("An account", {**ok(ref("User")), **errors(401, 403, 404)}, params=[user_id], **admin),
            "patch": op(
                "Change an account's name, e-mail, units or roles",
                {**ok(ref("User")), **errors(400, 401, 403, 404, 422)},
                body=body(USER_CHANGES, partial=True),
                params=[user_id],
                **admin,
            ),
        },
        "/users/{user_id}/password": {
            "post": op(
                "Give an account a new password, or a generated initial one",
                {**ok(ref("PasswordGiven")), **errors(400, 401, 403, 404, 422)},
                body=body(NEW_PASSWORD, partial=True),
                params=[user_id],
                **admin,
            )
        },
        "/users/{user_id}/disable": {
            "post": op(
                "Disable an account",
                {**ok(ref("User")), **errors(401, 403, 404, 422)},
                params=[user_id],
                **{**admin, "description": "Union administrators only. The last active one cannot be (422)."},
            )
        },
        "/users/{user_id}/enable": {
            "post": op("Enable an account", {**ok(ref("User")), **errors(401, 403, 404)}, params=[user_id], **admin)
        },
        "/units/{unit_id}": {
            "patch": op(
                "Rename a unit or change its parent",
                {**ok(ref("Unit")), **errors(400, 401, 403, 404, 422)},
                body=body(UNIT_CHANGES, partial=True),
                params=[unit_id],
                **admin,
            )
        },
        "/units/{unit_id}/deactivate": {
            "post": op(
                "Take a unit out of use", {**ok(ref("Unit")), **errors(401, 403, 404)}, params=[unit_id], **admin
            )
        },
        "/units/{unit_id}/reactivate": {
            "post": op(
                "Put a unit back in use", {**ok(ref("Unit")), **errors(401, 403, 404)}, params=[unit_id], **admin
            )
        },
        "/union": {
            "get": op("The union itself", {**ok(nullable(ref("Unit"))), **errors(401, 403)}, **admin),
            "put": op(
                "Name the union",
                {**ok(ref("Unit")), **errors(400, 401, 403, 422)},
                body=body(UNION_FIELDS),
                **admin,
            ),
        },
        "/union/dashboard-thresholds": {
            "get": op(
                "The dashboard's colour thresholds", {**ok(ref("DashboardThresholds")), **errors(401, 403)}, **admin
            ),
            "put": op(
                "Set the dashboard's colour thresholds",
                {**ok(ref("DashboardThresholds")), **errors(400, 401, 403, 409, 422)},
                body=body(THRESHOLD_FIELDS),
                **{
                    **admin,
                    "description": "Union administrators only. Whole percentages 0–100, green above amber (else 422);"
                    " 409 while the union has no name (the thresholds are kept with it).",
                },
            ),
        },
        "/calendar/overrides": {
            "post": op(
                "Add an extra day off or working day to the union's calendar",
                {**ok(ref("CalendarOverride"), 201), **errors(400, 401, 403, 422)},
                body=body(OVERRIDE_FIELDS),
                **admin,
            )
        },
        "/calendar/overrides/{override_id}": {
            "delete": op(
                "Take a day out of the union's calendar",
                {**no_content("Removed."), **errors(401, 403, 404)},
                params=[h._id("override_id", "The day added.")],
                **admin,
            )
        },
        "/outbox/{notification_id}/retry": {
            "post": op(
                "Send an undelivered message again",
                {**ok(ref("Retried")), **errors(401, 403, 404, 409)},
                params=[h._id("notification_id", "The parked message.")],
                **admin,
            )
        },
        # -- the caller's own
        "/me/tokens": {
            "get": op("The caller's API tokens", {**ok(array(ref("ApiTokenInfo"))), **errors(401)}, **mine),
        },
        "/me/tokens/{token_id}": {
            "delete": op(
                "Revoke one of the caller's API tokens",
                {**no_content("Revoked."), **errors(401, 404)},
                params=[h._id("token_id", "The token (the caller's own).")],
                **mine,
            )
        },
        "/me/sessions": {
            "delete": op(
                "Log out everywhere: end every session and revoke every API token, this one too",
                {**no_content("Done."), **errors(401)},
                **mine,
            )
        },
        "/me/data": {
            "get": op(
                "Everything of the caller's own, zipped (data.json and the files they uploaded)",
                {**file("application/zip"), **errors(401)},
                **mine,
            )
        },
    }
