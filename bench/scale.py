"""Benchmark 3, scale: list, search and stats latency at 10k, 100k and 1M proposals on PostgreSQL.

    .venv/bin/python bench/scale.py                          # 10k, 100k, 1M on a throw-away server
    .venv/bin/python bench/scale.py --sizes 10000,100000     # a quicker run
    .venv/bin/python bench/scale.py --data-dir /tmp/scale-pg # keep the server's data for later runs

Each size has a database of its own on one PostgreSQL server (scale_10000, ...), brought to the
current schema (`flask db upgrade`) and filled by `generate` (proposals.scale) up to the size; a
kept data directory is reused, so a second run only measures. SCALE_DATABASE_URL names an existing
server instead (any database on it; the scale_* databases are made beside it).

What is measured, through the functions the pages call, as the committee member `gen-c0` (who sees
every submitted proposal) in an application context, after one warm-up:
- list: proposals.queries.list_page(), the first page of the newest (what /proposals shows first);
- deep page: list_page(after=cursor) from the keyset cursor of a row 90% down the list (page ~N/20);
- search: list_page(Filters(q=...)) for a title phrase;
- stats: proposals.stats.report() for the open session (the dashboard's first view) and over every
  session (the dashboard's trend, the API without a session);
- the list page /proposals/ and the dashboard /dashboard/ (the open session's report, the trend over
  every session, the overdue list) as whole requests through Flask's test client.
Median and p95 of --runs runs each. Targets (issue #6): list at 1M within 2x of 10k; stats at 1M under 1 s.

--group: a group of unions against one union, in the same run (issue #20: "Lists, task pages, statistics
and the group dashboard with 50 unions, 100,000 people and 1,000,000 proposals take at most twice their
time with one union, 1,000 people and 10,000 proposals, for every role"):

    .venv/bin/python bench/scale.py --group --data-dir /tmp/group-pg                    # 50/100,000/1,000,000
    .venv/bin/python bench/scale.py --group --group-size 20,20000,200000 --data-dir ... # a smaller group

Two databases on the server, each filled by `generate` once: the baseline (--baseline-size, unions in all
with the company's, people, proposals; default 1,1000,10000) and the group (--group-size, default
50,100000,1000000: the company union and 49 grassroots unions, `generate --unions 49 --people 100000`).
For every role, as the same person in both (the company's user names are the same in both databases):
a worker, a delegate, the company's committee member, a department liaison, the company's union
administrator and leader, and a grassroots union's committee member (gen-u001-c0; in the one-union
baseline the committee member of the only union, gen-c0), through Flask's test client, each request in an
application context of its own as on a server:
- list page: GET /proposals/ (the first page);
- task page: GET / (my tasks; a leader with no other duty lands on the dashboard, which is then that);
- stats: GET /api/v1/stats (stats.report over what the person sees, every session) and
  GET /api/v1/stats?session_id= (their union's open session);
- union figures: GET /api/v1/stats/unions (the group's figures: every union's rates side by side, the
  by_union rows of stats.report), for the roles that oversee (others are refused 403, not timed);
- dashboard: GET /dashboard/ (the open session's report, the trend, the overdue list), and the group
  dashboard GET /dashboard/unions (every union's rates side by side, ranked, each union's trend), for the
  same roles.
The baseline and the group are timed alternately, request by request, after a warm-up of each; the ratio
is group / baseline of the medians, PASS at most 2.0.
"""

import argparse
import contextlib
import os
import pwd
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402

from tests.pg_server import SETTINGS, _run, _server_user, find_bindir, running_server  # noqa: E402

SEARCH = "职工食堂就餐环境"  # a phrase of titles and reasons (scale/texts.py): about 1 proposal in 40
RARE_SEARCH = "热处理车间职工书屋"  # about 1 in 450


@contextlib.contextmanager
def kept_server(data_dir: Path):
    """A server whose data stays in `data_dir` (made on first use); stopped, not removed, at the end."""
    bindir, user = find_bindir(), _server_user()
    data = data_dir / "data"
    if not data.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        if user:
            entry = pwd.getpwnam(user)
            os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        os.chmod(data_dir, 0o755)
        # a UTF-8 character type, so that pg_trgm sees Chinese characters as letters
        initdb = [bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "-N"]
        _run([*initdb, "--lc-collate=C", "--lc-ctype=C.UTF-8"], user)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"\nunix_socket_directories = '{data_dir}'\n")
            conf.writelines(f"{key} = {value}\n" for key, value in SETTINGS.items())
            conf.write("shared_buffers = 512MB\nwork_mem = 32MB\nmaintenance_work_mem = 512MB\n")
    log = data_dir / "server.log"
    _run([bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "120", "start"], user)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={data_dir}"
    finally:
        _run([bindir / "pg_ctl", "-D", data, "-m", "fast", "stop"], user)


