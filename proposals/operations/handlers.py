"""What each lifecycle event writes beyond the proposal's state: its rows and columns.

The engine has decided the event (workflow.Decision); a handler records it, in the transaction of
operations.events.fire_event, and returns what the history row should keep besides the payload. The
register (operations/register.py) says which handler belongs to which event.
"""

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import bindparam, insert, select, update

from workflow import LIFECYCLE, Decision, InvalidPayload, StateConflict
from workflow.errors import N_
from workflow.payload import message

from .. import unions
from ..access import can_view
from ..extensions import db
from ..models import (
    Assignment,
    Cosignature,
    Countersignature,
    Evaluation,
    OrgUnit,
    ProgressNote,
    Proposal,
    Reply,
    ReplyDraft,
    User,
)
from . import clock, versions

MERGE_TARGET_STATES = LIFECYCLE.tagged("merge_target")  # under review or being handled
CLOSED_STATES = LIFECYCLE.or_later("closed")
NOT_THIS_UNIONS = N_("This department belongs to another union: choose this union's own or the company's departments.")

# (the decision, the locked proposal, who acts or None for the system, now) -> what the history row keeps
Handler = Callable[[Decision, Proposal, User | None, datetime], dict | None]


_UNITS = OrgUnit.__table__
_DEPARTMENTS = select(_UNITS.c.id).where(
    _UNITS.c.id.in_(bindparam("ids", expanding=True)), _UNITS.c.kind == "department", _UNITS.c.active
)


def _forget_assignments(proposal: Proposal) -> None:
    """A plain statement wrote the proposal's assignments: what the session holds of them is stale now."""
    loaded = proposal.__dict__.get("assignments")
    if loaded is not None:
        for a in loaded:
            db.session.expire(a)
        db.session.expire(proposal, ["assignments"])


def on_submit(d, proposal, user, now):
    late = "to_suggestion" in d.effects  # after the collection window, which this session takes as a suggestion
    # the version first: its query's autoflush would otherwise write the columns set below through the unit
    # of work, a second UPDATE (and a second version bump) besides the event's own (events.update_row)
    record = {"version": versions.record_version(proposal, now).number}
    proposal.submitted_at = now
    if proposal.delegation_id is None:
        proposal.delegation_id = proposal.author.delegation_id
    if late:
        record["late"] = True
    return record


def on_send_back(d, proposal, user, now):
    # the co-signatures end: the author may now change the text they signed (their rows stay, with ended_at)
    ended = db.session.execute(
        update(Cosignature.__table__)
        .where(Cosignature.__table__.c.proposal_id == proposal.id, Cosignature.__table__.c.ended_at.is_(None))
        .values(ended_at=now)
    ).rowcount
    db.session.expire(proposal, ["cosignatures"])
    # the draft is its author's alone again: the committee's lists keep a stub of it, under the title it
    # was sent back with (the author may change it), never the draft's text (proposals/returned.py)
    record = {"title": proposal.title}
    if ended:
        record["cosignatures_ended"] = ended
    return record


def on_mark_key(d, proposal, user, now):
    leader_id = d.payload.get("leader_id")
    if leader_id is not None:
        leader = db.session.get(User, leader_id)
        if leader is None or not leader.active or not leader.has_role("leader"):
            raise InvalidPayload({"leader_id": message(N_("No such leader."))})
    proposal.key, proposal.key_leader_id = True, leader_id


def on_unmark_key(d, proposal, user, now):
    # the leader who had it stays on record (and is told): without the mark they no longer take charge
    proposal.key = False


def on_withdraw(d, proposal, user, now):
    # a draft withdrawn after being sent back holds text never submitted: like a draft withdrawn before
    # its first submission it is its author's alone (access.can_view), not the committee's or co-signers'
    if d.from_state == "draft":
        proposal.submitted_at = None


def on_cosign(d, proposal, user, now):
    # added by itself, as the rows of the handlers below: appending to the collection would load it first
    version = versions.latest_number(proposal.id)
    db.session.add(
        Cosignature(
            proposal_id=proposal.id,
            user_id=user.id,
            comment=d.payload.get("comment"),
            created_at=now,
            version=version,
        )
    )


def on_decision(d, proposal, user, now):
    proposal.decided_at = now


