"""One generated proposal's life: the steps a real walk through the lifecycle takes to a chosen state.

Pure data, no database: `Walker.proposal()` returns the proposal's row and the rows of every table a
real walk writes (history, co-signatures, assignments, countersignatures, progress notes, replies,
evaluations), ids included, so that the caller can insert them in bulk. The steps follow
workflow/definition.py: each history row's from_state is the previous row's to_state, and an event
whose transition keeps the state (cosign before the last needed one, a co-handler's acknowledge,
progress, urge, extend, countersign, a co-signer's rating) writes from_state == to_state.
"""

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from workflow import LIFECYCLE

from . import texts

# where proposals of a finished session end, and of the open one: (state, weight)
PAST_STATES = (
    ("archived", 50),
    ("closed", 17),
    ("rejected", 11),
    ("merged", 5),
    ("withdrawn", 6),
    ("replied", 2),
    ("in_progress", 2),
)
OPEN_STATES = (
    ("draft", 4),
    ("cosigning", 6),
    ("delegation_review", 5),
    ("review", 8),
    ("accepted", 5),
    ("rejected", 6),
    ("merged", 2),
    ("withdrawn", 3),
    ("assigned", 7),
    ("in_progress", 16),
    ("replied", 10),
    ("closed", 22),
    ("archived", 8),
)
HANDLED = LIFECYCLE.or_later("assigned")
ESCALATED_SHARE = 0.12  # of a grassroots session's proposals under review: beyond its union's authority
MERGE_TARGET_STATES = LIFECYCLE.tagged("merge_target")


@dataclass
class Ids:
    """The next free id of each table; the caller reads them from the database once."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


@dataclass
class Org:
    """Who may act: ids of the generated organisation's people and units."""

    authors: list[tuple[int, int]]  # (user id, delegation id) of delegates and workers
    delegates: list[int]
    heads: dict[int, int]  # delegation id -> its head's user id
    committee: list[int]
    supervisors: list[int]
    handlers: dict[int, list[int]]  # department id -> its handlers' user ids
    categories: list[int]


@dataclass
class Session:
    id: int
    start: datetime  # when the collection opened (UTC)
    days: int  # how long proposals kept coming in
    open: bool
    settings: dict  # min_cosigners, delegation_review, max_rehandle, reply_days, ack_days, two_axis_rating
    last_number: int
    merge_targets: list[int] = field(default_factory=list)
    org: "Org | None" = None  # a grassroots union's people, where they are not the walker's own (a group)
    parent: "Session | None" = None  # a grassroots session's: the union above's of the same year (escalate)


@dataclass
class Rows:
    """The rows of one batch of proposals, by table, as dicts of column values."""

    proposals: list = field(default_factory=list)
    proposal_versions: list = field(default_factory=list)
    history: list = field(default_factory=list)
    cosignatures: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    countersignatures: list = field(default_factory=list)
    progress_notes: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    reply_drafts: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)

    # in the order they are written: what a row refers to comes first
    TABLES = (
        "proposals",
        "proposal_versions",
        "history",
        "cosignatures",
        "assignments",
        "progress_notes",
        "replies",
        "reply_drafts",
        "countersignatures",
        "evaluations",
    )


def _cumulative(table) -> tuple[tuple[str, ...], list[int]]:
    states, weights = zip(*table, strict=True)
    return states, list(itertools.accumulate(weights))


PAST, OPEN = _cumulative(PAST_STATES), _cumulative(OPEN_STATES)


