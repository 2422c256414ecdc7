"""Benchmark 4, the roster: importing 100,000 people, against the per-row cost of the import it replaced.

    .venv/bin/python bench/roster.py                               # 100,000 rows on SQLite and PostgreSQL
    .venv/bin/python bench/roster.py --db sqlite --rows 20000      # a quicker run

The present figure, measured in the same run: the import as it was, one row at a time through the
administration's create_user with a generated initial password hashed by scrypt at werkzeug's full cost
(what every row without a password paid: 83 ms a row on this machine, 2 min 46 s for 2,000 rows), on
--present-rows rows, and what that makes for --rows.

The new figures: a roster file (CSV) of --rows people in 200 departments and 40 delegations, with roles,
e-mail and mobile numbers, read, checked and written by the command the union runs,
`flask --app proposals import-roster FILE` (first `--check`, then for real: every new person without a
password gets an activation code, kept as an HMAC, printed once), through Click's runner in this process.
Then the one statement that checks the rows are there. Target (issue #20): 100,000 rows in at most
5 minutes on this 2-core machine, on each database.

On PostgreSQL, also the queued path, what the Imports page and POST /api/v1/imports/roster take for a file
beyond IMPORT_PAGE_MAX_ROWS (2,000): on an emptied database, reports.import_jobs.submit() (what both call:
the file read, kept, its ImportJob row written and handed to the task queue, procrastinate), then a real
worker in this process (queue.run_worker, as `flask --app proposals worker --once` runs it) checks the file
whole and writes it in one transaction, its progress on a connection of its own; timed from the upload to
the job's being done, the same --rows.

SQLite is a file in a temporary directory; PostgreSQL is TEST_DATABASE_URL or a throw-away server from
tests/pg_server.py. Run by hand only: timings on a shared machine are noisy.
"""

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from proposals import create_app  # noqa: E402
from proposals.extensions import db  # noqa: E402
from proposals.models import User  # noqa: E402

TARGET_SECONDS = 300
DEPARTMENTS, DELEGATIONS = 200, 40
ROLES = ("职工", "职工", "职工", "职工代表", "承办部门联络人")


def make_app(url: str, page_max_rows: int | None = None):
    # werkzeug's full scrypt cost, as in production: the present import's cost is that hash
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "scrypt"}
    if page_max_rows is not None:  # what the page takes in a request; beyond it the queue (smoke test: small)
        config["IMPORT_PAGE_MAX_ROWS"] = page_max_rows
    return create_app(config)


def write_roster(path: Path, rows: int) -> None:
    """A roster as a union keeps it: Chinese headers, units named on their first row."""
    named: set[str] = set()
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["用户名", "姓名", "角色", "部门编码", "部门名称", "代表团编码", "代表团名称", "电子邮箱", "手机"]
        )
        for n in range(rows):
            dept, dele = f"D{n % DEPARTMENTS:03d}", f"T{n % DELEGATIONS:02d}"
            dept_name = f"第{n % DEPARTMENTS + 1}部门" if dept not in named else ""
            dele_name = f"第{n % DELEGATIONS + 1}代表团" if dele not in named else ""
            named |= {dept, dele}
            writer.writerow(
                [
                    f"e{n:06d}",
                    f"职工{n}",
                    ROLES[n % len(ROLES)],
                    dept,
                    dept_name,
                    dele,
                    dele_name,
                    f"e{n:06d}@example.cn",
                    f"139{n:08d}",
                ]
            )


def present_per_row(rows: int) -> float:
    """Seconds a row took in the import as it was: a generated initial password, hashed, per create_user."""
    from proposals.auth import passwords
    from proposals.operations import create_user

    started = time.perf_counter()
    for n in range(rows):
        username = f"old{n:05d}"
        password = passwords.initial_password(username)
        create_user(
            {
                "username": username,
                "name": f"旧{n}",
                "password": password,
                "roles": ["worker"],
                "must_change_password": True,
            }
        )
    return (time.perf_counter() - started) / rows


def clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {seconds:02d} s"