def database(server_url: str, size: int | str) -> str:
    """The URL of this size's database on the server, created when missing."""
    base = make_url(server_url)
    name = f"scale_{size}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-scale")}
    subprocess.run([sys.executable, "-m", "flask", "--app", "proposals", *args], check=True, env=env)


def fill(url: str, size: int) -> float:
    """Bring the database to `size` proposals; return the seconds generating took (0 when none)."""
    flask(url, "db", "upgrade")
    engine = create_engine(url)
    with engine.connect() as conn:
        present = conn.scalar(text("SELECT count(*) FROM proposals"))
    engine.dispose()
    if present >= size:
        return 0.0
    started = time.perf_counter()
    flask(url, "generate", "--proposals", str(size - present))
    return time.perf_counter() - started


def timed(function, runs: int) -> tuple[float, float]:
    """Median and p95 in milliseconds of `runs` calls, after one warm-up call."""
    function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def measure(url: str, runs: int) -> dict[str, tuple[float, float]]:
    from proposals import create_app
    from proposals.access import visible_filter
    from proposals.extensions import db
    from proposals.models import CongressSession, Proposal, User
    from proposals.queries import Filters, list_page
    from proposals.scale.generate import PASSWORD
    from proposals.stats import report

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "gen-c0"))
        visible = db.session.scalar(select(func.count(Proposal.id)).where(visible_filter(user)))
        # the cursor of a row 90% down the newest-first list: what paging that far hands back
        deep_id = db.session.scalar(
            select(Proposal.id).where(visible_filter(user)).order_by(Proposal.id.desc()).offset(visible * 9 // 10)
        )
        deep_cursor = str(deep_id)

        user_id = user.id
        db.session.remove()

        def call(function):
            def run():  # as a request: load the user, work, end the ORM session (nothing cached)
                function(db.session.get(User, user_id))
                db.session.remove()

            return run

        open_session = db.session.scalar(select(CongressSession.id).where(CongressSession.is_open))
        results = {
            "list, first page": timed(call(lambda u: list_page(u)), runs),
            "list, deep page": timed(call(lambda u: list_page(u, after=deep_cursor)), runs),
            "search, common": timed(call(lambda u: list_page(u, Filters(q=SEARCH))), runs),
            "search, rare": timed(call(lambda u: list_page(u, Filters(q=RARE_SEARCH))), runs),
            "stats, open session": timed(call(lambda u: report(open_session)), max(3, runs // 3)),
            "stats, all sessions": timed(call(lambda u: report()), max(3, runs // 3)),
        }
        db.session.remove()
    # whole requests, each in an application context of its own as on a server
    client = app.test_client()
    form = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": "gen-c0", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], "could not log in"

    def page(path):
        def run():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return run

    results["list page (HTTP)"] = timed(page("/proposals/"), runs)
    results["dashboard (HTTP)"] = timed(page("/dashboard/"), max(3, runs // 3))
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--data-dir", type=Path, help="keep the server's data here and reuse it")
    parser.add_argument("--group", action="store_true", help="a group of unions against one union, every role")
    parser.add_argument("--group-size", default="50,100000,1000000", help="unions (the company's too),people,proposals")
    parser.add_argument("--baseline-size", default="1,1000,10000", help="unions,people,proposals")
    parser.add_argument("--roles", help="with --group: only these roles, comma-separated (default: every role)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if os.environ.get("SCALE_DATABASE_URL"):
        server = contextlib.nullcontext(os.environ["SCALE_DATABASE_URL"])
    elif args.data_dir:
        server = kept_server(args.data_dir.resolve())
    else:
        server = running_server()
    if args.group:
        with server as server_url:
            return group_bench(server_url, args)
    table: dict[int, dict] = {}
    with server as server_url:
        for size in sizes:
            url = database(server_url, size)
            took = fill(url, size)
            if took:
                print(f"generated {size} proposals in {took:.0f} s", flush=True)
            table[size] = measure(url, args.runs)
            print(f"measured {size}", flush=True)
    report_table(sizes, table)
    return 0


def report_table(sizes: list[int], table: dict[int, dict]) -> None:
    names = list(table[sizes[0]])
    header = f"{'':<18}" + "".join(f"{f'{s:,}':>20}" for s in sizes)
    base = sizes[0]
    ratios = [s for s in sizes[1:]]
    header += "".join(f"{f'{s // base}x/1x':>10}" for s in ratios)
    print()
    print("median / p95 ms".ljust(18) + header[18:])
    for name in names:
        line = f"{name:<18}"
        for s in sizes:
            median, p95 = table[s][name]
            line += f"{f'{median:.1f} / {p95:.1f}':>20}"
        for s in ratios:
            line += f"{table[s][name][0] / table[base][name][0]:>10.2f}"
        print(line)
    print()
    largest = sizes[-1]
    ratio = table[largest]["list, first page"][0] / table[base]["list, first page"][0]
    deep = table[largest]["list, deep page"][0] / table[base]["list, deep page"][0]
    stats_ms = table[largest]["stats, all sessions"][0]
    print(
        f"list at {largest:,} within 2x of {base:,}: first page {ratio:.2f}x, deep page {deep:.2f}x  "
        f"{'PASS' if max(ratio, deep) <= 2 else 'MISS'}"
    )
    print(f"stats at {largest:,} under 1 s: {stats_ms:.0f} ms  {'PASS' if stats_ms < 1000 else 'MISS'}")


# -- a group of unions against one union ---------------------------------------------------------------

# (role, user name in the group, in the baseline)
GROUP_ROLES = (
    ("worker", "gen-w01-000", "gen-w01-000"),
    ("delegate", "gen-d01-000", "gen-d01-000"),
    ("committee (company)", "gen-c0", "gen-c0"),
    ("department liaison", "gen-b01-0", "gen-b01-0"),
    ("union staff (company)", "gen-admin", "gen-admin"),
    ("leader (company)", "gen-leader", "gen-leader"),
    ("committee (grassroots)", "gen-u001-c0", "gen-c0"),  # one union: its committee is the company's
)
OVERSEEING = {"committee (company)", "union staff (company)", "leader (company)", "committee (grassroots)"}


def sized(text: str) -> tuple[int, int, int]:
    unions, people, proposals = (int(v) for v in text.split(","))
    if unions < 1:
        raise SystemExit("a size counts the company union: at least 1")
    return unions, people, proposals


def fill_group(url: str, unions: int, people: int, proposals: int) -> float:
    """Bring a database to this group (made on the first run); the seconds generating took (0: none)."""
    flask(url, "db", "upgrade")
    engine = create_engine(url)
    with engine.connect() as conn:
        present = conn.scalar(text("SELECT count(*) FROM proposals"))
    engine.dispose()
    if present >= proposals:
        return 0.0
    started = time.perf_counter()
    group = ["--unions", str(unions - 1), "--people", str(people)]
    flask(url, "generate", "--proposals", str(proposals - present), *group)
    return time.perf_counter() - started


class Subject:
    """One database: its app, and each role's person logged in (a page client and an API token)."""

    def __init__(self, url: str, people: dict[str, str]):
        from proposals import create_app
        from proposals.extensions import db
        from proposals.models import CongressSession, User
        from proposals.scale.generate import PASSWORD
        from proposals.unions import current, holding, home_union

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        self.clients, self.tokens, self.open_session = {}, {}, {}
        with self.app.app_context():
            for role, username in people.items():
                user = db.session.scalar(select(User).where(User.username == username))
                assert user is not None, f"no {username} in {url}"
                # the union whose open session is theirs: where they sit on the committee, else their own
                key = next(iter(holding(user, "committee") - {None}), None) if role.endswith("(grassroots)") else None
                key = key if key is not None else home_union(user, current())
                where = CongressSession.union_id.is_(None) if key is None else CongressSession.union_id == key
                self.open_session[role] = db.session.scalar(
                    select(CongressSession.id).where(where, CongressSession.is_open).order_by(CongressSession.id.desc())
                )
            db.session.remove()
        for role, username in people.items():
            client = self.app.test_client()
            form = client.get("/login").text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
            response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
            assert response.status_code == 302 and "/login" not in response.headers["Location"], username
            answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert answer.status_code == 200, (username, answer.status_code, answer.text[:300])
            self.clients[role], self.tokens[role] = client, answer.json["token"]

    def request(self, role: str, path: str, api: bool = False):
        client = self.clients[role]
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if api else {}

        def run(expected=200):
            response = client.get(path, headers=headers, follow_redirects=True)
            assert expected is None or response.status_code == expected, (role, path, response.status_code)
            return response.status_code

        return run

    def close(self) -> None:
        from proposals.extensions import db

        with self.app.app_context():
            db.engine.dispose()


def measures(subject: Subject, role: str) -> dict:
    """What is timed for this role: name -> a request."""
    found = {
        "list page": subject.request(role, "/proposals/"),
        "task page": subject.request(role, "/"),
        "stats, all sessions": subject.request(role, "/api/v1/stats", api=True),
        "stats, open session": subject.request(role, f"/api/v1/stats?session_id={subject.open_session[role]}", True),
    }
    if role in OVERSEEING:
        found["union figures"] = subject.request(role, "/api/v1/stats/unions", api=True)
        found["dashboard"] = subject.request(role, "/dashboard/")
        found["group dashboard"] = subject.request(role, "/dashboard/unions")
    return found


def alternately(first, second, runs: int) -> tuple[list[float], list[float]]:
    """`runs` timings in ms of each, taken in turn (the first to run alternating), after a warm-up of each."""
    first(), second()
    samples: tuple[list[float], list[float]] = ([], [])
    for n in range(runs):
        order = ((0, first), (1, second)) if n % 2 == 0 else ((1, second), (0, first))
        for index, function in order:
            started = time.perf_counter()
            function()
            samples[index].append((time.perf_counter() - started) * 1000)
    return samples


def group_bench(server_url: str, args) -> int:
    baseline, group = sized(args.baseline_size), sized(args.group_size)
    subjects = {}
    for label, (unions, people, proposals), column in (("baseline", baseline, 2), ("group", group, 1)):
        url = database(server_url, f"group_{unions}_{people}_{proposals}")
        took = fill_group(url, unions, people, proposals)
        if took:
            print(f"generated the {label}: {unions} unions, {people} people, {proposals} proposals in {took:.0f} s")
        names = {row[0]: row[column] for row in GROUP_ROLES}
        if unions == 1:
            names["committee (grassroots)"] = "gen-c0"
        subjects[label] = Subject(url, names)
    print(
        f"\ngroup: {group[0]:,} unions, {group[1]:,} people, {group[2]:,} proposals; "
        f"baseline: {baseline[0]:,} union(s), {baseline[1]:,} people, {baseline[2]:,} proposals; "
        f"median / p95 ms of {args.runs} runs each, alternately"
    )
    print(f"{'role':<24}{'measure':<22}{'baseline':>18}{'group':>20}{'ratio':>8}")
    missed, refused = [], []
    chosen = [r for r, _, _ in GROUP_ROLES if not args.roles or r in args.roles.split(",")]
    for role in chosen:
        base_measures, group_measures = measures(subjects["baseline"], role), measures(subjects["group"], role)
        for name, function in group_measures.items():
            answers = base_measures[name](None), function(None)
            if answers != (200, 200):  # a page the role cannot open: a gap to report, not a timing
                refused.append((role, name))
                print(f"{role:<24}{name:<22}{'not measured: answered':>38} {answers[0]} / {answers[1]}", flush=True)
                continue
            runs = args.runs if name in ("list page", "task page") else max(3, args.runs // 2)
            b, g = alternately(base_measures[name], function, runs)
            bm, bp, gm, gp = *summary(b), *summary(g)
            ratio = gm / bm
            verdict = "PASS" if ratio <= 2.0 else "MISS"
            if verdict == "MISS":
                missed.append((role, name))
            print(
                f"{role:<24}{name:<22}{f'{bm:.1f} / {bp:.1f}':>18}{f'{gm:.1f} / {gp:.1f}':>20}{ratio:>8.2f}  {verdict}",
                flush=True,
            )
    for subject in subjects.values():
        subject.close()
    verdict = "PASS" if not missed else f"MISS ({len(missed)} of them)"
    print(f"\ngroup within 2x of one union for every role: {verdict}")
    if refused:
        print("not measured (not 200 in the baseline / the group): " + ", ".join(f"{r}: {n}" for r, n in refused))
    return 0


def summary(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


if __name__ == "__main__":
    sys.exit(main())
