"""Benchmark 1: complete proposal lifecycles per second, the engine against its limit and its peer.

    .venv/bin/python bench/engine.py [--db sqlite|postgresql|both] [--lifecycles N] [--rounds R]

Three ways to take a proposal from draft to closed along the main path (submit, two co-signatures,
accept, assign to a lead and a co-handling department, both acknowledge, the lead drafts the reply, the
co-handler countersigns the draft, which sends it out, rate),
each step one committed transaction with its history row:

- ours:  proposals.operations (create_proposal, then fire_event per step), as the pages and the API do;
- sql:   the limit: the same rows written by hand-written SQL through the raw DBAPI connection
         (sqlite3 / psycopg) of the app's engine, no engine logic, no ORM: lock and read the row, the
         same UPDATE with the version check, the same history, notification, co-signature, assignment,
         draft, countersignature, reply and evaluation rows, the session's number counter;
- spiff: the peer: the same path as a BPMN process (bench/proposal.bpmn) run by SpiffWorkflow; per step
         the workflow is loaded from its table, the ready user task completed with its data, the engine
         steps run, the workflow serialized (BpmnWorkflowSerializer) and stored back, with the proposal's
         state and the same history row. It writes no notifications and no handling rows: that favours
         the peer, so the ratio against it is a lower bound.

The organisation is set up once, outside the timing. The variants run the same number of lifecycles
on the same database, interleaved in rounds, and the script prints lifecycles/s, this process's CPU
time per lifecycle (the steadier figure on a shared machine) and the speed ratios, of wall time and of
CPU time, with PASS/MISS against the target (ours >= 1.0 x spiff; hand-written SQL is the limit, shown
without a target), then the SQL statements each step of ours sends,
counted once more after adding MORE_RECIPIENTS people to every audience: no step may send a statement
per recipient (tests/test_bench_engine.py holds it to that). SQLite is a file in a temporary directory with
the app's settings; PostgreSQL is TEST_DATABASE_URL or a throw-away server from
tests/pg_server.py. Run by hand only: timings on a shared machine are noisy.
"""

import argparse
import json
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.parser import BpmnParser  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import event as sa_event  # noqa: E402
from sqlalchemy import select  # noqa: E402

from proposals import create_app  # noqa: E402
from proposals.extensions import db  # noqa: E402
from proposals.models import DEFAULT_CATEGORIES, Category, User, UserRole  # noqa: E402
from proposals.operations import (  # noqa: E402
    clock,
    create_proposal,
    create_session,
    create_unit,
    create_user,
    fire_event,
)

BPMN = Path(__file__).with_name("proposal.bpmn")
SPIFF_TARGET = 1.0  # issue #13: ours at least as fast as SpiffWorkflow per lifecycle (wall and CPU)
SPIFF_TABLE = "bench_spiff_workflows"
MORE_RECIPIENTS = 20  # added to each audience for the second count of statements

DRAFT = {
    "title": "关于改善职工食堂就餐环境的提案",
    "reason": "食堂座位不足，高峰期排队时间长。",
    "measures": "增加座位，错峰就餐。",
    "category": "welfare",
}
REPLY = {"text": "已增加座位六十个，并实行错峰就餐。", "outcome": "A"}

# the main path: (event, who fires it, payload, the BPMN user task that stands for it)
# "ASSIGN" is replaced by the organisation's departments
STEPS = [
    ("submit", "author", None, "submit"),
    ("cosign", "delegate1", None, "cosign"),
    ("cosign", "delegate2", None, "cosign"),
    ("accept", "committee", None, "review"),
    ("assign", "committee", "ASSIGN", "assign"),
    ("acknowledge", "lead", None, "acknowledge_lead"),
    ("acknowledge", "cohandler", None, "acknowledge_cohandler"),
    ("reply", "lead", REPLY, "reply"),  # the draft ...
    ("countersign", "cohandler", None, "countersign"),  # ... which the co-handler's countersignature sends out
    ("evaluate", "author", {"rating": "satisfied"}, "evaluate"),
]
# the states the hand-written SQL walks through, in step order (the engine decides these for ours)
SQL_STATES = [
    "draft",
    "cosigning",
    "cosigning",
    "review",
    "accepted",
    "assigned",
    "in_progress",
    "in_progress",
    "in_progress",
    "replied",
    "closed",
]  # (draft, acknowledged twice, drafted, released by the countersignature, rated)
# where a Spiff workflow stands, as the proposal's state: by the next ready user task, or its end event
SPIFF_STATES = {
    "submit": "draft",
    "cosign": "cosigning",
    "review": "review",
    "assign": "accepted",
    "acknowledge_lead": "assigned",
    "acknowledge_cohandler": "in_progress",
    "reply": "in_progress",
    "countersign": "in_progress",
    "evaluate": "replied",
    "closed": "closed",
    "rejected": "rejected",
}


