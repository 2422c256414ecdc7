"""`flask --app proposals generate --proposals N`: a database full of realistic proposals, fast.

An organisation of its own (codes GEN-..., user names gen-...; password Zhidaihui-2026), a congress session
per year, and N proposals spread over every state, each with the full history a real walk writes
(walk.py). Rows go in by the thousand: COPY on PostgreSQL, executemany elsewhere, one transaction
per batch. Running it again adds N more to the same organisation and sessions; acceptance numbers
go on from each session's last one.
"""

import json
import random
import time
from datetime import date, timedelta

import click
from flask import current_app
from sqlalchemy import func, insert, select, text, update
from werkzeug.security import generate_password_hash

from .. import facts
from ..extensions import db
from ..models import (
    Assignment,
    Category,
    CongressSession,
    Cosignature,
    Countersignature,
    Evaluation,
    HistoryEntry,
    OrgUnit,
    ProgressNote,
    Proposal,
    ProposalVersion,
    Reply,
    ReplyDraft,
    User,
    UserRole,
)
from ..operations import clock, create_session, create_unit, seed_default_categories
from .walk import Ids, Org, Rows, Session, Walker

PREFIX = "GEN"
PASSWORD = "Zhidaihui-2026"
DELEGATIONS = 12
DEPARTMENTS = 16
DELEGATES_PER_DELEGATION = 30
WORKERS_PER_DELEGATION = 40
HANDLERS_PER_DEPARTMENT = 2
BATCH = 5000
MODELS = {
    "proposals": Proposal,
    "proposal_versions": ProposalVersion,
    "history": HistoryEntry,
    "cosignatures": Cosignature,
    "assignments": Assignment,
    "countersignatures": Countersignature,
    "progress_notes": ProgressNote,
    "replies": Reply,
    "reply_drafts": ReplyDraft,
    "evaluations": Evaluation,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "平",
)


@click.command("generate")
@click.option("--proposals", "count", type=click.IntRange(min=1), required=True, help="How many to add.")
@click.option("--sessions", type=click.IntRange(min=1, max=30), default=5, show_default=True, help="One a year.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed makes the same data.")
def generate_command(count, sessions, seed):
    """Add N generated proposals with full histories (for benchmarks and trials)."""
    added = generate(count, sessions=sessions, seed=seed, progress=True)
    total = db.session.scalar(select(func.count(Proposal.id)))
    click.echo(f"Added {added} generated proposals; the database now holds {total}.")


def generate(count: int, *, sessions: int = 5, seed: int = 1, progress: bool = False) -> int:
    """Add `count` proposals; return how many were added."""
    rng = random.Random(f"{seed}-{db.session.scalar(select(func.max(Proposal.id))) or 0}")
    now = clock.utcnow()
    org = _organisation(rng)
    congress = _sessions(sessions, clock.local_date(now))
    ids = Ids({name: (db.session.scalar(select(func.max(model.id))) or 0) + 1 for name, model in MODELS.items()})
    walker = Walker(rng, org, ids, now, clock.working_calendar().add)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    done, walking, writing = 0, 0.0, 0.0
    with click.progressbar(length=count, label="Generating proposals", hidden=not progress) as bar:
        while done < count:
            size = min(BATCH, count - done)
            started = time.perf_counter()
            rows = Rows()
            for _ in range(size):
                walker.proposal(rng.choice(congress), rows)
            walked = time.perf_counter()
            (_copy if postgres else _insert)(rows)
            if rows.proposals:  # the facts the statistics keep on the row, for this batch in one UPDATE
                made = [p["id"] for p in rows.proposals]
                facts.refresh(Proposal.id.between(min(made), max(made)))
            for s in congress:
                db.session.execute(
                    update(CongressSession).where(CongressSession.id == s.id).values(last_number=s.last_number)
                )
            db.session.commit()
            walking, writing = walking + walked - started, writing + time.perf_counter() - walked
            done += size
            bar.update(size)
    started = time.perf_counter()
    if postgres:
        _after_copy()
    if progress:
        finishing = time.perf_counter() - started
        click.echo(f"walks {walking:.1f} s, writing {writing:.1f} s, sequences and ANALYZE {finishing:.1f} s", err=True)
    return done


# -- writing ---------------------------------------------------------------------------------------


def _insert(rows: Rows) -> None:
    for name in Rows.TABLES:
        batch = getattr(rows, name)
        if batch:
            db.session.execute(insert(MODELS[name].__table__), batch)


def _copy(rows: Rows) -> None:
    """COPY each table's rows through the session's own connection, in its transaction."""
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        if _superuser(connection):
            # the rows are consistent by construction: skip the foreign-key triggers, half the work
            cursor.execute("SET LOCAL session_replication_role = replica")
        for name in Rows.TABLES:
            batch = getattr(rows, name)
            if not batch:
                continue
            columns = list(batch[0])
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in batch:
                    values = [row[c] for c in columns]
                    if name == "history":
                        values[columns.index("payload")] = json.dumps(row["payload"], ensure_ascii=False)
                    copy.write_row(values)


def _superuser(connection) -> bool:
    return connection.info.parameter_status("is_superuser") == "on"


def _after_copy() -> None:
    """The id sequences go on after the copied ids; fresh statistics for the planner; the proposals vacuumed."""
    for name in ("users", *Rows.TABLES):
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT coalesce(max(id), 1) FROM {name}))")
        )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # the visibility map too, so that the report's index-only scan reads no row (stats.report)
        conn.execute(text("VACUUM (ANALYZE) proposals"))
        conn.execute(text("ANALYZE"))


