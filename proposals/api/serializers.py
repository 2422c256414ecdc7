"""Turning records into the API's JSON. Who may see what comes from proposals.access, nothing else."""

from datetime import UTC, date, datetime

from flask import url_for

from .. import reply_drafts, unions
from ..access import PROGRESS, can_see_author, can_see_handling, can_view
from ..extensions import db
from ..models import CongressSession, OrgUnit, Proposal, User
from ..operations import available_events, clock
from ..operations.reply_files import files_of
from ..session_status import status_of
from ..settings import SETTINGS
from ..stats import local_today, on_time_replies, overdue_ids
from ..timeline import timeline


def iso(moment: datetime | None) -> str | None:
    """A stored (naive UTC) timestamp as ISO 8601 with its offset."""
    return moment.replace(tzinfo=UTC).isoformat() if moment else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def person(user: User | None) -> dict | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def user_json(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "roles": sorted(user.roles),
        # the roles held in unions below the root (proposals/unions.py)
        "union_roles": [{"role": role, "union_id": union_id} for role, union_id in user.scoped_roles],
        "department_id": user.department_id,
        "delegation_id": user.delegation_id,
        "email": user.email,
        "active": user.active,
    }


def unit_json(unit: OrgUnit) -> dict:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "active": unit.active,
    }


def union_json(unit: OrgUnit) -> dict:
    """A union of the group (the root, or a grassroots union below it)."""
    body = unit_json(unit)
    if unit.parent_id is None:
        body["share_public_results"] = unit.share_public_results
    return body


def session_json(session: CongressSession) -> dict:
    """A session, with its union's id (the root's own when it names none)."""
    return {
        "id": session.id,
        "code": session.code,
        "name": session.name,
        "union_id": unions.current().public_id(session.union_id),
        **{s.name: s.to_json(getattr(session, s.name)) for s in SETTINGS},
        "status": status_of(session),
        "created_at": iso(session.created_at),
    }


def category_json(category) -> dict:
    return {
        "id": category.id,
        "code": category.code,
        "name": category.name,
        "position": category.position,
        "retired": category.retired,
    }


# -- proposals -------------------------------------------------------------------------------------


def proposal_summary(proposal: Proposal, user: User, overdue: bool) -> dict:
    """What a list shows of a proposal."""
    shows_author = can_see_author(user, proposal)
    lead = proposal.lead_assignment
    return {
        "id": proposal.id,
        "number": proposal.number,
        "session_id": proposal.session_id,
        "kind": proposal.kind,
        "title": proposal.title,
        "category": proposal.category.code,
        "confidential": proposal.confidential,
        "state": proposal.state,
        "author": person(proposal.author) if shows_author else None,
        # a delegation narrows down a hidden author, so it is hidden with them
        "delegation_id": proposal.delegation_id if shows_author else None,
        # a delegation proposal (代表团提案) is its delegation's, never confidential
        "delegation_proposal": proposal.delegation_proposal,
        "delegation": _delegation(proposal) if proposal.delegation_proposal else None,
        "lead_department_id": lead.department_id if lead else None,
        "ack_deadline": day(lead.ack_deadline) if lead else None,
        "reply_deadline": day(lead.reply_deadline) if lead else None,
        "calendar_provisional": clock.calendar_provisional(proposal),
        "overdue": overdue,
        "final_rating": proposal.final_rating,
        "key": proposal.key,
        # the leader in charge (领导领办): for those who follow its handling, as the page names them
        "key_leader_id": proposal.key_leader_id if proposal.key and can_see_handling(user, proposal) else None,
        "created_at": iso(proposal.created_at),
        "submitted_at": iso(proposal.submitted_at),
        "updated_at": iso(proposal.updated_at),
    }


def _delegation(proposal: Proposal) -> dict | None:
    unit = proposal.delegation
    return {"id": unit.id, "name": unit.name} if unit is not None else None


def escalated_from(proposal: Proposal) -> dict | None:
    """Where an escalated proposal came from (the grassroots union and its session), or None."""
    origin = proposal.escalated_from_session
    if origin is None:
        return None
    return {"union_id": unions.current().public_id(origin.union_id), "session_id": origin.id}


