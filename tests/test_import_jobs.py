"""Large imports: the page and the API take a file that fits in a request; a larger one is refused naming the
command that imports it (on SQLite, or where no task queue runs), and changes nothing."""

import csv
import io
import re

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy import text as sql

from proposals import queue
from proposals.extensions import db
from proposals.models import AuditEntry, ImportJob, OrgUnit, Proposal, User
from proposals.reports import audit_log, import_jobs, imports, proposal_import, roster_import

from .helpers import api_client, login


@pytest.fixture
def worker(app):
    """On PostgreSQL, the task queue's schema (as the migration applies it) with no job left in it; the
    queue's connections closed after the test."""
    if db.engine.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        with db.engine.begin() as conn:
            if conn.scalar(sql("SELECT to_regclass('procrastinate_jobs')")) is None:
                conn.execute(sql(SchemaManager.get_schema()))  # as the migration applies it
            conn.exec_driver_sql("TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_workers CASCADE")
    yield
    queue.close(app)


def postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def roster(n: int) -> bytes:
    """A roster of `n` new workers."""
    return csv_bytes([["username", "name", "roles"], *([f"w{i:05d}", f"职工{i}", "worker"] for i in range(n))])


def paper_proposals(n: int) -> bytes:
    rows = (["S1", "nobody", f"提案{i}", "理由", "措施", "其他"] for i in range(n))
    return csv_bytes([list(proposal_import.KEYS), *rows])


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (User, OrgUnit, Proposal))


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def upload(client, kind: str, data: bytes, filename: str = "file.csv"):
    return client.post(
        f"/imports/{kind}",
        data={f"{kind}-file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_the_default_limit_is_what_a_request_holds():
    assert imports.PAGE_MAX_ROWS == 2_000 < roster_import.MAX_ROWS


def test_the_page_refuses_a_roster_beyond_the_limit_naming_the_command(app, client, make):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 3
    app.config["IMPORT_QUEUE"] = False  # as on SQLite; on PostgreSQL the queue takes it (below)
    login(client, make.user("union_admin"))
    before = counts()
    response = upload(client, "roster", roster(4))
    assert response.status_code == 422
    page = text(response)
    assert "flask --app proposals import-roster" in page and "此文件有 4 行" in page and "最多导入 3 行" in page
    assert counts() == before
    assert upload(client, "roster", roster(3)).status_code == 200  # at the limit: imported within the request
    assert counts()[0] == before[0] + 3


def test_the_page_refuses_paper_proposals_beyond_the_limit_naming_their_command(app, client, make):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 2
    app.config["IMPORT_QUEUE"] = False
    login(client, make.user("union_admin"))
    before = counts()
    response = upload(client, "proposals", paper_proposals(3))
    assert response.status_code == 422
    page = text(response)
    assert "import-proposals 文件（加 --check 可先检查）" in page and "import-roster 文件（加 --check" not in page
    assert counts() == before


def test_the_page_can_only_check_a_file(app, client, make):
    login(client, make.user("union_admin"))
    before = counts()
    response = client.post(
        "/imports/roster",
        data={"roster-file": (io.BytesIO(roster(4)), "r.csv"), "roster-check_only": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "文件检查无误；未作任何更改。" in text(response) and counts() == before
    bad = csv_bytes([["username", "name", "roles"], ["x1", "", "worker"]])
    response = client.post(
        "/imports/roster",
        data={"roster-file": (io.BytesIO(bad), "r.csv"), "roster-check_only": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "新用户须填写姓名。" in text(response) and counts() == before


def test_the_api_refuses_a_file_beyond_the_limit_the_same_way(app, client, make):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 3
    app.config["IMPORT_QUEUE"] = False
    api = api_client(client).as_(make.user("union_admin"), language="en")
    before = counts()
    response = api.post(
        "/imports/roster", data={"file": (io.BytesIO(roster(5)), "roster.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and response.json["code"] == "import_refused"
    [problem] = response.json["problems"]
    assert "at most 3" in problem["message"] and "flask --app proposals import-roster FILE" in problem["message"]
    assert counts() == before


# -- import jobs: the worker's part, their page and their API --------------------------------------


def observe_jobs(app, seen: list):
    """Record, each time the import writes an audit row (inside its one transaction), what another connection
    sees then: the job's state and progress, and how many users exist."""
    engine = db.engine

    def look(conn, cursor, statement, *_):
        if not statement.startswith("INSERT INTO audit_entries") or conn.info.get("looking"):
            return
        with engine.connect() as other:
            other.info["looking"] = True
            job = other.execute(select(ImportJob.state, ImportJob.rows_done, ImportJob.rows_total)).one()
            users = other.scalar(select(func.count()).select_from(User))
            seen.append((*job, users))

    event.listen(engine, "before_cursor_execute", look)
    return lambda: event.remove(engine, "before_cursor_execute", look)


def test_a_job_checks_then_writes_all_in_one_transaction_its_progress_seen_meanwhile(app, files, make):
    admin = make.user("union_admin")
    job = import_jobs.create("roster", "big.csv", roster(30), admin, rows=30)
    stored = import_jobs._path(job)
    assert stored.exists() and job.state == "queued"
    before = counts()
    seen = []
    stop = observe_jobs(app, seen)
    try:
        import_jobs.run(job.id)
    finally:
        stop()
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.state == "done" and (job.rows_done, job.rows_total) == (30, 30)
    assert job.result["users_created"] == 30 and job.result["slips_id"] is not None
    assert counts()[0] == before[0] + 30 and not stored.exists() and job.stored_name is None
    assert job.started_at is not None and job.finished_at is not None
    if db.engine.dialect.name == "postgresql":  # seen from another connection while the transaction is open
        assert ("running", 30, 30, before[0]) in seen
    else:  # SQLite: one writer at a time, so only the steps are reported
        assert seen and all(s[0] == "running" and s[3] == before[0] for s in seen)
    queued = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.queued"))
    assert (queued.actor_id, queued.target_id, queued.details["rows"]) == (admin.id, job.id, 30)
    assert audit_log.action_label("import.queued") == "大文件导入交由后台任务队列"
    assert queued.target_type == "import_jobs" and "import_jobs" in audit_log.TARGETS


def test_a_failing_job_writes_nothing_and_keeps_every_problem(app, files, client, make):
    admin = make.user("union_admin")
    rows = [["username", "name", "roles"], ["a1", "甲", "worker"], ["a2", "", "worker"], ["a3", "丙", "代表"]]
    job = import_jobs.create("roster", "bad.csv", csv_bytes(rows), admin, rows=3)
    before = counts()
    import_jobs.run(job.id)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.state == "failed" and counts() == before and job.result is None
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "name"), (4, "roles")]
    assert job.stored_name is None and list((files / "imports").iterdir()) == []
    api = api_client(client).as_(admin, language="en")
    body = api.get(f"/imports/jobs/{job.id}").json
    assert body["state"] == "failed" and body["result"] is None
    assert [(p["row"], p["column"]) for p in body["problems"]] == [(3, "name"), (4, "roles")]
    assert body["problems"][0]["message"] == "A new user needs a name."
    login(client, admin)
    page = text(client.get(f"/imports/jobs/{job.id}"))
    assert "未导入任何数据。" in page and "新用户须填写姓名。" in page
    assert "http-equiv" not in client.get(f"/imports/jobs/{job.id}").text  # ended: no reloading


def test_a_check_only_job_changes_nothing(app, files, make):
    admin = make.user("union_admin")
    job = import_jobs.create("roster", "big.csv", roster(12), admin, rows=12, check_only=True)
    before = counts()
    import_jobs.run(job.id)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert (job.state, job.result["checked"], job.rows_done) == ("done", 12, 12) and counts() == before


def test_a_job_is_followed_by_its_author_and_the_administrators_only(app, files, client, make):
    author, other_admin = make.user("union_admin"), make.user("union_admin")
    job = import_jobs.create("roster", "big.csv", roster(3), author, rows=3)
    api = api_client(client)
    waiting = api.as_(author).get(f"/imports/jobs/{job.id}")
    assert waiting.status_code == 200 and waiting.json["state"] == "queued" and waiting.json["rows_total"] == 3
    login(client, author)
    page = client.get(f"/imports/jobs/{job.id}")
    assert page.status_code == 200 and 'http-equiv="refresh"' in page.text and "js/import-job.js" in page.text
    progress = client.get(f"/imports/jobs/{job.id}/progress")
    assert progress.json["finished"] is False and progress.json["text"] == "等待后台任务处理。"
    with client.get("/static/js/import-job.js") as script:  # served by the application, no CDN
        assert script.status_code == 200 and b"data-progress-url" in script.data
    assert api.as_(other_admin).get(f"/imports/jobs/{job.id}").status_code == 200
    for role in ("worker", "committee", "leader"):
        someone = make.user(role)
        assert api.as_(someone).get(f"/imports/jobs/{job.id}").status_code == 403
        login(client, someone)
        assert client.get(f"/imports/jobs/{job.id}").status_code == 403
        assert client.get(f"/imports/jobs/{job.id}/progress").status_code == 403
    assert api.get(f"/imports/jobs/{job.id}").status_code == 401
    assert api.as_(author).get(f"/imports/jobs/{job.id + 1}").status_code == 404
    import_jobs.run(job.id)
    done = api.as_(author).get(f"/imports/jobs/{job.id}").json
    assert done["state"] == "done" and done["result"]["users_created"] == 3 and done["problems"] == []
    login(client, author)
    page = text(client.get(f"/imports/jobs/{job.id}"))
    assert "新建用户：3" in page


# -- the task queue: PostgreSQL hands large files to it, SQLite refuses them ------------------------


def test_the_page_hands_a_large_file_to_the_queue_and_a_real_worker_imports_it(
    app, files, client, runner, make, worker
):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 5
    admin = make.user("union_admin")
    login(client, admin)
    before = counts()
    response = upload(client, "roster", roster(40))
    if not postgres():  # no queue: refused, naming the command line, and nothing kept
        assert response.status_code == 422 and "flask --app proposals import-roster" in text(response)
        assert counts() == before and db.session.scalar(select(func.count()).select_from(ImportJob)) == 0
        refused = runner.invoke(args=["worker", "--once"])
        assert refused.exit_code != 0 and "PostgreSQL" in refused.output
        return
    job = db.session.scalar(select(ImportJob))
    assert response.status_code == 303 and response.location == f"/imports/jobs/{job.id}"
    assert (job.state, job.rows_total, job.created_by_id) == ("queued", 40, admin.id) and counts() == before
    assert "等待后台任务处理。" in text(client.get(response.location))
    with db.engine.connect() as conn:
        assert conn.scalar(sql("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")) == 1
    seen = []
    stop = observe_jobs(app, seen)
    try:
        ran = runner.invoke(args=["worker", "--once"])  # the worker command, as the systemd unit runs it
    finally:
        stop()
    assert ran.exit_code == 0, ran.output
    assert ("running", 40, 40, before[0]) in seen  # its progress seen while its one transaction was open
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.state == "done" and job.result["users_created"] == 40 and counts()[0] == before[0] + 40
    page = text(client.get(f"/imports/jobs/{job.id}"))
    assert "新建用户：40" in page and "已完成。" in page
    with db.engine.connect() as conn:
        assert conn.scalar(sql("SELECT status::text FROM procrastinate_jobs")) == "succeeded"


def test_the_api_answers_202_with_the_job_and_a_failing_file_imports_nothing(app, files, client, make, worker):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 5
    admin = make.user("union_admin")
    api = api_client(client).as_(admin, language="en")
    someone = make.user("worker")
    rows = [["username", "name", "roles"], *([f"b{i}", f"乙{i}", "worker"] for i in range(8)), ["b9", "", "worker"]]
    before = counts()
    response = api.post(
        "/imports/roster", data={"file": (io.BytesIO(csv_bytes(rows)), "r.csv")}, content_type="multipart/form-data"
    )
    if not postgres():
        assert response.status_code == 422 and "import-roster" in response.json["problems"][0]["message"]
        assert counts() == before
        return
    assert response.status_code == 202 and response.json["state"] == "queued" and response.json["rows_total"] == 9
    address = response.headers["Location"]
    assert address == f"/api/v1/imports/jobs/{response.json['id']}"
    assert api.as_(someone).get(address.removeprefix("/api/v1")).status_code == 403
    queue.run_worker(app, wait=False)  # a real worker, in this process, until the queue is empty
    body = api.get(address.removeprefix("/api/v1")).json
    assert body["state"] == "failed" and counts() == before
    assert [(p["row"], p["column"], p["message"]) for p in body["problems"]] == [
        (10, "name", "A new user needs a name.")
    ]
    good = api.post(
        "/imports/roster", data={"file": (io.BytesIO(roster(9)), "r.csv")}, content_type="multipart/form-data"
    )
    assert good.status_code == 202
    queue.run_worker(app, wait=False)
    done = api.get(good.headers["Location"].removeprefix("/api/v1")).json
    assert done["state"] == "done" and done["result"]["users_created"] == 9 and done["rows_done"] == 9
    assert counts()[0] == before[0] + 9


def test_the_api_can_only_check_a_file_too(app, files, client, make, worker):
    api = api_client(client).as_(make.user("union_admin"), language="en")
    before = counts()
    small = api.post(
        "/imports/roster",
        data={"file": (io.BytesIO(roster(4)), "r.csv"), "check_only": "true"},
        content_type="multipart/form-data",
    )
    assert small.status_code == 200 and small.json == {"kind": "roster", "checked": 4, "ignored_columns": []}
    assert counts() == before
    app.config["IMPORT_PAGE_MAX_ROWS"] = 2
    large = api.post(
        "/imports/roster",
        data={"file": (io.BytesIO(roster(6)), "r.csv"), "check_only": "true"},
        content_type="multipart/form-data",
    )
    if not postgres():
        assert large.status_code == 422 and counts() == before
        return
    assert large.status_code == 202 and large.json["check_only"] is True
    queue.run_worker(app, wait=False)
    body = api.get(large.headers["Location"].removeprefix("/api/v1")).json
    assert body["state"] == "done" and body["result"] == {"kind": "roster", "checked": 6, "ignored_columns": []}
    assert counts() == before


def test_a_job_a_stopped_worker_left_runs_again_and_an_ended_one_never(app, files, make, worker):
    admin = make.user("union_admin")
    job = import_jobs.create("roster", "big.csv", roster(7), admin, rows=7)
    before = counts()
    if postgres():  # its queue job taken by a worker that stopped answering an hour ago, the import half done
        queue.defer(import_jobs.TASK, job_id=job.id)
        with db.engine.begin() as conn:
            gone = conn.scalar(
                sql(
                    "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 hour') RETURNING id"
                )
            )
            conn.execute(sql("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w"), {"w": gone})
    db.session.execute(update(ImportJob).values(state="running", rows_done=3))  # as the stopped worker left it
    db.session.commit()
    if postgres():
        queue.run_worker(app, wait=False)  # queues the stalled job again, then runs it
    else:
        import_jobs.run(job.id)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.state == "done" and job.result["users_created"] == 7 and counts()[0] == before[0] + 7
    import_jobs.run(job.id)  # handed over once more: nothing imported twice
    db.session.expire_all()
    assert counts()[0] == before[0] + 7 and db.session.get(ImportJob, job.id).result["users_created"] == 7