def on_merge(d, proposal, user, now):
    target_id = d.payload["into_id"]
    # share-locked until the commit, so that it cannot be withdrawn or merged itself meanwhile; two
    # proposals merged into each other at once lock each other, and the database refuses one (deadlock)
    target = db.session.scalar(
        select(Proposal)
        .where(Proposal.id == target_id)
        .with_for_update(read=True, of=Proposal)
        .execution_options(populate_existing=True)
    )
    if target is None or not can_view(user, target) or target.id == proposal.id:
        raise InvalidPayload({"into_id": message(N_("No such proposal to merge into."))})
    if target.session_id == proposal.session_id and target.state in CLOSED_STATES:
        # handled to its end: a proposal on the same matter now needs handling of its own
        raise InvalidPayload(
            {"into_id": message(N_("That proposal has already been closed: a proposal cannot be merged into it."))}
        )
    if target.session_id != proposal.session_id or target.state not in MERGE_TARGET_STATES:
        raise InvalidPayload(
            {"into_id": message(N_("Only a proposal of the same session that is under review or accepted."))}
        )
    proposal.merged_into_id = target.id
    proposal.decided_at = now


def on_escalate(d, proposal, user, now):
    """The proposal moves to the open session of the union above, where it is under review again: its
    author, co-signers and history go with it; where it came from stays on it and in the history row."""
    from ..unions import parent_open_session

    origin = proposal.session
    target = parent_open_session(origin)
    if target is None:  # (the engine's requirement saw one a moment ago: closed since)
        raise StateConflict(N_("The union above has no open session to take this proposal."), state=proposal.state)
    proposal.escalated_from_session_id = origin.id
    proposal.session_id = target.id
    db.session.expire(proposal, ["session"])  # read again as the new one (its committee is told)
    return {"from_session_id": origin.id, "to_session_id": target.id}


def on_assign(d, proposal, user, now):
    lead_id = d.payload["lead_department_id"]
    co_ids = d.payload.get("cohandler_department_ids", [])
    # the active departments among those named, in one statement
    found = set(db.session.scalars(_DEPARTMENTS, {"ids": sorted({lead_id, *co_ids})}))
    for field_name, ids in (("lead_department_id", [lead_id]), ("cohandler_department_ids", co_ids)):
        if any(dept_id not in found for dept_id in ids):
            raise InvalidPayload({field_name: message(N_("No such department."))})
    if lead_id in co_ids:
        raise InvalidPayload({"cohandler_department_ids": message(N_("The lead department cannot also co-handle."))})
    for field_name, ids in (("lead_department_id", [lead_id]), ("cohandler_department_ids", co_ids)):
        if not unions.may_handle(proposal.session, ids):
            raise InvalidPayload({field_name: message(NOT_THIS_UNIONS)})
    today = clock.local_date(now)
    congress = proposal.session
    working = clock.working_calendar()
    ack, reply = working.add(today, congress.ack_days), working.add(today, congress.reply_days)
    deadlines = {
        "assigned_at": now,
        "ack_deadline": ack,
        "ack_start": today,
        "ack_working_days": congress.ack_days,
        "reply_deadline": reply,
        "reply_start": today,
        "reply_working_days": congress.reply_days,
    }
    rows = [
        {"proposal_id": proposal.id, "department_id": dept_id, "role": role, **deadlines}
        for dept_id, role in [(lead_id, "lead"), *((c, "cohandler") for c in co_ids)]
    ]
    db.session.execute(insert(_ASSIGNMENTS), rows)  # one statement however many departments
    _forget_assignments(proposal)
    return {"ack_deadline": ack.isoformat(), "reply_deadline": reply.isoformat()}


# the actor's department's active assignment, in SQL: a handler writing it need not load the collection
_ASSIGNMENTS = Assignment.__table__
_OWN = (
    _ASSIGNMENTS.c.proposal_id == bindparam("pid"),
    _ASSIGNMENTS.c.department_id == bindparam("dept"),
    _ASSIGNMENTS.c.ended_at.is_(None),
)
_ACKNOWLEDGE = update(_ASSIGNMENTS).where(*_OWN).values(acknowledged_at=bindparam("now"))
_COUNTERSIGN = insert(Countersignature.__table__).from_select(
    ["assignment_id", "round", "reply_draft_id", "revision", "agree", "user_id", "comment", "created_at"],
    select(
        _ASSIGNMENTS.c.id,
        bindparam("round"),
        bindparam("draft"),
        bindparam("revision"),
        bindparam("agree"),
        bindparam("uid"),
        bindparam("comment"),
        bindparam("now"),
    ).where(*_OWN),
)


