"""Proposals and their co-signatures."""

from datetime import date, datetime

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    event,
    exists,
    func,
    inspect,
    select,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import NO_VALUE, Mapped, backref, mapped_column, relationship

from workflow import LIFECYCLE, RATINGS, Facts

from ..extensions import db
from .base import utcnow
from .org import User, UserRole

KINDS = ("proposal", "suggestion")
FINAL_RATINGS = (*RATINGS, "no_response")
NUMBERED_STATES = LIFECYCLE.tagged("numbered")  # accepted by the committee: each has its number (a CHECK)
RATED_STATES = frozenset(LIFECYCLE.event("evaluate").sources)  # where a reply is rated


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(f"state IN {tuple(LIFECYCLE.states)}", name="state"),
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("state <> 'merged' OR merged_into_id IS NOT NULL", name="merged_has_target"),
        CheckConstraint(f"state NOT IN {NUMBERED_STATES} OR number IS NOT NULL", name="accepted_has_number"),
        CheckConstraint(f"final_rating IS NULL OR final_rating IN {FINAL_RATINGS}", name="final_rating"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        UniqueConstraint("session_id", "number", name="uq_proposals_session_number"),
        # the report (stats.py) groups the counted proposals of a session (or all) by these columns and sums
        # over the rest: all in the index, so on PostgreSQL an index-only scan reads no row of the wide table
        Index(
            "ix_proposals_session_state",
            "session_id",
            "state",
            postgresql_include=[
                "category_id",
                "delegation_id",
                "lead_department_id",
                "lead_ack_deadline",
                "lead_reply_deadline",
                "first_reply_on_time",
                "latest_outcome",
                "final_rating",
                "author_id",
                "submitted_at",
                "confidential",
            ],
        ),
        # the list's filters and sorts (queries.py) at scale: keyset pages walk these, never a whole table
        Index("ix_proposals_session_id_id", "session_id", "id"),
        Index("ix_proposals_updated_at_id", "updated_at", "id"),
        Index("ix_proposals_title_id", "title", "id"),
        # the list's text search (ILIKE '%...%' on each) through trigrams: PostgreSQL only (pg_trgm)
        Index(
            "ix_proposals_text_trgm",
            "title",
            "reason",
            "measures",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops", "reason": "gin_trgm_ops", "measures": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("congress_sessions.id"))
    number: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(20), default="proposal")
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    desired_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    confidential: Mapped[bool] = mapped_column(default=False)
    # a delegation's proposal (代表团提案): its head is the author; it co-signs by a share of the delegation
    delegation_proposal: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    state: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    # the session of the grassroots union it was escalated from, to its present session's (the latest)
    escalated_from_session_id: Mapped[int | None] = mapped_column(ForeignKey("congress_sessions.id"), index=True)
    rehandle_round: Mapped[int] = mapped_column(default=0)
    # of the rounds after the first, those the committee asked for (request_rehandle): max_rehandle counts
    # the others, the unsatisfied author's (workflow.Facts.unsatisfied_rounds)
    committee_rehandles: Mapped[int] = mapped_column(default=0, server_default="0")
    # the proposal's one deadline extension (0: none yet), whichever of its assignments it moved; and what is
    # asked of the supervisor or the committee while it awaits their answer (one open request of each kind)
    extension_days: Mapped[int] = mapped_column(default=0, server_default="0")
    extension_requested_days: Mapped[int | None]
    return_requested_at: Mapped[datetime | None]
    final_rating: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # facts of the assignments and replies the statistics need, derived and kept by proposals/facts.py
    # (never set by hand): the active lead assignment's department and deadlines, whether the first
    # reply was on time and the latest reply's outcome; null when there is no such assignment or reply
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    lead_ack_deadline: Mapped[date | None]
    lead_reply_deadline: Mapped[date | None]
    first_reply_on_time: Mapped[bool | None]
    latest_outcome: Mapped[str | None] = mapped_column(String(10))
    countersign_deadline: Mapped[date | None]  # the earliest of a co-handler yet to countersign the draft reply
    first_reply_working_days: Mapped[int | None]  # from the lead assignment to the first reply (the calendar's)
    # a key proposal (重点提案), marked by the committee, and the leader who takes charge of it (领导领办)
    key: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    key_leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # optimistic lock: a write based on a stale read fails instead of overwriting
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    session = relationship("CongressSession", foreign_keys=[session_id])
    escalated_from_session = relationship("CongressSession", foreign_keys=[escalated_from_session_id])
    category = relationship("Category")
    author = relationship("User", foreign_keys=[author_id])
    delegation = relationship("OrgUnit", foreign_keys=[delegation_id])
    desired_department = relationship("OrgUnit", foreign_keys=[desired_department_id])
    # what was merged into it (并案) is the other way of the same link
    merged_into: Mapped["Proposal | None"] = relationship(
        remote_side=[id], backref=backref("merged_from", order_by="Proposal.id")
    )
    invitations: Mapped[list["Invitation"]] = relationship(order_by="Invitation.id", cascade="all")
    # the co-signatures that count: of the text submitted last (a resubmission ends the earlier ones)
    cosignatures: Mapped[list["Cosignature"]] = relationship(
        primaryjoin="and_(Proposal.id == Cosignature.proposal_id, Cosignature.ended_at.is_(None))",
        back_populates="proposal",
        order_by="Cosignature.id",
        cascade="all",
    )
    # every co-signature ever given, ended ones too (kept on record: they signed an earlier text)
    all_cosignatures: Mapped[list["Cosignature"]] = relationship(order_by="Cosignature.id", viewonly=True)
    versions: Mapped[list["ProposalVersion"]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number", cascade="all"
    )
    key_leader = relationship("User", foreign_keys=[key_leader_id])
    assignments = relationship("Assignment", back_populates="proposal", order_by="Assignment.id", cascade="all")
    replies = relationship("Reply", back_populates="proposal", order_by="Reply.round", cascade="all")
    reply_drafts = relationship("ReplyDraft", back_populates="proposal", order_by="ReplyDraft.round", cascade="all")
    evaluations = relationship("Evaluation", back_populates="proposal", order_by="Evaluation.id", cascade="all")
    progress_notes = relationship("ProgressNote", order_by="ProgressNote.id", cascade="all")
    history = relationship("HistoryEntry", back_populates="proposal", order_by="HistoryEntry.seq", cascade="all")

    @property
    def invitees(self) -> list[int]:
        """The ids of the delegates the author invited to co-sign (the form's picker reads them)."""
        return [i.user_id for i in self.invitations]

    # not a column: the engine's decisions of the events just fired on it (operations.events.fire_events)
    decisions: tuple = ()

    @property
    def active_assignments(self) -> list:
        return [a for a in self.assignments if a.ended_at is None]

    @property
    def lead_assignment(self):
        return next((a for a in self.active_assignments if a.role == "lead"), None)

    @property
    def current_reply(self):
        return next((r for r in self.replies if r.round == self.rehandle_round), None)

    def can_edit(self, user) -> bool:
        """Whether `user` may change the proposal's text and attachments: its author, while it is a draft.
        The operations, the pages and the templates all ask this."""
        return (
            user is not None
            and getattr(user, "id", None) is not None
            and user.id == self.author_id
            and self.state == "draft"
        )

    def facts(self) -> Facts:
        """What the engine needs to know of this proposal, from its collections (loaded if need be)."""
        return facts_from(
            self,
            ((c.user_id, c.user.delegation_id) for c in self.cosignatures),
            (
                (
                    a.department_id,
                    a.role,
                    bool(a.acknowledged_at),
                    a.agreed(self.rehandle_round),
                    a.extended_days,
                )
                for a in self.active_assignments
            ),
            (e.user_id for e in self.evaluations if e.round == self.rehandle_round),
            **facts_context(self),
        )

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state}>"


