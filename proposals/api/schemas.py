"""JSON schemas (OpenAPI 3.1, i.e. JSON Schema 2020-12) of what the API answers, mirroring serializers.py."""

from workflow import LIFECYCLE, OUTCOMES, RATINGS, ROLES

from ..models import ATTACHMENT_TYPES, FINAL_RATINGS, KINDS, UNIT_KINDS
from ..session_status import STATUSES
from ..settings import SETTINGS
from ..stats import COUNTED_STATES

STATES = list(LIFECYCLE.states)
EVENTS = [name for name, event in LIFECYCLE.events.items()]


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    """An object with these properties, all required unless told otherwise."""
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required}


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    schema = {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def described(schema: dict, text: str) -> dict:
    return {**schema, "description": text}


INT = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
MOMENT = {"type": "string", "format": "date-time"}
RATE = nullable({"type": "number", "minimum": 0, "maximum": 1})
COUNT = {"type": "integer", "minimum": 0}


def session_schema(table=SETTINGS) -> dict:
    """A session as the API shows it: each setting of the table with its kind, bounds and hint."""
    status = {
        "type": "string",
        "enum": list(STATUSES),
        "description": "Where the session stands from its dates: not_started (before collection_start), "
        "collecting (within the collection window), handling (open, after the window), ended (is_open false).",
    }
    return obj(
        {
            "id": ID,
            "code": STR,
            "name": STR,
            "union_id": {
                **nullable(ID),
                "description": "The union whose congress this is (GET /unions); null only on an install that has "
                "no union yet.",
            },
            **{s.name: s.schema() for s in table},
            "status": status,
            "created_at": MOMENT,
        }
    )


def _summary() -> dict:
    return obj(
        {
            "id": ID,
            "number": nullable(ID),
            "session_id": ID,
            "kind": {"type": "string", "enum": list(KINDS)},
            "title": STR,
            "category": STR,
            "confidential": BOOL,
            "state": {"type": "string", "enum": STATES},
            "author": described(nullable(ref("Person")), "null where the caller may not know a confidential author."),
            "delegation_id": described(nullable(ID), "The author's delegation; null where the author is hidden."),
            "delegation_proposal": described(
                BOOL, "A delegation proposal (代表团提案): its head submitted it on behalf of the delegation."
            ),
            "delegation": described(
                nullable(obj({"id": ID, "name": STR})), "The delegation whose proposal it is (delegation proposals)."
            ),
            "lead_department_id": nullable(ID),
            "ack_deadline": described(nullable(DATE), "The lead department's acknowledgement deadline (China)."),
            "reply_deadline": described(nullable(DATE), "The reply deadline in force (China)."),
            "calendar_provisional": described(
                BOOL,
                "A deadline still open counts days of a year whose official holiday arrangement is not yet "
                "known (the statutory holidays stand in for it); it may move when the year is loaded.",
            ),
            "overdue": described(
                BOOL,
                "Assigned and past the acknowledgement deadline, or assigned or in progress and past the reply "
                "deadline: the same definition as the `overdue` of /stats.",
            ),
            "final_rating": nullable({"type": "string", "enum": list(FINAL_RATINGS)}),
            "key": described(BOOL, "A key proposal (重点提案), marked by the committee."),
            "key_leader_id": described(
                nullable(ID),
                "The leader in charge of a key proposal (领导领办), if named, for those who follow its handling.",
            ),
            "created_at": MOMENT,
            "submitted_at": nullable(MOMENT),
            "updated_at": MOMENT,
        }
    )


def _proposal() -> dict:
    summary = _summary()
    detail = {
        "reason": STR,
        "measures": STR,
        "desired_department_id": nullable(ID),
        "merged_into_id": described(nullable(ID), "The surviving proposal, where the caller may see it."),
        "escalated_from": described(
            nullable(obj({"union_id": nullable(ID), "session_id": ID})),
            "The grassroots union and session it was escalated from (上报), or null.",
        ),
        "rehandle_round": COUNT,
        "committee_rehandles": described(
            COUNT, "Of the rounds after the first, those the committee asked for: max_rehandle does not count them."
        ),
        "extension_days": described(COUNT, "The proposal's one deadline extension, in working days (0: none yet)."),
        "extension_requested_days": described(
            nullable(COUNT), "The working days a department asked for, awaiting a supervisor (null: none open)."
        ),
        "return_requested": described(
            nullable(BOOL), "The lead department has asked the committee to take it back (null: not shown to you)."
        ),
        "decided_at": nullable(MOMENT),
        "closed_at": nullable(MOMENT),
        "version": INT,
        "cosigners": array(obj({"id": ID, "name": STR, "at": MOMENT})),
        "invitees": described(array(ID), "The delegates the author invited to co-sign (user ids)."),
        "ended_cosignatures": described(
            array(obj({"id": ID, "name": STR, "at": MOMENT, "version": INT, "ended_at": MOMENT})),
            "Co-signatures of an earlier version, ended when it was sent back for revision; they no longer count.",
        ),
        "merged_from": described(array(ID), "The proposals merged into this one (并案) that the caller may see."),
        "coauthors": described(
            array(ref("Person")),
            "The authors of the proposals merged into this one, as far as the caller may know them: told of its "
            "reply and free to rate it.",
        ),
        "assignments": described(
            array(
                obj(
                    {
                        "department_id": ID,
                        "department_name": STR,
                        "role": {"type": "string", "enum": ["lead", "cohandler"]},
                        "assigned_at": MOMENT,
                        "ack_deadline": DATE,
                        "reply_deadline": DATE,
                        "extended_days": COUNT,
                        "acknowledged_at": nullable(MOMENT),
                        "countersign_deadline": described(
                            nullable(DATE), "A co-handler's own deadline to countersign the draft reply, while awaited."
                        ),
                        "countersigned_at": described(
                            nullable(MOMENT), "When it agreed to the present revision of this round's draft reply."
                        ),
                    }
                )
            ),
            "The departments handling it now (ended assignments are in the history).",
        ),
        "progress": array(obj({"department_id": nullable(ID), "note": STR, "at": MOMENT})),
        "reply": described(
            nullable(ref("Reply")), "The reply of the present handling round, once released to the author."
        ),
        "reply_draft": described(
            nullable(ref("ReplyDraft")),
            "The lead department's draft of this round's reply while it awaits countersigning or approval, or has "
            "been returned for revision; only for those who see handling records (never the author).",
        ),
        "replies": array(ref("Reply")),
        "evaluations": array(
            obj(
                {
                    "round": COUNT,
                    "user": nullable(ref("Person")),
                    "by_author": BOOL,
                    "rating": {"type": "string", "enum": list(RATINGS)},
                    "attitude": nullable({"type": "string", "enum": list(RATINGS)}),
                    "comment": nullable(STR),
                    "at": MOMENT,
                }
            )
        ),
        "history": array(
            obj(
                {
                    "event": STR,
                    "from_state": nullable({"type": "string", "enum": STATES}),
                    "to_state": {"type": "string", "enum": STATES},
                    "actor": nullable(ref("Person")),
                    "at": MOMENT,
                    "comment": nullable(STR),
                }
            )
        ),
        "available_events": described(array({"type": "string", "enum": EVENTS}), "The events the caller may fire now."),
    }
    return obj({**summary["properties"], **detail})


def _version() -> dict:
    return obj(
        {
            "number": INT,
            "submitted_at": MOMENT,
            "title": STR,
            "reason": STR,
            "measures": STR,
            "attachments": array(obj({"id": ID, "filename": STR, "size": INT})),
        }
    )


def _numbers(key: dict | None = None) -> dict:
    return obj(
        {
            **(key or {}),
            "total": COUNT,
            "counts": obj({s: COUNT for s in COUNTED_STATES}),
            "rates": obj(
                {
                    **{
                        name: RATE
                        for name in (
                            "acceptance_rate",
                            "reply_rate",
                            "closure_rate",
                            "on_time_rate",
                            "satisfaction_rate",
                        )
                    },
                    "cosigner_satisfaction_rate": described(
                        RATE,
                        "The co-signers' (and co-authors') ratings satisfied or basically satisfied ÷ all their "
                        "ratings, one a co-signer a handling round; null when none. The author's own is "
                        "`satisfaction_rate`.",
                    ),
                }
            ),
            "outcomes": obj({o: RATE for o in OUTCOMES}),
            "outcome_counts": obj({o: COUNT for o in OUTCOMES}),
            "overdue": COUNT,
            "accepted": described(COUNT, "Accepted or later, converted suggestions included (立案数)."),
            "avg_working_days_to_reply": described(
                nullable({"type": "number", "minimum": 0}),
                "Average working days from the lead assignment to the first reply; null without a reply.",
            ),
        }
    )


ESCALATED = (
    "Proposals this session's committee escalated to the union above (上报): counted there, never in this "
    "session's own figures or its acceptance rate's denominator."
)


def _stats() -> dict:
    def unit(id_name):
        return array(_numbers({id_name: ID, "code": STR, "name": STR}))

    overall = _numbers({"session_id": nullable(ID), "today": DATE, "escalated": described(COUNT, ESCALATED)})
    overall["properties"].update(
        {
            "by_department": unit("department_id"),
            "by_category": array(_numbers({"category": STR, "name": STR})),
            "by_delegation": unit("delegation_id"),
            "by_session": array(
                _numbers({"session_id": ID, "code": STR, "name": STR, "escalated": described(COUNT, ESCALATED)})
            ),
            "by_kind": array(_numbers({"kind": {"type": "string", "enum": list(KINDS)}, "code": STR, "name": STR})),
            "by_union": described(array(_union_figures()), "Each union of the group, depth first (GET /stats/unions)."),
        }
    )
    overall["required"] = list(overall["properties"])
    return overall


def _union_figures() -> dict:
    return _numbers(
        {
            "union_id": ID,
            "code": STR,
            "name": STR,
            "parent_id": nullable(ID),
            "escalated": described(COUNT, ESCALATED),
        }
    )


def _group_figures() -> dict:
    return obj(
        {
            "rank": {"type": "string", "enum": ["closure_rate", "on_time_rate", "satisfaction_rate"]},
            "unions": described(array(_union_figures()), "Best first by `rank`; those without that rate last."),
            "sessions": described(
                array(_numbers({"session_id": ID, "code": STR, "name": STR, "escalated": COUNT})),
                "With `union`: the figures of that union's own sessions.",
            ),
        },
        required=["rank", "unions"],
    )


def _workflow() -> dict:
    names = array(STR)
    return obj(
        {
            "initial": STR,
            "states": array(obj({"name": STR, "label": STR, "final": BOOL})),
            "events": array(
                obj(
                    {
                        "name": STR,
                        "label": STR,
                        "roles": names,
                        "system": BOOL,
                        "sources": names,
                        "destinations": names,
                        "transitions": array(
                            obj({"sources": names, "dest": nullable(STR), "roles": names, "conditions": names})
                        ),
                        "payload": {"type": "object"},
                    }
                )
            ),
        }
    )


def components() -> dict:
    return {
        "Error": obj(
            {
                "error": {"type": "string", "description": "What went wrong, in the caller's language."},
                "code": STR,
                "fields": {"type": "object", "additionalProperties": STR, "description": "A message per wrong field."},
                "state": STR,
                "available_events": array(STR),
            },
            required=["error", "code"],
        ),
        "Token": obj({"token": STR, "token_type": {"const": "Bearer"}, "expires_at": MOMENT}),
        "Person": obj({"id": ID, "name": STR}),
        "User": obj(
            {
                "id": ID,
                "username": STR,
                "name": STR,
                "roles": array({"type": "string", "enum": list(ROLES)}),
                "union_roles": {
                    **array(obj({"role": {"type": "string", "enum": list(ROLES)}, "union_id": ID})),
                    "description": "The roles held in grassroots unions (`roles` are those held at the company union).",
                },
                "department_id": nullable(ID),
                "delegation_id": nullable(ID),
                "email": nullable(STR),
                "active": BOOL,
            }
        ),
        "Unit": obj(
            {
                "id": ID,
                "code": STR,
                "name": STR,
                "kind": {"type": "string", "enum": list(UNIT_KINDS)},
                "parent_id": nullable(ID),
                "active": BOOL,
            }
        ),
        "Union": obj(
            {
                "id": ID,
                "code": STR,
                "name": STR,
                "kind": {"type": "string", "enum": ["union", "grassroots"]},
                "parent_id": nullable(ID),
                "active": BOOL,
                "share_public_results": {
                    **BOOL,
                    "description": "The root's only: whether a grassroots union's workers see its siblings' "
                    "public results.",
                },
            },
            required=["id", "code", "name", "kind", "parent_id", "active"],
        ),
        "Session": session_schema(),
        "Category": obj(
            {
                "id": ID,
                "code": STR,
                "name": STR,
                "position": COUNT,
                "retired": described(BOOL, "A retired category stays on its proposals; new ones cannot have it."),
            }
        ),
        "ProposalSummary": _summary(),
        "Proposal": _proposal(),
        "ProposalVersions": obj({"items": array(_version())}),
        "ProposalPage": obj(
            {
                "items": array(ref("ProposalSummary")),
                "next_cursor": described(nullable(STR), "Pass as `cursor` for the next page; null on the last."),
            }
        ),
        "ReplyFile": obj(
            {
                "id": ID,
                "filename": STR,
                "kind": {"type": "string", "enum": list(ATTACHMENT_TYPES)},
                "size": COUNT,
                "uploaded_at": MOMENT,
                "url": STR,
            }
        ),
        "ReplyDraft": obj(
            {
                "status": {"type": "string", "enum": ["awaiting_countersign", "awaiting_approval", "returned"]},
                "revision": described(INT, "Each revision voids the countersignatures given to the one before."),
                "text": STR,
                "outcome": described(STR, "A code of the session's outcome_classes."),
                "contact": nullable(STR),
                "planned_date": nullable(DATE),
                "reason": nullable(STR),
                "revised_at": MOMENT,
                "attachments": described(array(ref("ReplyFile")), "Files sent with it (a scanned 答复函)."),
                "countersignatures": described(
                    array(obj({"department_id": ID, "agree": BOOL, "comment": nullable(STR), "at": MOMENT})),
                    "Given to the present revision; a disagreement's comment is its reason.",
                ),
            }
        ),
        "Reply": obj(
            {
                "round": COUNT,
                "department_id": ID,
                "text": STR,
                "outcome": described(STR, "A code of the session's outcome_classes (A, B, C by default)."),
                "planned_date": described(nullable(DATE), "For a class that requires it: planned to be solved by."),
                "reason": described(nullable(STR), "For a class that requires it: why it cannot be solved now."),
                "attachments": described(array(ref("ReplyFile")), "Files sent with it (a scanned 答复函)."),
                "contact": nullable(STR),
                "deadline": DATE,
                "on_time": BOOL,
                "at": MOMENT,
            }
        ),
        "CalendarYear": obj(
            {
                "year": INT,
                "official": described(BOOL, "The State Council's arrangement (the package's or loaded)."),
                "holidays": described(array(array(DATE)), "Spans [first, last] of days off, weekends included."),
                "workdays": described(array(DATE), "Saturdays and Sundays that are working days (调休)."),
            }
        ),
        "Stats": _stats(),
        "UnionFigures": _group_figures(),
        "Workflow": _workflow(),
    }