def on_acknowledge(d, proposal, user, now):
    db.session.execute(_ACKNOWLEDGE, {"pid": proposal.id, "dept": user.department_id, "now": now})
    _forget_assignments(proposal)


def on_decline(d, proposal, user, now):
    for a in proposal.active_assignments:
        a.ended_at = now


def on_request_return(d, proposal, user, now):
    proposal.return_requested_at = now


def on_approve_return(d, proposal, user, now):
    # as a decline: the assignments end (kept on record) and the committee assigns it again
    departments = [a.department_id for a in proposal.active_assignments]
    on_decline(d, proposal, user, now)
    proposal.return_requested_at = None
    return {"departments": departments}


def on_refuse_return(d, proposal, user, now):
    proposal.return_requested_at = None


def on_progress(d, proposal, user, now):
    note = d.payload["note"]
    db.session.add(
        ProgressNote(
            proposal_id=proposal.id, department_id=user.department_id, user_id=user.id, note=note, created_at=now
        )
    )


# -- the reply: drafted by the lead, countersigned by the co-handlers, approved where the session says so,
# released to the author as the round's Reply (the only row the author, the reports and the statistics read)


def current_draft(proposal: Proposal) -> ReplyDraft | None:
    """This round's draft reply (released or not), None before the lead drafts one."""
    return db.session.scalar(
        select(ReplyDraft).where(ReplyDraft.proposal_id == proposal.id, ReplyDraft.round == proposal.rehandle_round)
    )


def outcome_class(congress, code: str) -> dict | None:
    """The session's outcome class with this code (settings.outcome_classes), None when it has none."""
    return next((c for c in congress.outcome_classes or () if c["code"] == code), None)


def _check_outcome(payload: dict, congress) -> None:
    """Refuse a class the session does not have, or a reply without what its class requires."""
    found = outcome_class(congress, payload["outcome"])
    if found is None:
        codes = ", ".join(c["code"] for c in congress.outcome_classes)
        raise InvalidPayload({"outcome": message(N_("Must be one of: %(choices)s."), {"choices": codes})})
    errors = {}
    if "planned_date" in found["requires"] and not payload.get("planned_date"):
        errors["planned_date"] = message(N_("This class of reply needs the date by which it is planned to be solved."))
    if "reason" in found["requires"] and not payload.get("reason"):
        errors["reason"] = message(N_("This class of reply needs the reason why it cannot be solved now."))
    if errors:
        raise InvalidPayload(errors)


_COHANDLERS = (
    _ASSIGNMENTS.c.proposal_id == bindparam("pid"),
    _ASSIGNMENTS.c.role == "cohandler",
    _ASSIGNMENTS.c.ended_at.is_(None),
)
_OPEN_COUNTERSIGNING = (
    update(_ASSIGNMENTS)
    .where(*_COHANDLERS)
    .values(
        countersign_deadline=bindparam("deadline"),
        countersign_start=bindparam("start"),
        countersign_working_days=bindparam("days"),
    )
)
_END_COUNTERSIGNING = (
    update(_ASSIGNMENTS)
    .where(*_COHANDLERS)
    .values(countersign_deadline=None, countersign_start=None, countersign_working_days=None)
)
_OWN_COUNTERSIGNING_DONE = (
    update(_ASSIGNMENTS)
    .where(*_OWN)
    .values(countersign_deadline=None, countersign_start=None, countersign_working_days=None)
)


def _release(draft: ReplyDraft, proposal: Proposal, now: datetime) -> dict:
    """The draft goes out as the round's Reply: on time when released by the reply deadline in force."""
    deadline = proposal.lead_reply_deadline
    reply = Reply(
        proposal_id=proposal.id,
        round=draft.round,
        department_id=draft.department_id,
        user_id=draft.user_id,
        text=draft.text,
        outcome=draft.outcome,
        contact=draft.contact,
        planned_date=draft.planned_date,
        reason=draft.reason,
        deadline=deadline,
        created_at=now,
    )
    db.session.add(reply)
    db.session.flush()
    draft.status, draft.reply_id = "released", reply.id
    db.session.execute(_END_COUNTERSIGNING, {"pid": proposal.id})
    _forget_assignments(proposal)
    return {"released": True, "revision": draft.revision, "on_time": clock.local_date(now) <= deadline}