def make_app(url: str):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"}
    )


def build_schema() -> None:
    """An empty database with the app's tables and the peer's workflow table (inside an app context)."""
    drop_peer_table()
    db.drop_all()
    db.create_all()
    add_peer_table()
    add_categories()


def add_peer_table() -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TABLE {SPIFF_TABLE} (proposal_id INTEGER PRIMARY KEY REFERENCES proposals (id), "
            "version INTEGER NOT NULL, serialization TEXT NOT NULL)"
        )


def drop_peer_table() -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {SPIFF_TABLE}")


def add_categories() -> None:
    for position, (code, name) in enumerate(DEFAULT_CATEGORIES):
        db.session.add(Category(code=code, name=name, position=position))
    db.session.commit()


class Organisation:
    """The people around the proposals, made once through the real operations, and what each step writes."""

    def __init__(self, invitees: int = 6):
        self.session = create_session({"code": "B1", "name": "第十届职代会第一次会议"})
        self.delegation = create_unit("delegation", {"code": "DEL1", "name": "机关代表团"})
        self.lead_dept = create_unit("department", {"code": "HQ", "name": "后勤保障部"})
        self.co_dept = create_unit("department", {"code": "HR", "name": "人力资源部"})
        n = iter(range(1, 1000))

        def user(*roles, **fields):
            i = next(n)
            data = {"username": f"bench{i}", "name": f"用户{i}", "password": "Bench-Password-26", "roles": list(roles)}
            return create_user({**data, "email": f"bench{i}@example.com", **fields})

        delegation = {"delegation_id": self.delegation.id}
        self.users = {
            "author": user("worker", **delegation),
            "delegate1": user("delegate", **delegation),
            "delegate2": user("delegate", **delegation),
            "committee": user("committee"),
            "lead": user("department_handler", department_id=self.lead_dept.id),
            "cohandler": user("department_handler", department_id=self.co_dept.id),
        }
        # the rest of the audiences: more delegates invited to co-sign, a second handler in each
        # department (one without email), a second committee member and a supervisor
        for _ in range(invitees - 2):
            user("delegate", **delegation)
        user("department_handler", department_id=self.lead_dept.id, email=None)
        user("department_handler", department_id=self.co_dept.id)
        user("committee")
        user("supervisor")
        self.ids = {name: u.id for name, u in self.users.items()}
        self.draft = {"session_id": self.session.id, **DRAFT}
        self.assign = {"lead_department_id": self.lead_dept.id, "cohandler_department_ids": [self.co_dept.id]}
        self.steps = [(e, who, self.assign if p == "ASSIGN" else p, task) for e, who, p, task in STEPS]
        today = self.today = clock.local_date(clock.utcnow())
        working = clock.working_calendar()
        self.ack_deadline = working.add(today, self.session.ack_days)
        self.reply_deadline = working.add(today, self.session.reply_days)
        self.recipients = self._recipients()

    def _recipients(self) -> dict[str, list[tuple[int, str]]]:
        """Per event, who is told (user id, email state): the audiences of workflow/definition.py resolved once."""

        def with_role(role, **where):
            stmt = select(User).join(UserRole).where(UserRole.role == role, User.active)
            for column, value in where.items():
                stmt = stmt.where(getattr(User, column).in_(value))
            return list(db.session.scalars(stmt.order_by(User.id)))

        def told(users):
            return [(u.id, "pending" if u.email and u.email_notifications else "skipped") for u in users]

        author, d1, d2 = (db.session.get(User, self.ids[n]) for n in ("author", "delegate1", "delegate2"))
        departments = [self.lead_dept.id, self.co_dept.id]
        return {
            "submit": told(with_role("delegate", delegation_id=[self.delegation.id])),
            "cosign": told([author]),
            "accept": told([author, d1, d2]),
            "assign": told(with_role("department_handler", department_id=departments)),
            "acknowledge": [],
            # the draft asks the co-handler to countersign; the countersignature sends it to the author's side
            "reply": told(with_role("department_handler", department_id=[self.co_dept.id])),
            "countersign": told([author, d1, d2]),
            "evaluate": told(with_role("department_handler", department_id=departments)),
        }