def _people_statements():
    """The co-authors' and the delegation head's statements, built once (every event's facts read them)."""
    users, roles, proposals = User.__table__, UserRole.__table__, Proposal.__table__
    coauthors = select(proposals.c.author_id).where(
        proposals.c.merged_into_id == bindparam("pid"), proposals.c.state == "merged"
    )
    # the delegation that pre-reviews it: its own, or (a first submission) the author's
    author_delegation = select(users.c.delegation_id).where(users.c.id == bindparam("author")).scalar_subquery()
    delegation = func.coalesce(bindparam("delegation"), author_delegation)
    head = exists().where(
        roles.c.user_id == users.c.id,
        users.c.delegation_id == delegation,
        users.c.active,
        roles.c.role == "delegation_head",
    )
    return coauthors, select(head)


_COAUTHORS, _HAS_HEAD = _people_statements()


def people_params(proposal: Proposal) -> dict:
    """The parameters of the delegation head's statement: the author's delegation stands in for a draft
    without one (its first submission takes it)."""
    author = proposal.author_id if proposal.delegation_id is None and proposal.state == "draft" else None
    return {"delegation": proposal.delegation_id, "author": author}


def facts_context(proposal: Proposal, now: datetime | None = None, *, read: dict | None = None) -> dict:
    """The engine's facts of `proposal` beyond its own collections, each by one small query: its co-authors
    (authors of what was merged into it), whether its delegation has a head to pre-review it, how many
    working days it has waited in delegation review, and whether the working days to rate its reply are over.

    `read`: what the caller read already (operations.events.load_facts, in its one statement): "coauthors"
    (ids), "has_head" and "draft" (this round's draft reply as (status, department id), None: none)."""
    from ..operations import clock  # (clock reads the calendar models)
    from .history import HistoryEntry

    found: dict = {"key": bool(proposal.key), "key_leader_id": proposal.key_leader_id}
    if read is None:
        read = {
            "coauthors": db.session.scalars(_COAUTHORS, {"pid": proposal.id}),
            "has_head": db.session.scalar(_HAS_HEAD, people_params(proposal)),
        }
    found["coauthor_ids"] = frozenset(read["coauthors"]) - {proposal.author_id}
    found["delegation_has_head"] = bool(read["has_head"])
    waited = 0
    if proposal.state == "delegation_review":
        since = db.session.scalar(
            select(func.max(HistoryEntry.at)).where(
                HistoryEntry.proposal_id == proposal.id, HistoryEntry.to_state == "delegation_review"
            )
        )
        if since is not None:
            today = clock.local_date(now or clock.utcnow())
            waited = max(0, clock.working_calendar().between(clock.local_date(since), today))
    found["prereview_waited"] = waited
    found["draft_status"] = draft_status(proposal, read["draft"]) if "draft" in read else draft_status(proposal)
    if proposal.state == "review":
        from ..unions import parent_open_session

        found["parent_session_open"] = parent_open_session(proposal.session) is not None
    found["assignment_waited"] = _assignment_waited(proposal, now) if proposal.state == "assigned" else 0
    if proposal.state in RATED_STATES:
        from ..operations.released import rating_window_over

        found["rating_window_over"] = rating_window_over(proposal, clock.local_date(now or clock.utcnow()))
    return found


