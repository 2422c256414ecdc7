"""`flask --app proposals generate --proposals N`: a database full of realistic proposals, fast.

An organisation of its own (codes GEN-..., user names gen-...; password Zhidaihui-2026), a congress session
per year, and N proposals spread over every state, each with the full history a real walk writes
(walk.py). Rows go in by the thousand: COPY on PostgreSQL, executemany elsewhere, one transaction
per batch. Running it again adds N more to the same organisation and sessions; acceptance numbers
go on from each session's last one.

A group (`--unions N`, `--people N`, either or both): the company union with N grassroots unions below
it (codes GEN-U001, ...; user names gen-u001-...), each holding its own congress: its own sessions a
year (GEN-U001-2026, ...), its committee, supervisor, administrator and leader as roles held in it
(union_roles), its delegates likewise, its delegations and departments lying in it. The people (--people
in all) are spread evenly over the company and the unions; the company keeps the user names of the
single organisation (gen-c0, gen-admin, gen-w01-000, ...). Each union's proposals are written by its
own people, co-signed by its delegates, decided by its committee, handled by its own departments or the
company's functional ones; a share of those under review is escalated (上报) to the company's session of
the same year, decided, numbered and handled there (walk.Walker._escalation). Without either option the
organisation is the single one it always was (12 delegations under grassroots units that hold no congress
of their own, 900 people). The options shape the organisation on the first run; later runs add proposals
to whatever is there.
"""

import json
import random
import time
from dataclasses import dataclass
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
    UnionRole,
    User,
    UserRole,
)
from ..operations import clock, create_session, create_unit, seed_default_categories
from ..unions import SCOPED_ROLES
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
@click.option(
    "--unions",
    type=click.IntRange(min=0, max=999),
    default=0,
    show_default=True,
    help="Grassroots unions below the company union, each with its own congress (a group; first run only).",
)
@click.option(
    "--people",
    type=click.IntRange(min=1),
    help="People in all, spread over the company and the unions (a group; first run only).",
)
def generate_command(count, sessions, seed, unions, people):
    """Add N generated proposals with full histories (for benchmarks and trials)."""
    added = generate(count, sessions=sessions, seed=seed, progress=True, unions=unions, people=people)
    total = db.session.scalar(select(func.count(Proposal.id)))
    click.echo(f"Added {added} generated proposals; the database now holds {total}.")


def generate(
    count: int,
    *,
    sessions: int = 5,
    seed: int = 1,
    progress: bool = False,
    unions: int = 0,
    people: int | None = None,
) -> int:
    """Add `count` proposals; return how many were added. `unions` or `people`: a group (module docstring)."""
    rng = random.Random(f"{seed}-{db.session.scalar(select(func.max(Proposal.id))) or 0}")
    now = clock.utcnow()
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == f"{PREFIX}-GH")) is None and (unions or people):
        _create_group(rng, unions, people)
    org, group = _organisation(rng)
    congress = _sessions(sessions, clock.local_date(now))
    for union in group:
        congress += _sessions(sessions, clock.local_date(now), union)
    _link_parents(congress)
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


def _organisation(rng: random.Random) -> tuple[Org, list["GroupUnion"]]:
    """The generated organisation: made on the first run, read back on later ones; the company's people
    and, in a group, each grassroots union's."""
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
    _insert_people(rng, [(*person, None) for person in people])