# -- ours ---------------------------------------------------------------------------------------------


def ours_lifecycle(org: Organisation) -> int:
    """Through the operations. Each commit expires the users, so each step loads its actor again, as a request does."""
    proposal = create_proposal(org.users["author"], org.draft)
    proposal_id = proposal.id
    for event, who, payload, _task in org.steps:
        fire_event(proposal_id, event, org.users[who], payload)
    return proposal_id


def ours_statements(org: Organisation) -> list[tuple[str, int]]:
    """One lifecycle through the operations, after one more to warm up, with the SQL statements each step sends
    (an executemany, a multi-row INSERT, counts once): (step, statements) for the create and each event."""
    sent = [0]

    def count(*_args):
        sent[0] += 1

    ours_lifecycle(org)  # warm: how a user is read again after a commit follows how they were last read
    db.session.expire_all()  # as after any commit: the create loads its author as every step loads its actor
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        counts = []
        proposal_id = create_proposal(org.users["author"], org.draft).id
        counts.append(("create", sent[0]))
        for name, who, payload, _task in org.steps:
            sent[0] = 0
            fire_event(proposal_id, name, org.users[who], payload)
            counts.append((name, sent[0]))
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    return counts


def more_recipients(org: Organisation, n: int) -> None:
    """`n` more delegates invited to co-sign and `n` more handlers in each department: every step with an
    audience tells more people; none of its statements should be added per person."""
    for i in range(n):
        for key, roles, where in (
            ("delegate", ["delegate"], {"delegation_id": org.delegation.id}),
            ("lead", ["department_handler"], {"department_id": org.lead_dept.id}),
            ("co", ["department_handler"], {"department_id": org.co_dept.id}),
        ):
            name = f"more-{key}-{i}-{org.delegation.id}"
            create_user(
                {"username": name, "name": name, "password": "Bench-Password-26", "roles": roles, **where}
                | {"email": f"{name}@example.com"}
            )


def statements_report(before: list[tuple[str, int]], after: list[tuple[str, int]], n: int) -> list[str]:
    steps = " ".join(f"{name} {count}" for name, count in before)
    lines = [f"  statements per step (ours): {steps}"]
    grown = [f"{name} {a} -> {b}" for (name, a), (_, b) in zip(before, after, strict=True) if a != b]
    lines.append(f"  with {n} more recipients per audience: {', '.join(grown) if grown else 'the same'}")
    return lines


# -- the limit: hand-written SQL ----------------------------------------------------------------------