class Walker:
    """Makes proposals with full histories, from a seeded random generator."""

    def __init__(
        self, rng: random.Random, org: Org, ids: Ids, now: datetime, add_working_days: Callable[[date, int], date]
    ):
        self.rng, self.org, self.ids, self.now = rng, org, ids, now
        self.home = org  # the people of the sessions without an org of their own
        self.add_working_days = add_working_days
        # the proposal being walked: its row, the batch, its clock, its last history seq, its co-signers,
        # and how much its steps' gaps shrink to end by now
        self.p, self.rows, self.t, self.seq, self.cosigners, self.scale = {}, Rows(), now, 0, [], 1.0
        # the number of its latest submitted version and its co-signature rows not ended
        self.versions, self.signed = 0, []

    def proposal(self, session: Session, rows: Rows) -> None:
        """Add one proposal of `session` and everything its walk wrote to `rows`."""
        rng = self.rng
        self.org = session.org or self.home  # a union's congress of a group: its own people act in it
        states, cumulative = OPEN if session.open else PAST
        target = rng.choices(states, cum_weights=cumulative)[0]
        if target == "merged" and not session.merge_targets:
            target = "rejected"
        if target == "delegation_review" and not session.settings["delegation_review"]:
            target = "review"
        author, delegation = rng.choice(self.org.authors)
        created = session.start + timedelta(days=rng.uniform(0, session.days), minutes=rng.randint(30, 570))
        # the walk takes about this long; squeezed in when it would reach past now
        self.scale = min(1.0, max((self.now - created).total_seconds() / 86400, 0.01) / 120)
        title, reason, measures = texts.proposal(rng)
        p = {
            "id": self.ids.take("proposals"),
            "session_id": session.id,
            "number": None,
            "kind": "proposal",
            "title": title,
            "reason": reason,
            "measures": measures,
            "category_id": rng.choice(self.org.categories),
            "desired_department_id": rng.choice(list(self.org.handlers)) if rng.random() < 0.5 else None,
            "confidential": rng.random() < 0.05,
            "author_id": author,
            "delegation_id": delegation,
            "state": "draft",
            "merged_into_id": None,
            "rehandle_round": 0,
            "committee_rehandles": 0,
            "extension_days": 0,
            "extension_requested_days": None,
            "return_requested_at": None,
            "final_rating": None,
            "created_at": created,
            "updated_at": created,
            "submitted_at": None,
            "decided_at": None,
            "closed_at": None,
            "version": 1,
        }
        self.p, self.rows, self.t, self.seq, self.cosigners = p, rows, created, 0, []
        self.versions, self.signed = 0, []
        self.step("create", author, None, "draft", gap=0)
        self._walk(session, target)
        p.setdefault("escalated_from_session_id", None)  # every row has the column (COPY takes the first's)
        p["updated_at"] = self.t
        p["version"] = self.seq
        rows.proposals.append(p)
        if p["state"] in MERGE_TARGET_STATES and p["session_id"] == session.id and len(session.merge_targets) < 5000:
            session.merge_targets.append(p["id"])

    # -- the walk ----------------------------------------------------------------------------------

    def step(self, event, actor, from_state, to_state, gap: float, payload=None) -> None:
        """Advance the clock by about `gap` days and write the event's history row."""
        if gap:
            self.t += timedelta(days=gap * self.rng.uniform(0.5, 1.5) * self.scale)
            if self.t > self.now:
                self.t = self.now
        self.seq += 1
        payload = payload or {}
        self.rows.history.append(
            {
                "id": self.ids.take("history"),
                "proposal_id": self.p["id"],
                "seq": self.seq,
                "event": event,
                "actor_id": actor,
                "at": self.t,
                "from_state": from_state,
                "to_state": to_state,
                "comment": payload.get("reason") or payload.get("comment") or payload.get("note"),
                "payload": payload,
            }
        )
        self.p["state"] = to_state

    def _walk(self, session: Session, target: str) -> None:
        rng, p = self.rng, self.p
        settings = session.settings
        needed = settings["min_cosigners"]
        after_cosigning = "delegation_review" if settings["delegation_review"] else "review"
        if target == "draft":
            if rng.random() < 0.2:
                self._sent_back(session, needed, after_cosigning)
            return
        if rng.random() < 0.03:
            self._sent_back(session, needed, after_cosigning)
        self._submit(needed, after_cosigning)
        if target == "withdrawn" and rng.random() < 0.4:
            self.step("withdraw", p["author_id"], p["state"], "withdrawn", 3, texts.maybe(rng, "reason"))
            return
        if p["state"] == "cosigning":
            missing = needed - len(self.cosigners)
            if target == "cosigning":
                self._cosign(rng.randrange(missing), needed, after_cosigning)
                return
            if rng.random() < 0.08:  # the co-signing deadline passed with too few: reviewed as a suggestion
                self._cosign(rng.randrange(missing), needed, after_cosigning)
                self.step("close_cosigning", None, "cosigning", "review", 20)
                p["kind"] = "suggestion"
            else:
                self._cosign(missing, needed, after_cosigning)
        if p["state"] == "delegation_review":
            if target == "delegation_review":
                return
            head = self.org.heads[p["delegation_id"]]
            self.step("forward", head, "delegation_review", "review", 2, texts.maybe(rng, "comment"))
        session, target = self._escalation(session, target)
        if target in ("cosigning", "delegation_review", "review"):
            return
        if target == "withdrawn":
            self.step("withdraw", p["author_id"], "review", "withdrawn", 2, texts.maybe(rng, "reason"))
            return
        committee = rng.choice(self.org.committee)
        if target == "rejected":
            self.step("reject", committee, "review", "rejected", 5, {"reason": rng.choice(texts.REJECT_REASONS)})
            p["decided_at"] = self.t
            return
        if target == "merged":
            into = rng.choice(session.merge_targets)
            self.step("merge", committee, "review", "merged", 5, {"into_id": into})
            p["merged_into_id"], p["decided_at"] = into, self.t
            return
        session.last_number += 1
        p["number"] = session.last_number
        if p["kind"] == "suggestion" or rng.random() < 0.12:
            payload = {**texts.maybe(rng, "reason"), "number": p["number"]}
            self.step("convert", committee, "review", "accepted", 5, payload)
            p["kind"] = "suggestion"
        else:
            self.step(
                "accept", committee, "review", "accepted", 5, {**texts.maybe(rng, "comment"), "number": p["number"]}
            )
        p["decided_at"] = self.t
        if target == "accepted":
            if rng.random() < 0.15:
                self._declined(session, committee)
            return
        if rng.random() < 0.04:
            self._declined(session, committee)
        self._handle(session, committee, target)

    def _escalation(self, session: Session, target: str) -> tuple[Session, str]:
        """A share of a grassroots session's proposals under review, escalated (上报) by its committee to the
        union above's session of the same year, open then, as the `escalate` event does: review to review, the
        history row saying whence and whither, the proposal in that session (its numbering, its committee,
        its departments: the walk goes on there, to the same target) and where it came from kept on it. The
        session it walks on and its target (a merge needs a proposal of that session to merge into)."""
        p = self.p
        if session.parent is None or p["state"] != "review" or self.rng.random() >= ESCALATED_SHARE:
            return session, target
        parent = session.parent
        payload = {
            "reason": self.rng.choice(texts.ESCALATE_REASONS),
            "from_session_id": session.id,
            "to_session_id": parent.id,
        }
        self.step("escalate", self.rng.choice(self.org.committee), "review", "review", 3, payload)
        p["session_id"], p["escalated_from_session_id"] = parent.id, session.id
        self.org = parent.org or self.home  # the union above's people decide and handle it now
        if target == "merged" and not parent.merge_targets:
            target = "rejected"
        return parent, target

    def _sent_back(self, session: Session, needed: int, after: str) -> None:
        """Submitted, co-signed, then sent back for revision: a draft again, its co-signatures ended (they
        signed a text the author may now change; the resubmission starts co-signing again)."""
        p = self.p
        self._submit(needed, after)
        self._cosign(needed - len(self.cosigners), needed, after)
        if p["state"] == "delegation_review":
            by = self.org.heads[p["delegation_id"]]
        else:
            by = self.rng.choice(self.org.committee)
        payload = {**texts.send_back(self.rng), "title": p["title"]}
        if self.signed:
            payload["cosignatures_ended"] = len(self.signed)
        self.step("send_back", by, p["state"], "draft", 4, payload)
        for row in self.signed:
            row["ended_at"] = self.t
        self.signed, self.cosigners = [], []
        self.step("edit", p["author_id"], "draft", "draft", 2, {"changed": ["measures"]})

    def _submit(self, needed: int, after: str) -> None:
        p = self.p
        # co-signing starts on each submission (straight on only when the session asks for no co-signer)
        self.versions += 1
        self.step(
            "submit", p["author_id"], "draft", after if needed <= 0 else "cosigning", 1, {"version": self.versions}
        )
        if p["submitted_at"] is None:
            p["submitted_at"] = self.t
        self.rows.proposal_versions.append(
            {
                "id": self.ids.take("proposal_versions"),
                "proposal_id": p["id"],
                "number": self.versions,
                "submitted_at": self.t,
                "title": p["title"],
                "reason": p["reason"],
                "measures": p["measures"],
            }
        )

    def _cosign(self, count: int, needed: int, after: str) -> None:
        """`count` more co-signatures; the last needed one moves the proposal on."""
        p = self.p
        pool = self.org.delegates
        chosen: list[int] = []
        while len(chosen) < count:
            user = self.rng.choice(pool)
            if user != p["author_id"] and user not in self.cosigners and user not in chosen:
                chosen.append(user)
        for user in chosen:
            self.cosigners.append(user)
            payload = texts.maybe(self.rng, "comment", texts.COSIGN_COMMENTS)
            to_state = after if len(self.cosigners) == needed else "cosigning"
            self.step("cosign", user, "cosigning", to_state, 1, payload)
            row = {
                "id": self.ids.take("cosignatures"),
                "proposal_id": p["id"],
                "user_id": user,
                "comment": payload.get("comment"),
                "created_at": self.t,
                "version": self.versions,
                "ended_at": None,
            }
            self.rows.cosignatures.append(row)
            self.signed.append(row)

    def _assign(self, session: Session, committee: int) -> tuple[dict, list[dict]]:
        rng, p = self.rng, self.p
        departments = list(self.org.handlers)
        lead = rng.choice(departments)
        cohandlers = [d for d in rng.sample(departments, rng.choice((0, 0, 0, 1, 1, 2))) if d != lead]
        payload = {"lead_department_id": lead}
        if cohandlers:
            payload["cohandler_department_ids"] = cohandlers
        self.step("assign", committee, "accepted", "assigned", 3, payload)
        today = (self.t + timedelta(hours=8)).date()
        ack = self.add_working_days(today, session.settings["ack_days"])
        reply = self.add_working_days(today, session.settings["reply_days"])
        payload |= {"ack_deadline": ack.isoformat(), "reply_deadline": reply.isoformat()}
        made = []
        for dept, role in [(lead, "lead"), *((c, "cohandler") for c in cohandlers)]:
            made.append(
                {
                    "id": self.ids.take("assignments"),
                    "proposal_id": p["id"],
                    "department_id": dept,
                    "role": role,
                    "assigned_at": self.t,
                    "ack_deadline": ack,
                    "reply_deadline": reply,
                    "ack_start": today,
                    "ack_working_days": session.settings["ack_days"],
                    "reply_start": today,
                    "reply_working_days": session.settings["reply_days"],
                    "acknowledged_at": None,
                    "extended_days": 0,
                    "ended_at": None,
                }
            )
        self.rows.assignments.extend(made)
        return made[0], made[1:]

    def _declined(self, session: Session, committee: int) -> None:
        """Assigned to the wrong department, which asked to return it: accepted again."""
        lead, cohandlers = self._assign(session, committee)
        handler = self.rng.choice(self.org.handlers[lead["department_id"]])
        self.step("decline", handler, "assigned", "accepted", 2, {"reason": texts.DECLINE_REASON})
        for a in (lead, *cohandlers):
            a["ended_at"] = self.t

    def _handle(self, session: Session, committee: int, target: str) -> None:
        rng, p, settings = self.rng, self.p, session.settings
        lead, cohandlers = self._assign(session, committee)
        handler = rng.choice(self.org.handlers[lead["department_id"]])
        if target == "assigned":
            for a in cohandlers:
                if rng.random() < 0.5:
                    self._acknowledge(a, "assigned", "assigned")
            return
        self._acknowledge(lead, "assigned", "in_progress", handler)
        for a in cohandlers:
            self._acknowledge(a, "in_progress", "in_progress")
        last_round = rng.choices((0, 1, 2), (88, 9, 3))[0]
        last_round = min(last_round, settings["max_rehandle"])
        extended = False
        for round_ in range(last_round + 1):
            if rng.random() < 0.5:
                note = texts.PROGRESS_NOTE if round_ == 0 else texts.REHANDLE_NOTE
                self.step("progress", handler, "in_progress", "in_progress", 7, {"note": note})
                self.rows.progress_notes.append(
                    {
                        "id": self.ids.take("progress_notes"),
                        "proposal_id": p["id"],
                        "department_id": lead["department_id"],
                        "user_id": handler,
                        "note": note,
                        "created_at": self.t,
                    }
                )
            if not extended and rng.random() < 0.04:
                extended = True
                days = rng.choice((10, 15, 20))
                deadline = self.add_working_days(lead["reply_deadline"], days)
                for a in (lead, *cohandlers):
                    a["reply_deadline"], a["extended_days"] = deadline, days
                    a["reply_working_days"] += days
                p["extension_days"] = days  # the proposal's one extension
                payload = {"days": days, "reason": texts.EXTEND_REASON, "reply_deadline": deadline.isoformat()}
                self.step("extend", rng.choice(self.org.supervisors), "in_progress", "in_progress", 2, payload)
            if target == "in_progress" and round_ == last_round:
                if rng.random() < 0.2:
                    payload = texts.maybe(rng, "comment", (texts.URGE_COMMENT,))
                    self.step("urge", rng.choice(self.org.supervisors), "in_progress", "in_progress", 9, payload)
                return
            self._reply(lead, cohandlers, handler, round_)
            for user in self.cosigners:
                if rng.random() < 0.1:
                    self._evaluate(user, session, round_, rng.choice(texts.RATINGS), "replied", by_author=False)
            if target == "replied" and round_ == last_round:
                return
            if round_ < last_round:
                self._evaluate(p["author_id"], session, round_, "unsatisfied", "in_progress", by_author=True)
                p["rehandle_round"] = round_ + 1
                start = (self.t + timedelta(hours=8)).date()
                deadline = self.add_working_days(start, settings["reply_days"])
                for a in (lead, *cohandlers):
                    a |= {
                        "reply_deadline": deadline,
                        "reply_start": start,
                        "reply_working_days": settings["reply_days"],
                    }
                history = self.rows.history[-1]
                history["payload"] |= {"rehandle_round": round_ + 1, "reply_deadline": deadline.isoformat()}
                continue
            if rng.random() < 0.08:
                self.step("close_unrated", None, "replied", "closed", 22)
                p["final_rating"] = "no_response"
            else:
                choices = texts.RATINGS if round_ == settings["max_rehandle"] else texts.RATINGS[:2]
                rating = rng.choices(choices, (60, 30, 10)[: len(choices)])[0]
                self._evaluate(p["author_id"], session, round_, rating, "closed", by_author=True)
                p["final_rating"] = rating
            p["closed_at"] = self.t
        if target == "archived":
            actor = rng.choice(self.org.committee)
            self.step("archive", actor, "closed", "archived", 14)

    def _acknowledge(self, assignment: dict, from_state: str, to_state: str, handler: int | None = None) -> None:
        handler = handler or self.rng.choice(self.org.handlers[assignment["department_id"]])
        self.step("acknowledge", handler, from_state, to_state, 0.6)
        assignment["acknowledged_at"] = self.t

    def _reply(self, lead: dict, cohandlers: list, handler: int, round_: int) -> None:
        """The lead drafts the round's reply; each co-handler agrees to the draft, the last one sending it
        out (without co-handlers the draft goes out at once): the rows the real events write."""
        rng = self.rng
        outcome = rng.choices(("A", "B", "C"), (55, 30, 15))[0]
        text = rng.choice(texts.REPLIES[outcome])
        contact = texts.contact(rng)
        # mostly in time: a reply comes within the deadline's working days, sometimes after
        self.t += timedelta(days=rng.uniform(3, 45) * self.scale)
        self.t = min(self.t, self.now)
        drafted = self.t
        extra = {"planned_date": None, "reason": None}  # (every row of a multi-row INSERT has every column)
        extra |= {"B": {"planned_date": (drafted + timedelta(days=90)).date()}, "C": {"reason": text}}.get(outcome, {})
        payload = {"text": text, "outcome": outcome, "contact": contact, "revision": 1}
        payload |= {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in extra.items() if v is not None}
        draft_id = self.ids.take("reply_drafts")
        if cohandlers:
            self.step("reply", handler, "in_progress", "in_progress", 0, payload | {"draft": "awaiting_countersign"})
            for n, a in enumerate(cohandlers):
                signer = rng.choice(self.org.handlers[a["department_id"]])
                last = n == len(cohandlers) - 1
                comment = texts.maybe(rng, "comment", (texts.COUNTERSIGN_COMMENT,))
                said = comment | {"revision": 1, "agree": True, "draft": "released" if last else "awaiting_countersign"}
                if last:
                    self.t = min(self.t + timedelta(days=2 * self.scale), self.now)
                    said |= {
                        "released": True,
                        "on_time": (self.t + timedelta(hours=8)).date() <= lead["reply_deadline"],
                    }
                self.step("countersign", signer, "in_progress", "replied" if last else "in_progress", 0, said)
                self.rows.countersignatures.append(
                    {
                        "id": self.ids.take("countersignatures"),
                        "assignment_id": a["id"],
                        "round": round_,
                        "reply_draft_id": draft_id,
                        "revision": 1,
                        "agree": True,
                        "user_id": signer,
                        "comment": comment.get("comment"),
                        "created_at": self.t,
                    }
                )
        else:
            on_time = (self.t + timedelta(hours=8)).date() <= lead["reply_deadline"]
            self.step("reply", handler, "in_progress", "replied", 0, payload | {"released": True, "on_time": on_time})
        reply_id = self.ids.take("replies")
        self.rows.replies.append(
            {
                "id": reply_id,
                "proposal_id": self.p["id"],
                "round": round_,
                "department_id": lead["department_id"],
                "user_id": handler,
                "text": text,
                "outcome": outcome,
                "contact": contact,
                "deadline": lead["reply_deadline"],
                "created_at": self.t,
                **extra,
            }
        )
        self.rows.reply_drafts.append(
            {
                "id": draft_id,
                "proposal_id": self.p["id"],
                "round": round_,
                "department_id": lead["department_id"],
                "user_id": handler,
                "revision": 1,
                "status": "released",
                "text": text,
                "outcome": outcome,
                "contact": contact,
                "created_at": drafted,
                "revised_at": drafted,
                "reply_id": reply_id,
                **extra,
            }
        )

    def _evaluate(self, user: int, session: Session, round_: int, rating: str, to_state: str, by_author: bool):
        rng = self.rng
        attitude = rng.choice(texts.RATINGS[:2]) if session.settings["two_axis_rating"] else None
        drawn = rng.random()  # (drawn whatever the rating: the same seed makes the same data)
        comment = (
            texts.RATING_COMMENTS[rating] if rating == "unsatisfied" or drawn < 0.5 else None
        )  # a reason, required
        payload = {"rating": rating}
        if attitude:
            payload["attitude"] = attitude
        if comment:
            payload["comment"] = comment
        self.step("evaluate", user, "replied", to_state, 4, payload)
        self.rows.evaluations.append(
            {
                "id": self.ids.take("evaluations"),
                "proposal_id": self.p["id"],
                "round": round_,
                "user_id": user,
                "by_author": by_author,
                "rating": rating,
                "attitude": attitude,
                "comment": comment,
                "created_at": self.t,
            }
        )