def _insert_people(rng: random.Random, people: list) -> None:
    """Write (user name, roles, department id, delegation id, union id) people: the roles held at the root,
    or with a union id the roles of SCOPED_ROLES held in that union (the others at the root, worker when
    none is left, as an administrator would give them)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    password_hash = generate_password_hash(PASSWORD, method=method)  # once: every account has the same
    first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    users, roles, scoped = [], [], []
    for user_id, (username, user_roles, department_id, delegation_id, union_id) in enumerate(people, start=first):
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
        if union_id is None:
            roles += [{"user_id": user_id, "role": role} for role in user_roles]
        else:
            held = [r for r in user_roles if r in SCOPED_ROLES]
            plain = [r for r in user_roles if r not in SCOPED_ROLES] or ["worker"]
            roles += [{"user_id": user_id, "role": role} for role in plain]
            scoped += [{"user_id": user_id, "role": role, "union_id": union_id} for role in held]
    for start in range(0, len(users), BATCH):
        db.session.execute(insert(User.__table__), users[start : start + BATCH])
    for start in range(0, len(roles), BATCH):
        db.session.execute(insert(UserRole.__table__), roles[start : start + BATCH])
    for start in range(0, len(scoped), BATCH):
        db.session.execute(insert(UnionRole.__table__), scoped[start : start + BATCH])
    db.session.commit()


# -- a group of unions -----------------------------------------------------------------------------

GROUP_PEOPLE = 1000  # --unions without --people: this many a union
COMPANY_STAFF = DEPARTMENTS * HANDLERS_PER_DEPARTMENT + 6 + 3 + 2  # handlers, committee, supervisors, admin, leader
UNION_DEPARTMENTS = 4  # a grassroots union's own departments (beside the company's functional ones)
UNION_STAFF = UNION_DEPARTMENTS * HANDLERS_PER_DEPARTMENT + 3 + 1 + 1 + 1
DELEGATION_SIZE = 1 + DELEGATES_PER_DELEGATION + WORKERS_PER_DELEGATION  # a head, delegates, workers
LEAST_IN_DELEGATIONS = 10  # so that a union has delegates enough to co-sign


@dataclass
class GroupUnion:
    """A grassroots union of a generated group: its unit and the people acting in its congress."""

    id: int
    code: str
    name: str
    org: Org


def _shares(people: int, parts: int) -> list[int]:
    """`people` split into `parts` near-equal whole shares, the larger first."""
    return [people // parts + (1 if n < people % parts else 0) for n in range(parts)]


def _delegations(people: int) -> list[tuple[int, int]]:
    """The (delegates, workers) of each delegation `people` fill, a head each beside them."""
    out = []
    for size in _shares(people, max(1, round(people / DELEGATION_SIZE))):
        delegates = round((size - 1) * DELEGATES_PER_DELEGATION / (DELEGATION_SIZE - 1))
        out.append((delegates, size - 1 - delegates))
    return out


def _create_group(rng: random.Random, count: int, people: int | None) -> None:
    """The company union and `count` grassroots unions below it, with `people` people in all."""
    people = people if people is not None else GROUP_PEOPLE * (count + 1)
    # the staff each union needs first; everyone else in the delegations, evenly over the unions
    needed = COMPANY_STAFF + count * UNION_STAFF + (count + 1) * LEAST_IN_DELEGATIONS
    if people < needed:
        raise click.UsageError(f"--people {people} is too few for {count} unions: at least {needed}.")
    spread = _shares(people - COMPANY_STAFF - count * UNION_STAFF, count + 1)
    root = create_unit("union", {"code": f"{PREFIX}-GH", "name": "示例集团公司工会"})
    units = [(f"{PREFIX}-BM{n:02}", f"职能部门{n:02}", "department", None) for n in range(1, DEPARTMENTS + 1)]
    company = _delegations(spread[0])
    units += [(f"{PREFIX}-DBT{n:02}", f"第{n}代表团", "delegation", root.id) for n in range(1, len(company) + 1)]
    unions = [(f"{PREFIX}-U{n:03}", f"第{n}分公司工会", "grassroots", root.id) for n in range(1, count + 1)]
    ids = _insert_units(units + unions)
    below, layout = [], []
    for (code, name, _, _), share in zip(unions, spread[1:], strict=True):
        union_id = ids[code]
        delegations = _delegations(share)
        below += [
            (f"{code}-DBT{k:02}", f"{name}第{k}代表团", "delegation", union_id) for k in range(1, len(delegations) + 1)
        ]
        below += [
            (f"{code}-BM{k:02}", f"{name}部门{k:02}", "department", union_id) for k in range(1, UNION_DEPARTMENTS + 1)
        ]
        layout.append((code, union_id, delegations))
    ids |= _insert_units(below)
    people_rows = []  # (user name, roles, department id, delegation id, union id)
    for n, (delegates, workers) in enumerate(company, start=1):
        delegation = ids[f"{PREFIX}-DBT{n:02}"]
        people_rows.append((f"gen-h{n:02}", ("delegate", "delegation_head"), None, delegation, None))
        people_rows += [(f"gen-d{n:02}-{i:03}", ("delegate",), None, delegation, None) for i in range(delegates)]
        people_rows += [(f"gen-w{n:02}-{i:03}", ("worker",), None, delegation, None) for i in range(workers)]
    for n in range(1, DEPARTMENTS + 1):
        department = ids[f"{PREFIX}-BM{n:02}"]
        people_rows += [
            (f"gen-b{n:02}-{i}", ("department_handler",), department, None, None)
            for i in range(HANDLERS_PER_DEPARTMENT)
        ]
    people_rows += [(f"gen-c{i}", ("committee",), None, None, None) for i in range(6)]
    people_rows += [(f"gen-s{i}", ("supervisor",), None, None, None) for i in range(3)]
    people_rows += [("gen-admin", ("union_admin",), None, None, None), ("gen-leader", ("leader",), None, None, None)]
    for code, union_id, delegations in layout:
        user = code.lower()  # gen-u001
        for k, (delegates, workers) in enumerate(delegations, start=1):
            delegation = ids[f"{code}-DBT{k:02}"]
            people_rows.append((f"{user}-h{k:02}", ("delegate", "delegation_head"), None, delegation, union_id))
            people_rows += [
                (f"{user}-d{k:02}-{i:03}", ("delegate",), None, delegation, union_id) for i in range(delegates)
            ]
            people_rows += [(f"{user}-w{k:02}-{i:03}", ("worker",), None, delegation, union_id) for i in range(workers)]
        for k in range(1, UNION_DEPARTMENTS + 1):
            department = ids[f"{code}-BM{k:02}"]
            people_rows += [
                (f"{user}-b{k:02}-{i}", ("department_handler",), department, None, union_id)
                for i in range(HANDLERS_PER_DEPARTMENT)
            ]
        first = ids[f"{code}-DBT01"]  # the union's staff are its people: in its first delegation
        people_rows += [(f"{user}-c{i}", ("committee",), None, first, union_id) for i in range(3)]
        people_rows += [(f"{user}-s0", ("supervisor",), None, first, union_id)]
        people_rows += [(f"{user}-admin", ("union_admin",), None, first, union_id)]
        people_rows += [(f"{user}-leader", ("leader",), None, first, union_id)]
    assert len(people_rows) == people, (len(people_rows), people)
    _insert_people(rng, people_rows)


def _insert_units(units: list) -> dict[str, int]:
    """Write (code, name, kind, parent id) units in one statement; their ids by code."""
    if not units:
        return {}
    rows = [{"code": c, "name": n, "kind": k, "parent_id": p, "active": True} for c, n, k, p in units]
    db.session.execute(insert(OrgUnit.__table__), rows)
    codes = [u[0] for u in units]
    return dict(db.session.execute(select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.in_(codes))).all())


def _read_organisation() -> tuple[Org, list[GroupUnion]]:
    units = {
        uid: (code, kind, parent, name)
        for uid, code, kind, parent, name in db.session.execute(
            select(OrgUnit.id, OrgUnit.code, OrgUnit.kind, OrgUnit.parent_id, OrgUnit.name).where(
                OrgUnit.code.like(f"{PREFIX}-%")
            )
        )
    }
    # a group's unions (GEN-U001, ...): a unit directly below one lies in it; everything else is the company's
    group = {uid for uid, (code, kind, _, _) in units.items() if kind == "grassroots" and code[4:5] == "U"}

    def union_of(unit_id):
        parent = units[unit_id][2] if unit_id in units else None
        return parent if parent in group else None

    held = select(UserRole.user_id, UserRole.role)
    if group:
        held = held.union_all(select(UnionRole.user_id, UnionRole.role))
    held = held.subquery()
    people = db.session.execute(
        select(User.id, User.department_id, User.delegation_id, held.c.role)
        .join(held, held.c.user_id == User.id)
        .where(User.username.like("gen-%"))
        .order_by(User.id, held.c.role)
    ).all()
    by_union: dict[int | None, dict[str, list]] = {None: {}, **{u: {} for u in group}}
    for user_id, department_id, delegation_id, role in people:
        union = union_of(department_id if department_id is not None else delegation_id)
        by_union[union].setdefault(role, []).append((user_id, department_id, delegation_id))
    company = sorted(uid for uid, (_, kind, parent, _) in units.items() if kind == "department" and parent is None)
    categories = list(db.session.scalars(select(Category.id).order_by(Category.position, Category.id)))

    def org(union) -> Org:
        by_role = by_union[union]
        own = sorted(uid for uid, (_, kind, parent, _) in units.items() if kind == "department" and parent == union)
        departments = company if union is None else own + company
        handlers: dict[int, list[int]] = {d: [] for d in departments}
        for key in {None, union}:
            for user_id, department_id, _ in by_union[key].get("department_handler", ()):
                if department_id in handlers:
                    handlers[department_id].append(user_id)
        return Org(
            authors=[(u, dlg) for u, _, dlg in by_role.get("delegate", []) + by_role.get("worker", []) if dlg],
            delegates=[u for u, _, _ in by_role.get("delegate", [])],
            heads={dlg: u for u, _, dlg in by_role.get("delegation_head", [])},
            committee=[u for u, _, _ in by_role.get("committee", [])],
            supervisors=[u for u, _, _ in by_role.get("supervisor", [])],
            handlers=handlers,
            categories=categories,
        )

    unions = [GroupUnion(u, units[u][0], units[u][3], org(u)) for u in sorted(group, key=lambda u: units[u][0])]
    return org(None), unions


def _link_parents(congress: list[Session]) -> None:
    """Each grassroots session's parent: the company's session of the same year, where its proposals beyond
    the union's authority are escalated (the generated unions lie right below the company union)."""
    company = {s.start.year: s for s in congress if s.org is None}
    for session in congress:
        if session.org is not None:
            session.parent = company.get(session.start.year)


def _sessions(count: int, today: date, union: "GroupUnion | None" = None) -> list[Session]:
    """A session a year, the latest open; made when missing. `union`: a grassroots union's (else the root's)."""
    made = []
    for age in range(count - 1, -1, -1):
        year = today.year - age
        code = f"{PREFIX}-{year}" if union is None else f"{union.code}-{year}"
        row = db.session.scalar(select(CongressSession).where(CongressSession.code == code))
        start = today - timedelta(days=365 * age + 120)
        if row is None:
            data = {
                "code": code,
                "name": f"{year}年职工代表大会（生成数据）" if union is None else f"{year}年{union.name}职工代表大会",
                "collection_start": start.isoformat(),
                "collection_end": (start + timedelta(days=134)).isoformat(),
                "cosign_deadline": (start + timedelta(days=141)).isoformat(),
                "delegation_review": age == 0,  # the open session has the delegations' pre-review
                "two_axis_rating": True,  # attitude and result, as the presets have it
            }
            if union is not None:
                data["union_id"] = union.id
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
                org=None if union is None else union.org,
            )
        )
    return made
