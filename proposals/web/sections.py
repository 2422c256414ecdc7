"""What the proposal page's sections about versions, merges and key proposals show, as template globals.

Each answers for the current user through proposals.access, as the API's serializers do; the templates
are templates/proposals/_versions.html, _merged_from.html and _key.html.
"""

from flask_login import current_user

from ..access import can_see_author, can_see_handling, can_view
from ..models import Proposal
from ..operations.versions import changes


def version_changes(proposal: Proposal) -> list[dict]:
    """What each submitted version changed from the one before (none when submitted once at most)."""
    versions = list(proposal.versions)
    return changes(versions) if len(versions) > 1 else []


def merged_from(proposal: Proposal) -> list[Proposal]:
    """The proposals merged into this one that the current user may see."""
    return [m for m in proposal.merged_from if can_view(current_user, m)]


def coauthor_names(proposal: Proposal) -> list[str]:
    """The co-authors (authors of what was merged into it) the current user may know, each once."""
    seen, names = {proposal.author_id}, []
    for m in proposal.merged_from:
        if m.author_id not in seen and can_view(current_user, m) and can_see_author(current_user, m):
            seen.add(m.author_id)
            names.append(m.author.name)
    return names


def key_leader_name(proposal: Proposal) -> str | None:
    """The leader in charge of a key proposal (领导领办), for those who follow its handling."""
    if proposal.key and proposal.key_leader is not None and can_see_handling(current_user, proposal):
        return proposal.key_leader.name
    return None


def init_app(app) -> None:
    for function in (version_changes, merged_from, coauthor_names, key_leader_name):
        app.add_template_global(function)