class RawWriter:
    """Plain SQL over the app engine's own DBAPI connection: sqlite3 on SQLite, psycopg on PostgreSQL."""

    def __init__(self, org: Organisation):
        self.org = org
        self.pg = db.engine.dialect.name == "postgresql"
        self.raw = db.engine.raw_connection()  # the app's driver and connect-time settings (pragmas)
        self.conn = self.raw.driver_connection
        self.lock_suffix = " FOR UPDATE" if self.pg else ""

    def close(self) -> None:
        self.raw.close()

    def sql(self, statement: str, params=()):
        return self.conn.execute(statement.replace("?", "%s") if self.pg else statement, params)

    def begin(self) -> None:
        # PostgreSQL begins with the first statement; SQLite takes the database write lock up front,
        # as the app's lock_proposal does, so the read that follows cannot go stale
        if not self.pg:
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.commit()

    def ts(self, moment):
        """A datetime or date as the ORM stores it: objects for psycopg, SQLAlchemy's text for SQLite."""
        if self.pg or not isinstance(moment, date):
            return moment
        if isinstance(moment, datetime):
            return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
        return moment.isoformat()

    def insert_draft(self, now) -> int:
        o = self.org
        category_id = self.sql("SELECT id FROM categories WHERE code = ?", (DRAFT["category"],)).fetchone()[0]
        proposal_id = self.sql(
            "INSERT INTO proposals (session_id, kind, title, reason, measures, category_id, confidential, author_id, "
            "delegation_id, state, rehandle_round, created_at, updated_at, version) "
            "VALUES (?, 'proposal', ?, ?, ?, ?, ?, ?, ?, 'draft', 0, ?, ?, 1) RETURNING id",
            (
                o.session.id,
                DRAFT["title"],
                DRAFT["reason"],
                DRAFT["measures"],
                category_id,
                False,
                o.ids["author"],
                o.delegation.id,
                self.ts(now),
                self.ts(now),
            ),
        ).fetchone()[0]
        self.history(proposal_id, 1, "create", o.ids["author"], now, None, "draft", {})
        return proposal_id

    def history(self, proposal_id, seq, event, actor_id, now, from_state, to_state, payload) -> int:
        return self.sql(
            "INSERT INTO history (proposal_id, seq, event, actor_id, at, from_state, to_state, comment, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?) RETURNING id",
            (proposal_id, seq, event, actor_id, self.ts(now), from_state, to_state, json.dumps(payload)),
        ).fetchone()[0]

    def next_number(self) -> int:
        return self.sql(
            "UPDATE congress_sessions SET last_number = last_number + 1 WHERE id = ? RETURNING last_number",
            (self.org.session.id,),
        ).fetchone()[0]

    def lock(self, proposal_id) -> tuple[str, int]:
        return self.sql(
            f"SELECT state, version FROM proposals WHERE id = ?{self.lock_suffix}", (proposal_id,)
        ).fetchone()

    def update_proposal(self, proposal_id, version, state, now, **columns) -> None:
        sets = "".join(f", {name} = ?" for name in columns)
        cursor = self.sql(
            f"UPDATE proposals SET state = ?, updated_at = ?, version = ?{sets} WHERE id = ? AND version = ?",
            (state, self.ts(now), version + 1, *map(self.ts, columns.values()), proposal_id, version),
        )
        if cursor.rowcount != 1:
            raise RuntimeError(f"proposal {proposal_id} changed underneath")

    def lifecycle(self) -> int:
        o = self.org
        ids = o.ids
        now = clock.utcnow()
        self.begin()
        proposal_id = self.insert_draft(now)
        self.commit()
        assignment_ids = {}
        draft_id = None
        working = clock.working_calendar()
        for seq, (event, who, payload, _task) in enumerate(o.steps, start=2):
            from_state, to_state = SQL_STATES[seq - 2], SQL_STATES[seq - 1]
            actor_id = ids[who]
            now = clock.utcnow()
            self.begin()
            state, version = self.lock(proposal_id)
            if state != from_state:
                raise RuntimeError(f"proposal {proposal_id} is {state}, not {from_state}")
            record = dict(payload or {})
            columns = {}
            notice = None  # the kind of notice of the way the event went, when not its own
            if event == "submit":
                columns["submitted_at"] = now
                # the submitted text kept as the proposal's first version (operations.versions.record_version)
                self.sql(
                    "INSERT INTO proposal_versions (proposal_id, number, submitted_at, title, reason, measures) "
                    "VALUES (?, 1, ?, ?, ?, ?)",
                    (proposal_id, self.ts(now), DRAFT["title"], DRAFT["reason"], DRAFT["measures"]),
                )
                record["version"] = 1
            elif event == "cosign":
                self.sql(
                    "INSERT INTO cosignatures (proposal_id, user_id, comment, created_at, version) "
                    "VALUES (?, ?, NULL, ?, 1)",
                    (proposal_id, actor_id, self.ts(now)),
                )
            elif event == "accept":
                record["number"] = columns["number"] = self.next_number()
                columns["decided_at"] = now
            elif event == "assign":
                for dept_id, role in ((o.lead_dept.id, "lead"), (o.co_dept.id, "cohandler")):
                    assignment_ids[role] = self.sql(
                        "INSERT INTO assignments (proposal_id, department_id, role, assigned_at, ack_deadline, "
                        "reply_deadline, extended_days, ack_start, ack_working_days, reply_start, reply_working_days)"
                        " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) RETURNING id",
                        (
                            proposal_id,
                            dept_id,
                            role,
                            self.ts(now),
                            self.ts(o.ack_deadline),
                            self.ts(o.reply_deadline),
                            self.ts(o.today),
                            o.session.ack_days,
                            self.ts(o.today),
                            o.session.reply_days,
                        ),
                    ).fetchone()[0]
                record["ack_deadline"] = o.ack_deadline.isoformat()
                record["reply_deadline"] = o.reply_deadline.isoformat()
            elif event == "acknowledge":
                role = "lead" if who == "lead" else "cohandler"
                self.sql(
                    "UPDATE assignments SET acknowledged_at = ? WHERE id = ?", (self.ts(now), assignment_ids[role])
                )
            elif event == "reply":  # the lead's draft, for the co-handler to countersign by its own deadline
                draft_id = self.sql(
                    "INSERT INTO reply_drafts (proposal_id, round, department_id, user_id, revision, status, text, "
                    "outcome, contact, planned_date, reason, created_at, revised_at, reply_id) "
                    "VALUES (?, 0, ?, ?, 1, 'awaiting_countersign', ?, ?, NULL, NULL, NULL, ?, ?, NULL) RETURNING id",
                    (
                        proposal_id,
                        o.lead_dept.id,
                        actor_id,
                        payload["text"],
                        payload["outcome"],
                        self.ts(now),
                        self.ts(now),
                    ),
                ).fetchone()[0]
                due = working.add(clock.local_date(now), o.session.countersign_days)
                self.sql(
                    "UPDATE assignments SET countersign_deadline = ?, countersign_start = ?, "
                    "countersign_working_days = ? WHERE id = ?",
                    (
                        self.ts(due),
                        self.ts(clock.local_date(now)),
                        o.session.countersign_days,
                        assignment_ids["cohandler"],
                    ),
                )
                columns["countersign_deadline"] = due
                record |= {"revision": 1, "countersign_deadline": due.isoformat(), "draft": "awaiting_countersign"}
                notice = "reply_drafted"
            elif event == "countersign":  # the last countersignature: the draft goes out as the reply
                self.sql(
                    "INSERT INTO countersignatures (assignment_id, round, reply_draft_id, revision, agree, user_id, "
                    "comment, created_at) VALUES (?, 0, ?, 1, ?, ?, NULL, ?)",
                    (assignment_ids["cohandler"], draft_id, True, actor_id, self.ts(now)),
                )
                reply_id = self.sql(
                    "INSERT INTO replies (proposal_id, round, department_id, user_id, text, outcome, contact, "
                    "planned_date, reason, deadline, created_at) VALUES (?, 0, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?) "
                    "RETURNING id",
                    (
                        proposal_id,
                        o.lead_dept.id,
                        ids["lead"],
                        REPLY["text"],
                        REPLY["outcome"],
                        self.ts(o.reply_deadline),
                        self.ts(now),
                    ),
                ).fetchone()[0]
                self.sql("UPDATE reply_drafts SET status = 'released', reply_id = ? WHERE id = ?", (reply_id, draft_id))
                self.sql(
                    "UPDATE assignments SET countersign_deadline = NULL, countersign_start = NULL, "
                    "countersign_working_days = NULL WHERE id = ?",
                    (assignment_ids["cohandler"],),
                )
                columns["countersign_deadline"] = None
                on_time = clock.local_date(now) <= o.reply_deadline
                record |= {"revision": 1, "agree": True, "released": True, "on_time": on_time, "draft": "released"}
                notice = "reply"
            elif event == "evaluate":
                self.sql(
                    "INSERT INTO evaluations (proposal_id, round, user_id, by_author, rating, attitude, comment, "
                    "created_at) VALUES (?, 0, ?, ?, ?, NULL, NULL, ?)",
                    (proposal_id, actor_id, True, payload["rating"], self.ts(now)),
                )
                columns["final_rating"] = payload["rating"]
                columns["closed_at"] = now
            self.update_proposal(proposal_id, version, to_state, now, **columns)
            history_id = self.history(proposal_id, seq, event, actor_id, now, from_state, to_state, record)
            told = [(user_id, state) for user_id, state in o.recipients[event] if user_id != actor_id]
            kind = notice or event
            if told:
                self.conn.cursor().executemany(
                    (
                        "INSERT INTO notifications (user_id, proposal_id, event, history_id, created_at, email_state, "
                        "attempts) VALUES (?, ?, ?, ?, ?, ?, 0)"
                    ).replace("?", "%s" if self.pg else "?"),
                    [(user_id, proposal_id, kind, history_id, self.ts(now), state) for user_id, state in told],
                )
            self.commit()
        return proposal_id


