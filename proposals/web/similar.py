"""Finding proposals with similar titles, so an author can co-sign one instead of writing it again."""

from sqlalchemy import case, literal, select

from workflow import LIFECYCLE

from ..access import visible_filter
from ..extensions import db
from ..inputs import id_or_nothing
from ..models import Proposal, User

COSIGNABLE_STATES = LIFECYCLE.event("cosign").sources  # what may still be co-signed: the hint offers only these
MAX_GRAMS = 12
SHOWN = 5
NOISE = set("关于的和与及对进一步加强提案建议")  # characters every title has: they prove nothing


def grams(title: str) -> list[str]:
    """The title's two-character pieces (Chinese has no spaces), noise dropped, at most MAX_GRAMS."""
    text = "".join(ch for ch in (title or "") if ch.isalnum())
    pieces = []
    for i in range(len(text) - 1):
        gram = text[i : i + 2]
        if not set(gram) <= NOISE and gram not in pieces:
            pieces.append(gram)
    return pieces[:MAX_GRAMS]


def similar_titles(title: str | None, *, user: User, exclude: int | None = None) -> list[Proposal]:
    """Visible, submitted proposals of any session whose titles share at least half the pieces."""
    pieces = grams(title or "")
    if len(pieces) < 2:
        return []
    score = sum((case((Proposal.title.contains(g, autoescape=True), 1), else_=0) for g in pieces), literal(0))
    needed = max(2, (len(pieces) + 1) // 2)
    stmt = (
        select(Proposal)
        .where(visible_filter(user), Proposal.state.notin_(("draft", "withdrawn")), score >= needed)
        .order_by(score.desc(), Proposal.id.desc())
        .limit(SHOWN)
    )
    if exclude is not None:
        stmt = stmt.where(Proposal.id != exclude)
    return list(db.session.scalars(stmt))


def merge_candidates(proposal: Proposal, *, user: User, query: str | None = None, shown: int = 10) -> list[Proposal]:
    """Proposals of the same session this one may be merged into: those matching `query` (words of the
    title, or the number), or else those with the most similar titles."""
    from ..operations.handlers import MERGE_TARGET_STATES

    stmt = select(Proposal).where(
        visible_filter(user),
        Proposal.session_id == proposal.session_id,
        Proposal.state.in_(MERGE_TARGET_STATES),
        Proposal.id != proposal.id,
    )
    query = (query or "").strip()
    if query:
        number = id_or_nothing(query)
        if number is not None:
            stmt = stmt.where((Proposal.number == number) | (Proposal.id == number))
        elif query.isdigit():  # a number no proposal has
            return []
        else:
            stmt = stmt.where(Proposal.title.contains(query, autoescape=True))
        return list(db.session.scalars(stmt.order_by(Proposal.id.desc()).limit(shown)))
    pieces = grams(proposal.title)
    if not pieces:
        return []
    score = sum((case((Proposal.title.contains(g, autoescape=True), 1), else_=0) for g in pieces), literal(0))
    return list(db.session.scalars(stmt.where(score >= 1).order_by(score.desc(), Proposal.id.desc()).limit(shown)))