def bench(url: str, label: str, rows: int, present_rows: int, page_max_rows: int | None = None) -> bool:
    app = make_app(url, page_max_rows)
    runner = app.test_cli_runner()
    ok = True
    with app.app_context(), tempfile.TemporaryDirectory() as tmp:
        db.drop_all()
        db.create_all()
        per_row = present_per_row(present_rows)
        print(
            f"{label}: present import {per_row * 1000:.1f} ms a row (scrypt + create_user, {present_rows} rows): "
            f"{rows} rows would take {clock(per_row * rows)}",
            flush=True,
        )
        path = Path(tmp) / "roster.csv"
        write_roster(path, rows)
        db.session.commit()
        started = time.perf_counter()
        checked = runner.invoke(args=["import-roster", "--check", str(path)])
        check_seconds = time.perf_counter() - started
        assert checked.exit_code == 0, checked.output[-2000:]
        started = time.perf_counter()
        done = runner.invoke(args=["import-roster", str(path)])
        seconds = time.perf_counter() - started
        assert done.exit_code == 0, done.output[-2000:]
        db.session.remove()
        made = db.session.scalar(select(func.count()).select_from(User).where(User.username.like("e%")))
        assert made == rows, (made, rows)
        codes = sum(1 for line in done.output.splitlines() if line.startswith("e") and "\t" in line)
        ok = seconds <= TARGET_SECONDS * rows / 100_000
        verdict = "PASS" if ok else "MISS"
        print(
            f"{label}: new import of {rows} rows: check only {check_seconds:.1f} s; import {seconds:.1f} s "
            f"({seconds / rows * 1000:.2f} ms a row, {codes} activation codes), "
            f"{per_row / (seconds / rows):.0f}x faster a row; "
            f"{verdict} (target: 100000 rows in {TARGET_SECONDS} s)",
            flush=True,
        )
        if db.engine.dialect.name == "postgresql":
            ok = queued(app, Path(tmp), path, label, rows, per_row) and ok
        db.session.remove()
        db.engine.dispose()
    return ok


def queued(app, tmp: Path, path: Path, label: str, rows: int, per_row: float) -> bool:
    """The queued import of the same file on an emptied database: submitted as the page and the API submit
    it, imported by a real worker; True when within the target."""
    from procrastinate.schema import SchemaManager
    from sqlalchemy import text

    from proposals import queue
    from proposals.models import ImportJob
    from proposals.operations import create_user
    from proposals.reports import import_jobs

    app.config["ATTACHMENTS_DIR"] = str(tmp / "attachments")  # where the uploads are kept until imported
    db.session.remove()
    db.drop_all()
    db.create_all()
    with db.engine.begin() as conn:
        if conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is None:
            conn.execute(text(SchemaManager.get_schema()))  # as the migration applies it
        conn.exec_driver_sql("TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_workers CASCADE")
    admin = {"username": "bench-admin", "name": "管理员", "password": "Zhidaihui-2026-bench", "roles": ["union_admin"]}
    admin = create_user(admin)
    data = path.read_bytes()
    started = time.perf_counter()
    job = import_jobs.submit("roster", path.name, data, admin)
    submitted = time.perf_counter() - started
    assert isinstance(job, ImportJob), f"not queued: {rows} rows fit in a request (IMPORT_PAGE_MAX_ROWS)"
    job_id = job.id
    db.session.remove()
    queue.run_worker(app, wait=False)  # a real worker, until the queue is empty
    seconds = time.perf_counter() - started
    job = db.session.get(ImportJob, job_id)
    assert job.state == "done", (job.state, job.errors)
    made = db.session.scalar(select(func.count()).select_from(User).where(User.username.like("e%")))
    assert made == rows == job.result["users_created"], (made, rows, job.result)
    ok = seconds <= TARGET_SECONDS * rows / 100_000
    print(
        f"{label}: queued import of {rows} rows (task queue, one worker): submitted in {submitted:.1f} s, "
        f"done in {seconds:.1f} s from the upload ({seconds / rows * 1000:.2f} ms a row), "
        f"{per_row / (seconds / rows):.0f}x faster a row than the present import; "
        f"{'PASS' if ok else 'MISS'} (target: 100000 rows in {TARGET_SECONDS} s)",
        flush=True,
    )
    queue.close(app)
    db.session.remove()
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--present-rows", type=int, default=20, help="rows of the present import to time")
    parser.add_argument("--page-max-rows", type=int, help="IMPORT_PAGE_MAX_ROWS (default the app's, 2,000)")
    args = parser.parse_args(argv)
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            bench(f"sqlite:///{tmp}/bench.sqlite", "SQLite (file)", args.rows, args.present_rows)
    if args.db in ("postgresql", "both"):
        from tests.pg_server import database_for_tests

        with database_for_tests() as url:
            bench(url, "PostgreSQL", args.rows, args.present_rows, args.page_max_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
