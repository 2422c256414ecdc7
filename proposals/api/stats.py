"""The union's numbers and the lifecycle definition, read-only."""

from flask import jsonify

from workflow import LIFECYCLE, PermissionDenied
from workflow.errors import N_
from workflow.payload import Choice, Integer

from .. import group_figures, stats
from ..extensions import db
from ..group_figures import UNION_RANKS
from ..i18n import event_label, state_label
from ..models import CongressSession
from ..operations import NotFound
from . import bp
from .auth import current_user
from .errors import query


@bp.get("/stats")
def report():
    """The reported numbers over the proposals the caller may see, for one session or all; for whoever
    oversees a union (its committee, staff, supervisors, leaders), over the unions they oversee, as on their
    dashboard (a grassroots committee's figures never take in the company's public proposals)."""
    session_id = query({"session_id": Integer()}).get("session_id")
    if session_id is not None and db.session.get(CongressSession, session_id) is None:
        raise NotFound(N_("No such session."))
    user = current_user()
    return jsonify(stats.report(session_id, user=user, union=group_figures.overseen(user) or None))


@bp.get("/stats/unions")
def union_figures():
    """Every union's figures side by side (its sessions' together), ranked best first by `rank`; with
    `union`, that union and those below it, and its sessions' figures (drill-down). For the oversight roles
    (committee, union administrators, supervisors, leaders), over the unions they oversee."""
    user = current_user()
    if not group_figures.overseen(user):
        raise PermissionDenied(group_figures.NOT_OVERSEEN)
    args = query({"union": Integer(), "rank": Choice(choices=UNION_RANKS)})
    body = group_figures.group_figures(user, union_id=args.get("union"), rank=args.get("rank", UNION_RANKS[0]))
    body.pop("trends")  # the sessions of each union: the page's; the API's drill-down gives one union's
    return jsonify(body)


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
