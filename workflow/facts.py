"""What the engine knows of a proposal, an actor and a session: plain immutable values.

The application builds these from its records; the engine never touches a database.
"""

from dataclasses import dataclass

ROLES = (
    "worker",
    "delegate",
    "delegation_head",
    "committee",
    "department_handler",
    "supervisor",
    "union_admin",
    "leader",
)

SYSTEM = "system"  # the pseudo-role of scheduled events (tick)


@dataclass(frozen=True)
class Actor:
    id: int | None
    roles: frozenset[str]
    department_id: int | None = None
    delegation_id: int | None = None

    @classmethod
    def system(cls) -> "Actor":
        return cls(id=None, roles=frozenset({SYSTEM}))


@dataclass(frozen=True)
class Settings:
    """The settings of a congress session the lifecycle's conditions and requirements read (defaults as in
    DOMAIN.md; the application's table of settings, proposals/settings.py, holds them all)."""

    min_cosigners: int = 2
    delegation_review: bool = False
    max_rehandle: int = 2
    session_open: bool = True  # whether the session still takes proposals (is_open)
    proposers: str = "workers"  # who may submit: "workers" (everyone) or "delegates"
    min_cosigner_delegations: int = 0  # how many different delegations the co-signers must come from
    delegation_share: float = 0.5  # of a delegation's delegates who co-sign a delegation proposal
    late_submissions: str = "accept"  # what a submission after the collection window is: accept, suggestion, refuse
    collection_over: bool = False  # whether the collection window has ended (the application knows the day)
    delegation_review_days: int = 5  # working days the delegation head has before the committee may act
    reply_approval: str = "none"  # who approves a countersigned draft reply: none, supervisor or committee
    two_axis_rating: bool = False  # raters judge the department's attitude (办理态度) as well as the result
    decline_days: int = 5  # working days from the assignment within which the lead department may return it


@dataclass(frozen=True)
class Facts:
    """The state of one proposal as far as guards need to know it."""

    state: str
    author_id: int
    delegation_id: int | None = None
    cosigner_ids: frozenset[int] = frozenset()
    lead_department_id: int | None = None
    cohandler_department_ids: frozenset[int] = frozenset()
    acknowledged_department_ids: frozenset[int] = frozenset()
    # co-handlers who agreed to the present revision of this round's draft reply
    countersigned_department_ids: frozenset[int] = frozenset()
    # what this round's draft reply waits for (awaiting_countersign, awaiting_approval, returned), None:
    # no draft, or it has gone out
    draft_status: str | None = None
    evaluator_ids: frozenset[int] = frozenset()  # who rated the present reply
    rehandle_round: int = 0  # handling rounds after the first, however they came about
    committee_rehandles: int = 0  # of those, the rounds the committee asked for (request_rehandle)
    extended: bool = False  # the proposal's one extension has been given (whichever assignment it was on)
    extension_requested: bool = False  # a department's request for more time awaits the supervisor
    return_requested: bool = False  # the lead department's request to hand it back awaits the committee
    assignment_waited: int = 0  # working days since the lead department was assigned (while assigned)
    submitted_before: bool = False  # submitted once already (a draft sent back): a resubmission is never late
    delegation_proposal: bool = False  # a delegation's proposal (代表团提案), submitted by its head
    delegation_delegates: int = 0  # the delegation's active delegates other than its head (the author)
    cosigner_delegation_ids: tuple[int | None, ...] = ()  # each co-signer's delegation, one entry a co-signer
    coauthor_ids: frozenset[int] = frozenset()  # authors of the proposals merged into this one
    delegation_has_head: bool = True  # the delegation that would pre-review it has an active head
    prereview_waited: int = 0  # working days it has waited in delegation review
    key: bool = False  # a key proposal (重点提案)
    key_leader_id: int | None = None  # the leader who takes charge of it (领导领办)
    rating_window_over: bool = False  # the `feedback_days` working days after the released reply have passed
    parent_session_open: bool = False  # the union above the proposal's has an open session (to escalate to)

    @property
    def unsatisfied_rounds(self) -> int:
        """The re-handling rounds an unsatisfied author's rating started: those `max_rehandle` counts."""
        return self.rehandle_round - self.committee_rehandles
