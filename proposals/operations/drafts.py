"""Writing proposals: creating a draft and editing it until it is submitted."""

from datetime import datetime

from sqlalchemy import select

from workflow import InvalidPayload, PermissionDenied, StateConflict
from workflow.errors import N_
from workflow.payload import Boolean, Integer, IntegerList, Line, Text, message, validate

from ..access import can_view
from ..extensions import db
from ..models import Category, CongressSession, HistoryEntry, Invitation, OrgUnit, Proposal, User, UserRole
from . import clock
from .errors import NotFound
from .events import lock_proposal, write_history_row
from .unit import finish

PROPOSAL_FIELDS = {
    "session_id": Integer(required=True),
    "title": Line(required=True, max_length=200),
    "reason": Text(required=True, max_length=20000),
    "measures": Text(required=True, max_length=20000),
    "category": Line(required=True, max_length=40),
    "confidential": Boolean(),
    "desired_department_id": Integer(),
    # a delegation's proposal (代表团提案), made by its head; and the delegates the author invites to co-sign
    "delegation_proposal": Boolean(),
    "invitees": IntegerList(max_items=50),
}
EDITABLE = {k: v for k, v in PROPOSAL_FIELDS.items() if k != "session_id"}


def _resolve(clean: dict, keep_category_id: int | None = None) -> dict:
    """Turn codes and ids into rows, collecting an error per field that names nothing.

    A retired category is refused, except on a draft that has it already."""
    errors = {}
    values = dict(clean)
    if "session_id" in clean:
        session = db.session.get(CongressSession, clean["session_id"])
        if session is None:
            errors["session_id"] = message(N_("No such session."))
        elif not session.is_open:
            errors["session_id"] = message(N_("This session no longer takes proposals."))
    if "category" in clean:
        category = db.session.scalar(select(Category).where(Category.code == clean["category"]))
        if category is None:
            errors["category"] = message(N_("No such category."))
        elif category.retired and category.id != keep_category_id:
            errors["category"] = message(N_("This category is no longer in use; choose another."))
        else:
            values["category_id"] = category.id
        del values["category"]
    if clean.get("desired_department_id") is not None:
        unit = db.session.get(OrgUnit, clean["desired_department_id"])
        if unit is None or unit.kind != "department":
            errors["desired_department_id"] = message(N_("No such department."))
    if errors:
        raise InvalidPayload(errors)
    return values


def _procedure(author: User, values: dict, confidential: bool) -> list[int] | None:
    """Check a delegation proposal and the invitees (422 naming the field); take the invitees out of
    `values` and give them (None: not given)."""
    errors = {}
    if values.get("delegation_proposal"):
        if not (author.has_role("delegation_head") and author.delegation_id):
            errors["delegation_proposal"] = message(N_("Only the head of a delegation may make a delegation proposal."))
        elif confidential:
            errors["delegation_proposal"] = message(N_("A delegation proposal cannot be confidential."))
    invitees = values.pop("invitees", None)
    if invitees:
        delegates = set(
            db.session.scalars(
                select(User.id)
                .join(UserRole, UserRole.user_id == User.id)
                .where(User.id.in_(invitees), User.active, UserRole.role == "delegate")
            )
        )
        if author.id in invitees:
            errors["invitees"] = message(N_("You cannot invite yourself to co-sign."))
        elif any(i not in delegates for i in invitees):
            errors["invitees"] = message(N_("Only active delegates can be invited to co-sign."))
    if errors:
        raise InvalidPayload(errors)
    return invitees


def _invite(proposal: Proposal, invitees: list[int] | None, now: datetime) -> None:
    """Replace the draft's invitees with these (None: keep them)."""
    if invitees is None:
        return
    for invitation in list(proposal.invitations):
        if invitation.user_id not in invitees:
            proposal.invitations.remove(invitation)
            db.session.delete(invitation)
    kept = {i.user_id for i in proposal.invitations}
    for user_id in invitees:
        if user_id not in kept:
            proposal.invitations.append(Invitation(user_id=user_id, created_at=now))


def create_proposal(author: User, data, *, now: datetime | None = None) -> Proposal:
    """Create a draft for `author` and commit it with its first history row."""
    now = now or clock.utcnow()
    values = _resolve(validate(PROPOSAL_FIELDS, data))
    invitees = _procedure(author, values, bool(values.get("confidential")))
    proposal = Proposal(
        **values,
        author_id=author.id,
        delegation_id=author.delegation_id,
        state="draft",
        created_at=now,
        updated_at=now,
    )
    db.session.add(proposal)
    _invite(proposal, invitees, now)
    db.session.flush()
    db.session.add(
        HistoryEntry(proposal_id=proposal.id, seq=1, event="create", actor_id=author.id, at=now, to_state="draft")
    )
    finish()
    return proposal


def edit_draft(proposal_id: int, author: User, data, *, now: datetime | None = None) -> Proposal:
    """Change some fields of the author's own draft."""
    now = now or clock.utcnow()
    try:
        proposal = lock_proposal(proposal_id)
        if not proposal.can_edit(author):  # why not: not the author (or not to know of it), or no draft now
            if proposal.author_id != author.id:
                if can_view(author, proposal):
                    raise PermissionDenied(N_("Only the author may edit a proposal."))
                raise NotFound()
            raise StateConflict(N_("Only a draft can be edited."), state=proposal.state)
        # a partial edit: only the fields sent are checked (and those may not be emptied)
        given = EDITABLE if not isinstance(data, dict) else {k: v for k, v in EDITABLE.items() if k in data}
        values = _resolve(validate(given, data), keep_category_id=proposal.category_id)
        confidential = values.get("confidential", proposal.confidential)
        kept = {"delegation_proposal": proposal.delegation_proposal} if values.get("confidential") else {}
        checked = kept | values
        invitees = _procedure(author, checked, confidential)
        values.pop("invitees", None)
        if isinstance(data, dict):  # fields sent empty on purpose clear the optional ones
            for optional in ("desired_department_id",):
                if optional in data and data[optional] is None:
                    values[optional] = None
        changed = sorted(k for k, v in values.items() if getattr(proposal, k) != v)
        if invitees is not None and sorted(invitees) != sorted(i.user_id for i in proposal.invitations):
            changed = sorted([*changed, "invitees"])
        for key, value in values.items():
            setattr(proposal, key, value)
        _invite(proposal, invitees, now)
        proposal.updated_at = now
        write_history_row(proposal, "edit", author, now, "draft", "draft", {"changed": changed})
        finish()
    except Exception:
        db.session.rollback()
        raise
    return proposal