def proposal_detail(proposal: Proposal, user: User) -> dict:
    """Everything the caller may know of one proposal, and what they may do with it now."""
    shows_author = can_see_author(user, proposal)
    today = local_today()
    on_time = on_time_replies(proposal.id)
    merged_into = db.session.get(Proposal, proposal.merged_into_id) if proposal.merged_into_id else None
    current = proposal.current_reply
    return {
        **proposal_summary(proposal, user, bool(overdue_ids([proposal.id], today))),
        "reason": proposal.reason,
        "measures": proposal.measures,
        "desired_department_id": proposal.desired_department_id,
        "merged_into_id": merged_into.id if merged_into is not None and can_view(user, merged_into) else None,
        "escalated_from": escalated_from(proposal),
        "rehandle_round": proposal.rehandle_round,
        "committee_rehandles": proposal.committee_rehandles,
        "extension_days": proposal.extension_days,
        # the open requests, handling records: for those who see them
        **(
            {
                "extension_requested_days": proposal.extension_requested_days,
                "return_requested": proposal.return_requested_at is not None,
            }
            if can_see_handling(user, proposal)
            else {"extension_requested_days": None, "return_requested": None}
        ),
        "decided_at": iso(proposal.decided_at),
        "closed_at": iso(proposal.closed_at),
        "version": proposal.version,
        "cosigners": [{**person(c.user), "at": iso(c.created_at)} for c in proposal.cosignatures],
        # whom the author invited to co-sign: known to all who see the proposal, but of a confidential one
        # only to its author (whom invitations would narrow down)
        "invitees": [i.user_id for i in proposal.invitations]
        if user.id == proposal.author_id or not proposal.confidential
        else [],
        # co-signatures of an earlier text, ended when it was sent back for revision (kept on record)
        "ended_cosignatures": [
            {**person(c.user), "at": iso(c.created_at), "version": c.version, "ended_at": iso(c.ended_at)}
            for c in proposal.all_cosignatures
            if c.ended_at is not None
        ],
        "merged_from": [m.id for m in proposal.merged_from if can_view(user, m)],
        "coauthors": coauthors(proposal, user),
        "assignments": [_assignment(a, proposal.rehandle_round) for a in proposal.active_assignments],
        "progress": [
            {"department_id": n.department_id, "note": n.note, "at": iso(n.created_at)} for n in proposal.progress_notes
        ]
        if can_see_handling(user, proposal, PROGRESS)
        else [],
        "reply": _reply(current, on_time) if current is not None else None,
        # the lead's draft of this round's reply, while it is not out: for those who see handling records
        "reply_draft": reply_draft(reply_drafts.visible(user, proposal)),
        "replies": [_reply(r, on_time) for r in proposal.replies],
        "evaluations": [_evaluation(e, shows_author) for e in proposal.evaluations],
        "history": [_history(step) for step in timeline(user, proposal)],
        "available_events": available_events(proposal, user),
    }


def coauthors(proposal: Proposal, user: User) -> list[dict]:
    """The authors of the proposals merged into it (并案), each once, as far as the caller may know them."""
    seen, found = {proposal.author_id}, []
    for merged in proposal.merged_from:
        if merged.author_id in seen or not (can_view(user, merged) and can_see_author(user, merged)):
            continue
        seen.add(merged.author_id)
        found.append(person(merged.author))
    return found


def reply_file_json(row) -> dict:
    """A file sent with a reply, with the address it is downloaded from (operations/reply_files.py decides who)."""
    return {
        "id": row.id,
        "filename": row.filename,
        "kind": row.kind,
        "size": row.size,
        "uploaded_at": iso(row.created_at),
        "url": url_for("api.download_reply_file", proposal_id=row.proposal_id, file_id=row.id),
    }


def reply_draft(draft) -> dict | None:
    """A draft reply and the countersignatures given to its present revision (None: none to show)."""
    if draft is None:
        return None
    return {
        "status": draft.status,
        "revision": draft.revision,
        "text": draft.text,
        "outcome": draft.outcome,
        "contact": draft.contact,
        "planned_date": day(draft.planned_date),
        "reason": draft.reason,
        "revised_at": iso(draft.revised_at),
        "attachments": [reply_file_json(f) for f in files_of(draft.proposal, draft.round)],
        "countersignatures": [
            {
                "department_id": c.assignment.department_id,
                "agree": c.agree,
                "comment": c.comment,
                "at": iso(c.created_at),
            }
            for c in draft.current_countersignatures()
        ],
    }


def _assignment(a, round_: int) -> dict:
    countersignature = a.countersignature(round_)
    return {
        "department_id": a.department_id,
        "department_name": a.department.name,
        "role": a.role,
        "assigned_at": iso(a.assigned_at),
        "ack_deadline": day(a.ack_deadline),
        "reply_deadline": day(a.reply_deadline),
        "extended_days": a.extended_days,
        "acknowledged_at": iso(a.acknowledged_at),
        "countersign_deadline": day(a.countersign_deadline),
        "countersigned_at": iso(countersignature.created_at) if countersignature and countersignature.agree else None,
    }


def _reply(reply, on_time: dict[int, bool]) -> dict:
    return {
        "round": reply.round,
        "department_id": reply.department_id,
        "text": reply.text,
        "outcome": reply.outcome,
        "planned_date": day(reply.planned_date),
        "reason": reply.reason,
        "contact": reply.contact,
        "attachments": [reply_file_json(f) for f in files_of(reply.proposal, reply.round)],
        "deadline": day(reply.deadline),
        "on_time": on_time.get(reply.id, False),
        "at": iso(reply.created_at),
    }


def _evaluation(e, shows_author: bool) -> dict:
    return {
        "round": e.round,
        "user": person(e.user) if shows_author or not e.by_author else None,
        "by_author": e.by_author,
        "rating": e.rating,
        "attitude": e.attitude,
        "comment": e.comment,
        "at": iso(e.created_at),
    }


def _history(step) -> dict:
    entry = step.entry
    return {
        "event": entry.event,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "actor": person(step.actor),
        "at": iso(entry.at),
        "comment": step.comment,
    }