_NO_DRAFT = object()


def draft_status(proposal: Proposal, draft=_NO_DRAFT) -> str | None:
    """What this round's draft reply waits for (None: no draft, or it has gone out). A draft of a department
    that has since handed the proposal back is no longer anyone's to countersign or approve.

    `draft`: the draft as (status, department id), or None, when the caller read it already."""
    from .handling import ReplyDraft

    if proposal.state != "in_progress":
        return None
    if draft is _NO_DRAFT:
        loaded = inspect(proposal).attrs.reply_drafts.loaded_value  # a page that shows them has them already
        if loaded is not NO_VALUE:
            found = next((d for d in loaded if d.round == proposal.rehandle_round), None)
            draft = None if found is None else (found.status, found.department_id)
        else:
            draft = db.session.execute(
                select(ReplyDraft.status, ReplyDraft.department_id).where(
                    ReplyDraft.proposal_id == proposal.id, ReplyDraft.round == proposal.rehandle_round
                )
            ).first()
    if draft is None:
        return None
    status, department_id = draft
    if status == "released" or department_id != proposal.lead_department_id:
        return None
    return status


def _assignment_waited(proposal: Proposal, now: datetime | None) -> int:
    """Working days since the active lead assignment was made (the days to return it count from it)."""
    from ..operations import clock
    from .handling import Assignment

    since = db.session.scalar(
        select(func.min(Assignment.assigned_at)).where(
            Assignment.proposal_id == proposal.id, Assignment.role == "lead", Assignment.ended_at.is_(None)
        )
    )
    if since is None:
        return 0
    today = clock.local_date(now or clock.utcnow())
    return max(0, clock.working_calendar().between(clock.local_date(since), today))