# -- the peer: SpiffWorkflow --------------------------------------------------------------------------


class SpiffRunner(RawWriter):
    """The lifecycle as a BPMN process, persisted per step; the same history rows, through the same connection."""

    def __init__(self, org: Organisation):
        super().__init__(org)
        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec = parser.get_spec("proposal")
        self.serializer = BpmnWorkflowSerializer()
        self.settings = org.session.settings()

    def position(self, workflow) -> str:
        if workflow.is_completed():
            ends = [t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)]
            return SPIFF_STATES[next(name for name in reversed(ends) if name in SPIFF_STATES)]
        return SPIFF_STATES[workflow.get_next_task(state=TaskState.READY, manual=True).task_spec.name]

    def lifecycle(self) -> int:
        o = self.org
        now = clock.utcnow()
        self.begin()
        proposal_id = self.insert_draft(now)
        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        self.sql(
            f"INSERT INTO {SPIFF_TABLE} (proposal_id, version, serialization) VALUES (?, 1, ?)",
            (proposal_id, self.serializer.serialize_json(workflow)),
        )
        self.commit()
        for seq, (event, who, payload, task_name) in enumerate(o.steps, start=2):
            actor_id = o.ids[who]
            now = clock.utcnow()
            self.begin()
            state, version = self.lock(proposal_id)
            stored = self.sql(
                f"SELECT serialization FROM {SPIFF_TABLE} WHERE proposal_id = ?", (proposal_id,)
            ).fetchone()[0]
            workflow = self.serializer.deserialize_json(stored)
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            if task is None or task.task_spec.name != task_name:
                raise RuntimeError(f"proposal {proposal_id}: {task_name} is not ready")
            record = dict(payload or {})
            columns = {}
            if event == "submit":
                task.data.update(
                    cosigners=[],
                    min_cosigners=self.settings.min_cosigners,
                    max_rehandle=self.settings.max_rehandle,
                    rehandle_round=0,
                )
                columns["submitted_at"] = now
                record["version"] = 1  # the history says which version was submitted, as the operations' does
            elif event == "cosign":
                task.data["cosigners"] = [*task.data["cosigners"], actor_id]
            elif event == "accept":
                task.data["decision"] = "accept"
                record["number"] = columns["number"] = self.next_number()
                columns["decided_at"] = now
            elif event == "assign":
                record["ack_deadline"] = o.ack_deadline.isoformat()
                record["reply_deadline"] = o.reply_deadline.isoformat()
                task.data.update(record)
            elif event == "reply":  # the draft, with the co-handler's deadline to countersign it
                due = clock.working_calendar().add(clock.local_date(now), o.session.countersign_days)
                record |= {"revision": 1, "countersign_deadline": due.isoformat(), "draft": "awaiting_countersign"}
                task.data.update(record)
            elif event == "countersign":  # which sends the reply out
                on_time = clock.local_date(now) <= o.reply_deadline
                record |= {"revision": 1, "agree": True, "released": True, "on_time": on_time, "draft": "released"}
                task.data.update(record)
            elif event == "evaluate":
                task.data.update(record)
                columns["final_rating"] = payload["rating"]
                columns["closed_at"] = now
            task.run()
            workflow.do_engine_steps()
            to_state = self.position(workflow)
            self.sql(
                f"UPDATE {SPIFF_TABLE} SET serialization = ?, version = version + 1 WHERE proposal_id = ?",
                (self.serializer.serialize_json(workflow), proposal_id),
            )
            self.update_proposal(proposal_id, version, to_state, now, **columns)
            self.history(proposal_id, seq, event, actor_id, now, state, to_state, record)
            self.commit()
        return proposal_id