def on_reply(d, proposal, user, now):
    congress = proposal.session
    _check_outcome(d.payload, congress)
    fields = {
        "text": d.payload["text"],
        "outcome": d.payload["outcome"],
        "contact": d.payload.get("contact"),
        "planned_date": date.fromisoformat(d.payload["planned_date"]) if d.payload.get("planned_date") else None,
        "reason": d.payload.get("reason"),
    }
    draft = current_draft(proposal)
    if draft is None:
        draft = ReplyDraft(
            proposal_id=proposal.id,
            round=proposal.rehandle_round,
            department_id=proposal.lead_department_id,
            revision=1,
            created_at=now,
            status="awaiting_countersign",
            **fields,
        )
        db.session.add(draft)
    else:  # a revision: every countersignature given to the text before it is void (they name its revision)
        draft.revision += 1
        for name, value in fields.items():
            setattr(draft, name, value)
    draft.user_id, draft.revised_at, draft.department_id = user.id, now, proposal.lead_department_id
    if d.to_state == "replied":
        return _release(draft, proposal, now)
    record = {"revision": draft.revision}
    if d.notice == "reply_drafted":  # co-handlers countersign it, each by its own deadline
        draft.status = "awaiting_countersign"
        start, days = clock.local_date(now), congress.countersign_days
        deadline = clock.working_calendar().add(start, days)
        params = {"pid": proposal.id, "deadline": deadline, "start": start, "days": days}
        db.session.execute(_OPEN_COUNTERSIGNING, params)
        _forget_assignments(proposal)
        record["countersign_deadline"] = deadline.isoformat()
    else:
        draft.status = "awaiting_approval"
    record["draft"] = draft.status
    return record


def on_countersign(d, proposal, user, now):
    agree = d.payload.get("agree", True)  # (disagreeing without a reason: refused by the definition's required_if)
    if agree and d.payload.get("reason"):
        raise InvalidPayload({"reason": message(N_("A reason is for disagreeing: add a comment instead."))})
    draft = current_draft(proposal)
    params = {"pid": proposal.id, "dept": user.department_id, "round": proposal.rehandle_round, "uid": user.id}
    values = {"draft": draft.id, "revision": draft.revision, "agree": agree}
    text = d.payload.get("reason") if not agree else d.payload.get("comment")
    db.session.execute(_COUNTERSIGN, {**params, **values, "comment": text, "now": now})
    record = {"revision": draft.revision, "agree": agree}
    if not agree:  # back to the lead, who revises it; every co-handler countersigns the revision again
        draft.status = "returned"
        db.session.execute(_END_COUNTERSIGNING, {"pid": proposal.id})
    elif d.to_state == "replied":
        record.update(_release(draft, proposal, now))
    else:
        db.session.execute(_OWN_COUNTERSIGNING_DONE, params)
        if d.notice == "reply_to_approve":
            draft.status = "awaiting_approval"
    record["draft"] = draft.status
    _forget_assignments(proposal)
    return record


def on_approve_reply(d, proposal, user, now):
    return _release(current_draft(proposal), proposal, now)


def on_return_reply(d, proposal, user, now):
    draft = current_draft(proposal)
    draft.status = "returned"
    return {"revision": draft.revision, "draft": draft.status}


def on_evaluate(d, proposal, user, now):
    by_author = user.id == proposal.author_id
    db.session.add(
        Evaluation(
            proposal_id=proposal.id,
            round=proposal.rehandle_round,
            user_id=user.id,
            by_author=by_author,
            rating=d.payload["rating"],
            attitude=d.payload.get("attitude"),
            comment=d.payload.get("comment"),
            created_at=now,
        )
    )
    if d.to_state == "in_progress":  # unsatisfied: handled again, with a fresh reply deadline
        return _new_round(proposal, now)
    if d.to_state == "closed" and d.from_state != "closed":  # the author's rating (a co-signer's moves nothing)
        proposal.final_rating = d.payload["rating"]
        proposal.closed_at = now
    return {}