def facts_from(proposal: Proposal, cosigners, active_assignments, evaluator_ids, **context) -> Facts:
    """The engine's facts of `proposal`, given its co-signers as (user id, their delegation) in the order they
    signed, its active assignments in the order they were
    made as (department id, role, acknowledged, countersigned this round, extended days) and who rated
    this round's reply: the one place they are put together, whether from the loaded collections
    (Proposal.facts) or from one query (operations.events.load_facts)."""
    lead = None
    cohandlers, acknowledged, countersigned = set(), set(), set()
    for department_id, role, is_acknowledged, is_countersigned, extended_days in active_assignments:
        if role == "lead" and lead is None:
            lead = (department_id, extended_days)
        elif role == "cohandler":
            cohandlers.add(department_id)
            if is_countersigned:
                countersigned.add(department_id)
        if is_acknowledged:
            acknowledged.add(department_id)
    cosigners = list(cosigners)
    return Facts(
        state=proposal.state,
        author_id=proposal.author_id,
        delegation_id=proposal.delegation_id,
        cosigner_ids=frozenset(who for who, _ in cosigners),
        cosigner_delegation_ids=tuple(delegation for _, delegation in cosigners),
        lead_department_id=lead[0] if lead else None,
        cohandler_department_ids=frozenset(cohandlers),
        acknowledged_department_ids=frozenset(acknowledged),
        countersigned_department_ids=frozenset(countersigned),
        evaluator_ids=frozenset(evaluator_ids),
        rehandle_round=proposal.rehandle_round,
        committee_rehandles=proposal.committee_rehandles or 0,
        extended=bool(proposal.extension_days),
        extension_requested=proposal.extension_requested_days is not None,
        return_requested=proposal.return_requested_at is not None,
        submitted_before=proposal.submitted_at is not None,
        delegation_proposal=bool(proposal.delegation_proposal),
        delegation_delegates=delegation_delegates(proposal) if proposal.delegation_proposal else 0,
        **context,
    )


def delegation_delegates(proposal: Proposal) -> int:
    """The active delegates of a delegation proposal's delegation, its head (the author) aside."""
    from .org import User, UserRole

    if proposal.delegation_id is None:
        return 0
    users, roles = User.__table__, UserRole.__table__
    stmt = (
        select(func.count())
        .select_from(users.join(roles, roles.c.user_id == users.c.id))
        .where(
            roles.c.role == "delegate",
            users.c.active,
            users.c.delegation_id == proposal.delegation_id,
            users.c.id != proposal.author_id,
        )
    )
    return int(db.session.scalar(stmt) or 0)


event.listen(
    Proposal.__table__, "before_create", DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")
)


class Cosignature(db.Model):
    """A delegate's co-signature of one submitted version of a proposal; ended (not deleted) when the
    proposal is resubmitted, since it signed another text."""

    __tablename__ = "cosignatures"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id", "version", name="uq_cosignatures_proposal_user_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # the number of the version signed
    ended_at: Mapped[datetime | None]  # when a resubmission ended it

    proposal: Mapped[Proposal] = relationship(back_populates="cosignatures")
    user = relationship("User")


class Invitation(db.Model):
    """A delegate the author invited to co-sign (邀请附议): told on submission, first in their tasks."""

    __tablename__ = "cosign_invitations"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id", name="uq_cosign_invitations_proposal_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


# the attachments each submitted version carried
version_attachments = Table(
    "proposal_version_attachments",
    db.metadata,
    Column("version_id", ForeignKey("proposal_versions.id"), primary_key=True),
    Column("attachment_id", ForeignKey("attachments.id"), primary_key=True, index=True),
)


class ProposalVersion(db.Model):
    """What one submission of a proposal said (its text and attachments): nothing submitted is lost."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number", name="uq_proposal_versions_proposal_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    number: Mapped[int]
    submitted_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    attachments = relationship("Attachment", secondary=version_attachments, order_by="Attachment.id")