# -- measuring ----------------------------------------------------------------------------------------


def run_variants(org: Organisation, lifecycles: int, rounds: int, warmup: int = 2) -> dict[str, tuple[float, float]]:
    """Run every variant `lifecycles` times in interleaved rounds.

    Returns per variant (lifecycles per second of wall time, this process's CPU seconds per lifecycle):
    on a shared machine the CPU time says what the wall time cannot (PostgreSQL's own CPU is not in it)."""
    sql, spiff = RawWriter(org), SpiffRunner(org)
    variants = {"ours": lambda: ours_lifecycle(org), "sql": sql.lifecycle, "spiff": spiff.lifecycle}
    try:
        for run in variants.values():
            for _ in range(warmup):
                run()
        wall = dict.fromkeys(variants, 0.0)
        cpu = dict.fromkeys(variants, 0.0)
        done = dict.fromkeys(variants, 0)
        names = list(variants)
        for r in range(rounds):
            count = lifecycles // rounds + (1 if r < lifecycles % rounds else 0)
            for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate who goes first
                start, start_cpu = time.perf_counter(), time.process_time()
                for _ in range(count):
                    variants[name]()
                wall[name] += time.perf_counter() - start
                cpu[name] += time.process_time() - start_cpu
                done[name] += count
    finally:
        sql.close()
        spiff.close()
    return {name: (done[name] / wall[name], cpu[name] / done[name]) for name in variants}