def _new_round(proposal: Proposal, now: datetime) -> dict:
    """Start the next handling round: its reply deadline is `reply_days` working days from today."""
    proposal.rehandle_round += 1
    start, days = clock.local_date(now), proposal.session.reply_days
    deadline = clock.working_calendar().add(start, days)
    for a in proposal.active_assignments:
        a.reply_deadline, a.reply_start, a.reply_working_days = deadline, start, days
    return {"rehandle_round": proposal.rehandle_round, "reply_deadline": deadline.isoformat()}


def on_request_rehandle(d, proposal, user, now):
    # a round of its own that max_rehandle does not count (Facts.unsatisfied_rounds)
    proposal.committee_rehandles = (proposal.committee_rehandles or 0) + 1
    return _new_round(proposal, now)


def _latest_reply(proposal: Proposal) -> Reply | None:
    return db.session.scalar(select(Reply).where(Reply.proposal_id == proposal.id).order_by(Reply.round.desc()))


def on_reclass(d, proposal, user, now):
    reply = _latest_reply(proposal)
    if reply is None:  # (replied or closed without a reply: a closing by the system before any; not by the rules)
        raise InvalidPayload({"outcome": message(N_("There is no reply to re-class."))})
    if outcome_class(proposal.session, d.payload["outcome"]) is None:  # one of the session's classes
        codes = ", ".join(c["code"] for c in proposal.session.outcome_classes)
        raise InvalidPayload({"outcome": message(N_("Must be one of: %(choices)s."), {"choices": codes})})
    if reply.outcome == d.payload["outcome"]:
        raise InvalidPayload({"outcome": message(N_("The reply already has this class."))})
    before, reply.outcome = reply.outcome, d.payload["outcome"]
    return {"from_outcome": before, "to_outcome": reply.outcome, "round": reply.round}


def on_close_unrated(d, proposal, user, now):
    proposal.final_rating = "no_response"
    proposal.closed_at = now


def on_request_extension(d, proposal, user, now):
    proposal.extension_requested_days = d.payload["days"]
    return {"department_id": user.department_id}


def on_refuse_extension(d, proposal, user, now):
    asked, proposal.extension_requested_days = proposal.extension_requested_days, None
    return {"asked_days": asked}


def extended_deadlines(proposal: Proposal, days: int, today) -> list[tuple]:
    """What an extension by `days` working days granted `today` does to each active assignment: rows of
    (assignment, kind, start, working days, new deadline). The open deadline moves (acknowledge while
    unacknowledged, else reply), counted from the later of it and today: an overdue item extended is not
    overdue on the day it is granted. The extend form's preview shows the same dates (web/deadlines.py)."""
    working, found = clock.working_calendar(), []
    for a in proposal.active_assignments:
        if a.acknowledged_at is None:
            kind, start, counted, due = "ack", a.ack_start, a.ack_working_days, a.ack_deadline
        elif a.role == "cohandler" and a.countersign_deadline is not None:  # the lead's draft awaits it
            kind, start = "countersign", a.countersign_start
            counted, due = a.countersign_working_days, a.countersign_deadline
        else:
            kind, start, counted, due = "reply", a.reply_start, a.reply_working_days, a.reply_deadline
        if due >= today:  # counted on from the deadline's own start: the same day as counting on from it
            counted += days
        else:  # overdue: counted from today
            start, counted = today, days
        found.append((a, kind, start, counted, working.add(start, counted)))
    return found


def on_extend(d, proposal, user, now):
    days, record = d.payload["days"], {}
    moved = []
    for a, kind, start, counted, due in extended_deadlines(proposal, days, clock.local_date(now)):
        setattr(a, f"{kind}_start", start)
        setattr(a, f"{kind}_working_days", counted)
        setattr(a, f"{kind}_deadline", due)
        a.extended_days = days
        moved.append({"department_id": a.department_id, "kind": kind, "deadline": due.isoformat()})
        if a.role == "lead":
            record[f"{kind}_deadline"] = due.isoformat()
    if proposal.extension_requested_days is not None:
        record["asked_days"] = proposal.extension_requested_days
    proposal.extension_days, proposal.extension_requested_days = days, None
    return {**record, "deadlines": moved}
