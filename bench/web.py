"""Benchmark 2, web: requests per second and latency of four endpoints under concurrent load, each against
a bare route running the same SQL in the same server (bench/webapp.py), on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.web                        # both databases, the defaults below
    .venv/bin/python -m bench.web --db sqlite --workers 5 --clients 8 --seconds 10

It builds a database (the demo organisation and its proposals through the real operations, then --proposals
more from `flask generate`'s generator), starts the production server
(gunicorn.conf.py, --workers workers) on a loopback port with bench.webapp's factory, logs in through the
login page and the token endpoint, and drives --clients concurrent clients (processes, one keep-alive
connection each) for --seconds against each endpoint and then its bare route:

    list    GET /proposals/             as the committee member (sees every proposal)    bare: its main query
    detail  GET /proposals/<id>         a proposal being handled, same user               bare: its main query
    stats   GET /api/v1/stats           bearer token of the same user                     bare: its overall query
    event   POST /proposals/<id>/events/urge   as the supervisor, over a pool of proposals being handled
                                        bare: one UPDATE of the proposal's row and the COMMIT

It prints rps, p50 and p95 per endpoint and the ratio endpoint/bare rps with PASS (>= 0.6) or MISS.
Run by hand, never in the test suite. PostgreSQL is a throw-away server (tests/pg_server.py: fsync off).
"""

import argparse
import contextlib
import http.client
import itertools
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.6
SECRET = "bench secret key"
DEMO_PASSWORD = "Zhidaihui-2026"


# -- the database -----------------------------------------------------------------------------------


def build(url: str, proposals: int) -> dict:
    """The demo organisation and its proposals through the real operations, then `proposals` generated ones
    (proposals/scale: every state, full histories); returns what the load needs."""
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET)
    from proposals import create_app
    from proposals.demo import seed
    from proposals.extensions import db
    from proposals.scale import generate

    app = create_app()
    with app.app_context():
        db.create_all()
        seed()
        generate(proposals)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return facts(url)


def facts(url: str) -> dict:
    """What the load needs of a built database: the proposals being handled, and how many in each state."""
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET)
    from sqlalchemy import func, select

    from proposals import create_app
    from proposals.extensions import db
    from proposals.models import CongressSession, Proposal

    app = create_app()
    with app.app_context():
        # of the company's congress, whose supervisor urges (a grassroots union's has supervisors of its own)
        company = select(CongressSession.id).where(CongressSession.union_id.is_(None))
        handled = db.session.scalars(
            select(Proposal.id)
            .where(Proposal.state.in_(("assigned", "in_progress")), Proposal.session_id.in_(company))
            .order_by(Proposal.id)
        ).all()
        counts = dict(db.session.execute(select(Proposal.state, func.count()).group_by(Proposal.state)).all())
        db.session.remove()
        db.engine.dispose()
    return {"handled": list(handled), "counts": counts}


# -- the server -------------------------------------------------------------------------------------


@contextlib.contextmanager
def serving(url: str, workers: int, threads: int, workdir: Path) -> Iterator[tuple[int, Path]]:
    """gunicorn with the production configuration and bench.webapp's factory; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    queries, log = workdir / "queries.json", workdir / "gunicorn.log"
    queries.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "WEB_CONCURRENCY": str(workers),
        "WEB_THREADS": str(threads),
        "BIND": f"fd://{listener.fileno()}",
        "BENCH_QUERIES": str(queries),
        "ACCESS_LOG": str(workdir / "access.log"),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "bench.webapp:create_app()",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, pass_fds=[listener.fileno()]
        )
    listener.close()
    try:
        while log.read_text().count("Booting worker with pid") < workers:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn stopped:\n{log.read_text()}")
            time.sleep(0.2)
        yield port, queries
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


class Session:
    """A logged-in browser on one keep-alive connection: its cookie and a CSRF token."""

    def __init__(self, port: int, username: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        page = self.request("GET", "/login")[1]
        token = _csrf(page)
        status, _ = self.request(
            "POST", "/login", {"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        if status != 302:
            raise SystemExit(f"could not log in as {username}: {status}")
        self.csrf = _csrf(self.request("GET", "/")[1])  # the logout button's form

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> tuple[int, str]:
        sent = {"Cookie": self.cookie, **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def api_token(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"username": username, "password": DEMO_PASSWORD})
    conn.request("POST", "/api/v1/auth/token", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    answer = json.loads(response.read())
    if response.status != 200:
        raise SystemExit(f"no API token: {answer}")
    return answer["token"]


# -- the load ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What each client sends: method, paths (taken in turn, client i starting at i), headers, form, expected status."""

    name: str
    method: str
    paths: tuple[str, ...]
    headers: dict = field(default_factory=dict)
    form: dict | None = None
    status: int = 200