def report(label: str, measured: dict[str, tuple[float, float]], lifecycles: int) -> list[str]:
    steps = len(STEPS) + 1
    lines = [f"{label}: {lifecycles} lifecycles per variant, {steps} committed transactions each"]
    for name, (rate, cpu) in measured.items():
        lines.append(
            f"  {name:6} {rate:8.1f} lifecycles/s {rate * steps:7.0f} steps/s {1000 / rate:8.2f} ms/lifecycle"
            f" {cpu * 1000:8.2f} ms CPU/lifecycle"
        )
    rates = {name: rate for name, (rate, _) in measured.items()}
    cpus = {name: cpu for name, (_, cpu) in measured.items()}
    # speed ratios: lifecycles per second of wall time, and the inverse of CPU time per lifecycle
    vs_sql, vs_sql_cpu = rates["ours"] / rates["sql"], cpus["sql"] / cpus["ours"]
    vs_spiff, vs_spiff_cpu = rates["ours"] / rates["spiff"], cpus["spiff"] / cpus["ours"]
    lines.append(f"  ours/sql   = {vs_sql:5.2f} wall {vs_sql_cpu:5.2f} CPU  (the limit: no target)")

    def verdict(ratio: float) -> str:
        return "PASS" if ratio >= SPIFF_TARGET else "MISS"

    lines.append(
        f"  ours/spiff = {vs_spiff:5.2f} wall {verdict(vs_spiff)}, {vs_spiff_cpu:5.2f} CPU {verdict(vs_spiff_cpu)}"
        f"  (target >= {SPIFF_TARGET})"
    )
    return lines


def bench(url: str, label: str, lifecycles: int, rounds: int) -> None:
    app = make_app(url)
    with app.app_context():
        build_schema()
        org = Organisation()
        measured = run_variants(org, lifecycles, rounds)
        print("\n".join(report(label, measured, lifecycles)), flush=True)
        before = ours_statements(org)
        more_recipients(org, MORE_RECIPIENTS)
        print("\n".join(statements_report(before, ours_statements(org), MORE_RECIPIENTS)), flush=True)
        db.session.remove()
        db.engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--lifecycles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            bench(f"sqlite:///{tmp}/bench.sqlite", "SQLite (file, WAL)", args.lifecycles, args.rounds)
    if args.db in ("postgresql", "both"):
        from tests.pg_server import database_for_tests

        with database_for_tests() as url:
            bench(url, "PostgreSQL", args.lifecycles, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
