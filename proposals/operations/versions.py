"""The submitted versions of a proposal: nothing submitted is ever lost.

Each submission (the first and every resubmission after a send-back) keeps the text and the attachments
it carried as a numbered version; the page shows what changed between them (templates/proposals/
_versions.html) and the API lists them (GET /api/v1/proposals/ID/versions). An attachment of a submitted
version is never removed, only left out of the next one (operations.attachments.remove_attachment).
"""

from datetime import UTC, datetime

from sqlalchemy import exists, func, select

from ..access import can_view
from ..extensions import db
from ..models import Attachment, Proposal, ProposalVersion, User
from ..models.proposal import version_attachments
from .errors import NotFound

TEXT_FIELDS = ("title", "reason", "measures")


def latest_number(proposal_id: int) -> int:
    """The number of the proposal's latest version (0: never submitted)."""
    found = db.session.scalar(
        select(func.max(ProposalVersion.number)).where(ProposalVersion.proposal_id == proposal_id)
    )
    return found or 0


def record_version(proposal: Proposal, now: datetime) -> ProposalVersion:
    """Keep what is being submitted now as the proposal's next version (in the submit's transaction)."""
    current = list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.proposal_id == proposal.id, Attachment.left_out_at.is_(None))
            .order_by(Attachment.id)
        )
    )
    version = ProposalVersion(
        proposal_id=proposal.id,
        number=latest_number(proposal.id) + 1,
        submitted_at=now,
        title=proposal.title,
        reason=proposal.reason,
        measures=proposal.measures,
        attachments=current,
    )
    db.session.add(version)
    return version


def in_a_version(attachment_id: int) -> bool:
    """Whether a submitted version carried this attachment (so it may be left out, never removed)."""
    return bool(db.session.scalar(select(exists().where(version_attachments.c.attachment_id == attachment_id))))


def versions_of(proposal_id: int, user: User) -> list[ProposalVersion]:
    """The proposal's versions, oldest first, for whoever may view it (NotFound otherwise)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can_view(user, proposal):
        raise NotFound()
    return list(proposal.versions)


def version_json(version: ProposalVersion) -> dict:
    return {
        "number": version.number,
        "submitted_at": version.submitted_at.replace(tzinfo=UTC).isoformat(),
        **{name: getattr(version, name) for name in TEXT_FIELDS},
        "attachments": [{"id": a.id, "filename": a.filename, "size": a.size} for a in version.attachments],
    }


def changes(versions: list[ProposalVersion]) -> list[dict]:
    """What each version changed from the one before: for each version, its number and date, the text
    fields that changed (old, new) and the attachments it added and left out (the first: everything)."""
    out, before = [], None
    for v in versions:
        fields = [
            {"name": name, "old": getattr(before, name) if before else None, "new": getattr(v, name)}
            for name in TEXT_FIELDS
            if before is None or getattr(before, name) != getattr(v, name)
        ]
        old_ids = {a.id for a in before.attachments} if before else set()
        new_ids = {a.id for a in v.attachments}
        out.append(
            {
                "version": v,
                "fields": fields,
                "added": [a for a in v.attachments if a.id not in old_ids],
                "left_out": [a for a in (before.attachments if before else []) if a.id not in new_ids],
            }
        )
        before = v
    return out
