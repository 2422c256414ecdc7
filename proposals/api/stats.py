"""The union's numbers and the lifecycle definition, read-only."""

from flask import jsonify

from workflow import LIFECYCLE
from workflow.errors import N_
from workflow.payload import Integer

from .. import stats
from ..extensions import db
from ..i18n import event_label, state_label
from ..models import CongressSession
from ..operations import NotFound
from . import bp
from .auth import current_user
from .errors import query


@bp.get("/stats")
def report():
    """The reported numbers over the proposals the caller may see, for one session or all."""
    session_id = query({"session_id": Integer()}).get("session_id")
    if session_id is not None and db.session.get(CongressSession, session_id) is None:
        raise NotFound(N_("No such session."))
    return jsonify(stats.report(session_id, user=current_user()))


@bp.get("/workflow")
def workflow():
    """The lifecycle: its states, and each event's sources, destinations, roles and payload."""
    return jsonify(describe_lifecycle())


def describe_lifecycle() -> dict:
    return {
        "initial": LIFECYCLE.initial,
        "states": [
            {"name": name, "label": state_label(name), "final": bool(spec.get("final"))}
            for name, spec in LIFECYCLE.states.items()
        ],
        "events": [
            {
                "name": event.name,
                "label": event_label(event.name),
                "roles": list(event.who),
                "system": event.is_system,
                "sources": [s for s in LIFECYCLE.states if s in event.sources],
                "destinations": sorted({t.dest for t in event.transitions if t.dest}),
                "transitions": [
                    {"sources": list(t.sources), "dest": t.dest, "roles": list(t.who), "conditions": list(t.conditions)}
                    for t in event.transitions
                ],
                "payload": payload_schema(event.payload),
            }
            for event in LIFECYCLE.events.values()
        ],
    }


def payload_schema(fields: dict) -> dict:
    """A JSON schema of a payload spec: what its fields describe, which are required, nothing else."""
    return {
        "type": "object",
        "properties": {name: field.describe() for name, field in fields.items()},
        "required": [name for name, field in fields.items() if field.required],
        "additionalProperties": False,
    }
