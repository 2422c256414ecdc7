"""The union's numbers and the lifecycle definition, read-only."""

from flask import jsonify
from sqlalchemy import select

from workflow import LIFECYCLE, PermissionDenied
from workflow.errors import N_
from workflow.payload import Choice, Integer

from .. import stats, unions
from ..access import OVERSIGHT_ROLES
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


# what the group's figures rank the unions by (the dashboard's three)
UNION_RANKS = ("closure_rate", "on_time_rate", "satisfaction_rate")
NOT_OVERSEEN = N_("Only the committee, union staff, supervisors and leaders of a union see its figures.")


@bp.get("/stats/unions")
def union_figures():
    """Every union's figures side by side (its sessions' together), ranked best first by `rank`; with
    `union`, that union and those below it, and its sessions' figures (drill-down). For the oversight roles
    (committee, union administrators, supervisors, leaders), over the unions they oversee."""
    user = current_user()
    tree = unions.current()
    overseen = unions.scope_of(user, OVERSIGHT_ROLES, tree)
    if not overseen:
        raise PermissionDenied(NOT_OVERSEEN)
    args = query({"union": Integer(), "rank": Choice(choices=UNION_RANKS)})
    rank = args.get("rank", UNION_RANKS[0])
    scope, within = overseen, args.get("union")
    if within is not None:
        if not tree.is_union(within):
            raise NotFound(N_("No such union."))
        if tree.key(within) not in overseen:
            raise PermissionDenied(NOT_OVERSEEN)
        scope = tree.below(tree.key(within))
    figures = stats.report(user=user)
    rows = [r for r in figures["by_union"] if tree.key(r["union_id"]) in scope]
    body = {"rank": rank, "unions": stats.ranked(rows, rank)}
    if within is not None:
        key = tree.key(within)
        sessions = set(db.session.scalars(select(CongressSession.id).where(_of_union(key))))
        body["sessions"] = [s for s in figures["by_session"] if s["session_id"] in sessions]
    return jsonify(body)


def _of_union(key):
    return CongressSession.union_id.is_(None) if key is None else CongressSession.union_id == key


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