def client(port: int, target: Target, index: int, warmup: float, seconds: float, results) -> None:
    """One client: requests back to back on one connection; the latencies after the warm-up."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urlencode(target.form) if target.form is not None else None
    headers = dict(target.headers)
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    latencies, errors, n = [], 0, index
    start = time.perf_counter()
    measure_from, stop = start + warmup, start + warmup + seconds
    while True:
        before = time.perf_counter()
        if before >= stop:
            break
        conn.request(target.method, target.paths[n % len(target.paths)], body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        after = time.perf_counter()
        n += 1
        if before >= measure_from:
            latencies.append(after - before)
            errors += response.status != target.status
    results.put((latencies, errors))


@dataclass
class Measured:
    name: str
    rps: float
    p50: float
    p95: float
    errors: int


def load(port: int, target: Target, clients: int, warmup: float, seconds: float) -> Measured:
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=client, args=(port, target, i, warmup, seconds, results)) for i in range(clients)
    ]
    for p in processes:
        p.start()
    gathered = [results.get() for _ in processes]
    for p in processes:
        p.join()
    latencies = sorted(x for lat, _ in gathered for x in lat)
    errors = sum(e for _, e in gathered)
    if not latencies:
        return Measured(target.name, 0, 0, 0, errors)
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    return Measured(target.name, len(latencies) / seconds, statistics.median(latencies) * 1000, p95 * 1000, errors)


def targets(port: int, handled: list[int]) -> list[tuple[Target, Target]]:
    committee, supervisor = Session(port, "committee"), Session(port, "supervisor")
    token = api_token(port, "committee")
    detail = handled[0]
    pool = tuple(handled[1:]) or (detail,)
    seen, bearer, urged = (
        {"Cookie": committee.cookie},
        {"Authorization": f"Bearer {token}"},
        {"Cookie": supervisor.cookie},
    )
    for kind, path, headers in (
        ("list", "/proposals/", seen),
        ("detail", f"/proposals/{detail}", seen),
        ("stats", "/api/v1/stats", bearer),
    ):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={**headers, "X-Bench-Capture": kind})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: {response.status}")
    form = {"csrf_token": supervisor.csrf, "urge-comment": "请加快办理进度。"}
    return [
        (Target("list", "GET", ("/proposals/",), seen), Target("list bare", "GET", ("/bench/bare/list",))),
        (
            Target("detail", "GET", (f"/proposals/{detail}",), seen),
            Target("detail bare", "GET", ("/bench/bare/detail",)),
        ),
        (Target("stats", "GET", ("/api/v1/stats",), bearer), Target("stats bare", "GET", ("/bench/bare/stats",))),
        (
            Target("event", "POST", tuple(f"/proposals/{i}/events/urge" for i in pool), urged, form, 302),
            Target("event bare", "POST", tuple(f"/bench/bare/event/{i}" for i in pool), {}, {}),
        ),
    ]


# -- the run ----------------------------------------------------------------------------------------


def run(db: str, args) -> list[str]:
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-web-{db}-")))
        if db == "sqlite":
            url = f"sqlite:///{workdir / 'bench.sqlite'}"
        else:
            from tests.pg_server import running_server

            url = stack.enter_context(running_server())
        started = time.perf_counter()
        built = build(url, args.proposals)
        total = sum(built["counts"].values())
        print(f"[{db}] {total} proposals {built['counts']} built in {time.perf_counter() - started:.0f} s", flush=True)
        port, queries = stack.enter_context(serving(url, args.workers, args.threads, workdir))
        try:
            pairs = targets(port, built["handled"])
        except SystemExit:
            print((workdir / "gunicorn.log").read_text()[-5000:], file=sys.stderr)
            raise
        captured = json.loads(queries.read_text())
        lines = [
            f"{db}: {args.workers} workers x {args.threads} threads, {args.clients} clients, "
            f"{args.seconds:g} s each after {args.warmup:g} s warm-up, {total} proposals",
            "",
            "| endpoint | rps | p50 ms | p95 ms | errors | bare rps | bare p50 | bare p95 | ratio | |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for page, bare in pairs:
            m = load(port, page, args.clients, args.warmup, args.seconds)
            b = load(port, bare, args.clients, args.warmup, args.seconds)
            ratio = m.rps / b.rps if b.rps else 0
            verdict = "PASS" if ratio >= TARGET else "MISS"
            line = (
                f"| {page.name} | {m.rps:.0f} | {m.p50:.1f} | {m.p95:.1f} | {m.errors} | {b.rps:.0f} | {b.p50:.1f} | "
                f"{b.p95:.1f} | {ratio:.2f} | {verdict} |"
            )
            print(line, flush=True)
            lines.append(line)
        lines.append("")
        for kind, kept in captured.items():
            lines.append(f"- {kind}: the page sends {kept['statements']} statements; bare runs its main one")
        return lines


PROFILED = {
    "list": "/proposals/",
    "detail": "/proposals/{id}",
    "stats": "/api/v1/stats",
    "event": "/proposals/{id}/events/urge",
}


def profile(kind: str, args) -> None:
    """cProfile around test-client requests of one page (in this process, no server): where its time goes.

    `event` posts the supervisor's urge over the proposals being handled, one after another, as the load does."""
    import cProfile
    import pstats

    with tempfile.TemporaryDirectory(prefix="bench-web-profile-") as workdir:
        kept = Path(args.keep or f"{workdir}/bench.sqlite").resolve()
        url = f"sqlite:///{kept}"
        built = facts(url) if kept.exists() else build(url, args.proposals)
        from sqlalchemy import select

        from proposals import create_app
        from proposals.extensions import db
        from proposals.models import ApiToken, User

        app = create_app()
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        user = "supervisor" if kind == "event" else "committee"
        client.post("/login", data={"username": user, "password": DEMO_PASSWORD})
        with app.app_context():
            secret = ApiToken.issue(db.session.scalar(select(User).where(User.username == user)), 1)[1]
            db.session.commit()
        headers = {"Authorization": f"Bearer {secret}"}
        paths = itertools.cycle([PROFILED[kind].format(id=i) for i in built["handled"]])
        expected = 302 if kind == "event" else 200

        def send():
            path = next(paths)
            if kind == "event":
                response = client.post(path, data={"urge-comment": "请加快办理进度。"})
            else:
                response = client.get(path, headers=headers)
            assert response.status_code == expected, (path, response.status_code)

        if kind != "event":  # one page, asked again and again
            paths = itertools.repeat(next(paths))
        for _ in range(3):
            send()
        rounds = []
        for _ in range(args.rounds):  # wall time, no profiler: best of the rounds, the machine being shared
            started = time.perf_counter()
            for _ in range(20):
                send()
            rounds.append((time.perf_counter() - started) / 20 * 1000)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            send()
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(40)
        if rounds:
            print(
                f"{kind}: best of {len(rounds)} rounds of 20 requests {min(rounds):.1f} ms a request "
                f"(median {statistics.median(rounds):.1f})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--proposals", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--profile", choices=sorted(PROFILED), help="Profile one page in this process instead.")
    parser.add_argument("--keep", help="--profile: the SQLite file to build once and reuse (default: a new one).")
    parser.add_argument("--rounds", type=int, default=5, help="--profile: timed rounds before the profiled one.")
    parser.add_argument("--sort", default="cumulative", help="--profile: pstats sort key (cumulative, tottime).")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args)
        return
    report = []
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        report += run(db, args)
        report.append("")
    print("\n".join(report))


if __name__ == "__main__":
    main()