# -- the organisation and the sessions -------------------------------------------------------------


def _organisation(rng: random.Random) -> Org:
    """The generated organisation: made on the first run, read back on later ones."""
    seed_default_categories()
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == f"{PREFIX}-GH")) is None:
        _create_organisation(rng)
    return _read_organisation()


def _create_organisation(rng: random.Random) -> None:
    union = create_unit("union", {"code": f"{PREFIX}-GH", "name": "示例集团公司工会"})
    delegations, departments = [], []
    for n in range(1, DELEGATIONS + 1):
        grassroots = create_unit(
            "grassroots", {"code": f"{PREFIX}-GH{n:02}", "name": f"第{n}基层工会", "parent_id": union.id}
        )
        delegations.append(
            create_unit(
                "delegation", {"code": f"{PREFIX}-DBT{n:02}", "name": f"第{n}代表团", "parent_id": grassroots.id}
            )
        )
    for n in range(1, DEPARTMENTS + 1):
        departments.append(create_unit("department", {"code": f"{PREFIX}-BM{n:02}", "name": f"职能部门{n:02}"}))
    people = []  # (user name, roles, department id, delegation id)
    for n, delegation in enumerate(delegations, start=1):
        people.append((f"gen-h{n:02}", ("delegate", "delegation_head"), None, delegation.id))
        people += [(f"gen-d{n:02}-{i:03}", ("delegate",), None, delegation.id) for i in range(DELEGATES_PER_DELEGATION)]
        people += [(f"gen-w{n:02}-{i:03}", ("worker",), None, delegation.id) for i in range(WORKERS_PER_DELEGATION)]
    for n, department in enumerate(departments, start=1):
        people += [
            (f"gen-b{n:02}-{i}", ("department_handler",), department.id, None) for i in range(HANDLERS_PER_DEPARTMENT)
        ]
    people += [(f"gen-c{i}", ("committee",), None, None) for i in range(6)]
    people += [(f"gen-s{i}", ("supervisor",), None, None) for i in range(3)]
    people += [("gen-admin", ("union_admin",), None, None), ("gen-leader", ("leader",), None, None)]
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    password_hash = generate_password_hash(PASSWORD, method=method)  # once: every account has the same
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    users, roles = [], []
    for user_id, (username, user_roles, department_id, delegation_id) in enumerate(people, start=first):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        users.append(
            {
                "id": user_id,
                "username": username,
                "name": name,
                "password_hash": password_hash,
                "email": f"{username}@generated.local",
                "email_notifications": False,
                "active": True,
                "department_id": department_id,
                "delegation_id": delegation_id,
                "created_at": clock.utcnow(),
            }
        )
        roles += [{"user_id": user_id, "role": role} for role in user_roles]
    db.session.execute(insert(User.__table__), users)
    db.session.execute(insert(UserRole.__table__), roles)
    db.session.commit()


def _read_organisation() -> Org:
    units = {
        code: (uid, kind)
        for uid, code, kind in db.session.execute(
            select(OrgUnit.id, OrgUnit.code, OrgUnit.kind).where(OrgUnit.code.like(f"{PREFIX}-%"))
        )
    }
    departments = sorted(uid for uid, kind in units.values() if kind == "department")
    people = db.session.execute(
        select(User.id, User.department_id, User.delegation_id, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.username.like("gen-%"))
        .order_by(User.id, UserRole.role)
    ).all()
    by_role: dict[str, list] = {}
    for user_id, department_id, delegation_id, role in people:
        by_role.setdefault(role, []).append((user_id, department_id, delegation_id))
    handlers: dict[int, list[int]] = {d: [] for d in departments}
    for user_id, department_id, _ in by_role["department_handler"]:
        handlers[department_id].append(user_id)
    return Org(
        authors=[(u, dlg) for u, _, dlg in by_role["delegate"] + by_role["worker"]],
        delegates=[u for u, _, _ in by_role["delegate"]],
        heads={dlg: u for u, _, dlg in by_role["delegation_head"]},
        committee=[u for u, _, _ in by_role["committee"]],
        supervisors=[u for u, _, _ in by_role["supervisor"]],
        handlers=handlers,
        categories=list(db.session.scalars(select(Category.id).order_by(Category.position, Category.id))),
    )


def _sessions(count: int, today: date) -> list[Session]:
    """A session a year, the latest open; made when missing."""
    made = []
    for age in range(count - 1, -1, -1):
        year = today.year - age
        code = f"{PREFIX}-{year}"
        row = db.session.scalar(select(CongressSession).where(CongressSession.code == code))
        start = today - timedelta(days=365 * age + 120)
        if row is None:
            data = {
                "code": code,
                "name": f"{year}年职工代表大会（生成数据）",
                "collection_start": start.isoformat(),
                "collection_end": (start + timedelta(days=134)).isoformat(),
                "cosign_deadline": (start + timedelta(days=141)).isoformat(),
                "delegation_review": age == 0,  # the open session has the delegations' pre-review
                "two_axis_rating": True,  # attitude and result, as the presets have it
            }
            row = create_session(data)
            if age:
                row.is_open = False
                db.session.commit()
        settings = {
            name: getattr(row, name)
            for name in (
                "min_cosigners",
                "delegation_review",
                "max_rehandle",
                "ack_days",
                "reply_days",
                "two_axis_rating",
            )
        }
        made.append(
            Session(
                id=row.id,
                start=clock.utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
                - timedelta(days=365 * age + 120),
                days=119 if age == 0 else 60,
                open=age == 0,
                settings=settings,
                last_number=row.last_number,
            )
        )
    return made
