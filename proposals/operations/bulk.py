"""One event on several proposals at once, all or nothing (the committee's bulk assignment).

Each proposal goes through fire_event, the same operation as on its page and in the API, with its own
lock, checks, history row and notifications; but the events share one transaction: when any of them
is refused (it changed meanwhile, the user may not, the payload is wrong) none is kept, and the
refusal names the proposal it came from. Proposals are locked in id order, so two bulk changes
touching the same proposals wait for each other instead of deadlocking.
"""

from collections.abc import Callable, Iterable

from workflow import WorkflowError

from ..models import Proposal, User
from .events import fire_event
from .unit import unit_of_work

MAX_AT_ONCE = 100


class Refused(Exception):
    """The event was refused on one of the proposals, so on none: `proposal_id` and the engine's error."""

    def __init__(self, proposal_id: int, error: WorkflowError):
        super().__init__(proposal_id, error)
        self.proposal_id, self.error = proposal_id, error


def fire_on_all(
    proposal_ids: Iterable[int],
    event: str,
    user: User,
    payload: dict,
    *,
    read: Callable[[Proposal], object] | None = None,
) -> list:
    """Fire `event` on every proposal and commit once; raise Refused (and keep nothing) if any refuses.
    Returns, per proposal in id order, `read(proposal)` taken before the commit (the proposal itself
    without `read`)."""
    ids = sorted(set(proposal_ids))
    results: list = []

    def keep(proposal: Proposal) -> None:
        results.append(read(proposal) if read else proposal)

    with unit_of_work():
        for proposal_id in ids:
            try:
                fire_event(
                    proposal_id,
                    event,
                    user,
                    dict(payload),
                    before_commit=lambda p: results.append(read(p) if read else p),
                )
            except WorkflowError as exc:  # (leaving the block, it rolls back every event of the batch)
                raise Refused(proposal_id, exc) from exc
    return results
