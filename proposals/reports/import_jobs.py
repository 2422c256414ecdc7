"""Import jobs: a file too large for a request, imported by the task queue's worker, its progress shown meanwhile.

The page and the API keep the uploaded file where the uploads are kept (the attachments folder, under
imports/), write an ImportJob row and hand its id to the queue (proposals/queue.py, PostgreSQL). The worker
(`run`) reads the file, checks it whole, then writes all of it in one transaction, as the page's import does:
anything wrong, and nothing is written and the job is failed with every problem by row and column. Its state
and progress (rows checked, then rows written) are written in transactions of their own, on a connection of
their own, so the progress page sees them while the import's transaction is still open. The file is deleted
when the job ends, whichever way.

On SQLite a second writer waits for the first: there the rows written are not reported one by one, only the
steps (nothing queues a job on SQLite: its large files are imported with the command line).
"""

import json
import os
import uuid
from datetime import UTC
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from workflow import PermissionDenied
from workflow.errors import N_

from .. import queue, unions
from ..access import ADMIN_ROLES
from ..extensions import db
from ..i18n import translate
from ..models import ImportJob, User
from ..operations import audit, clock
from ..operations.attachments import attachments_dir
from ..operations.unit import finish
from . import imports
from .files import require_somewhere
from .tables import ImportRefused

FOLDER = "imports"
UNEXPECTED = N_("The import stopped on an unexpected error; nothing was imported. Try it again, or ask for help.")
NOT_ALLOWED = N_("Your roles do not allow this.")
GONE = N_("The uploaded file is gone; nothing was imported. Upload it again.")


def create(kind: str, filename: str, data: bytes, actor: User, *, rows: int | None = None, check_only: bool = False):
    """Keep the file and record its job (committed, on the audit log); the caller hands it to the queue."""
    require_somewhere(actor, ADMIN_ROLES)
    folder = attachments_dir() / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    extension = filename.rsplit(".", 1)[-1].lower()  # .xlsx or .csv: the file was read already
    name = f"{FOLDER}/{uuid.uuid4().hex}.{extension}"
    fd = os.open(attachments_dir() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    job = ImportJob(
        kind=kind,
        filename=filename[:255],
        stored_name=name,
        check_only=check_only,
        created_by_id=actor.id,
        rows_total=rows,
        created_at=clock.utcnow(),
    )
    db.session.add(job)
    details = {"kind": kind, "filename": job.filename, "rows": rows, "check_only": check_only}
    audit.record("import.queued", job, details, actor=actor)
    finish()
    return job


def submit(kind: str, filename: str, data: bytes, actor: User, *, check_only: bool = False):
    """What the page and the API call: a file that fits in a request is imported in it (imports.run_import:
    the Imported); a larger one is handed to the task queue where there is one (the ImportJob, queued), and
    refused, naming the command line, where there is none."""
    require_somewhere(actor, ADMIN_ROLES)
    module, _ = imports.KINDS[kind]
    table = module.read(filename, data)
    if len(table.rows) <= imports.page_max_rows():
        return imports.run_import(kind, filename, data, actor, table=table, dry_run=check_only)
    if not queue.enabled():
        raise imports.too_many(kind, table)
    job = create(kind, filename, data, actor, rows=len(table.rows), check_only=check_only)
    try:
        queue.defer(TASK, job_id=job.id)
    except Exception:
        _Progress(job.id)._write(
            state="failed", finished_at=clock.utcnow(), stored_name=None, errors=_plain(UNEXPECTED)
        )
        _path(job).unlink(missing_ok=True)
        raise
    return job


def may_see(job: ImportJob, user: User) -> bool:
    """Its author and the administrators of the unions its author imports into: the company union's, and a
    grassroots union's whose reach takes in all of the author's (its fellow administrators and those above,
    never a sibling's nor a union's below)."""
    if not user.is_authenticated:
        return False
    if job.created_by_id == user.id or user.has_role(*ADMIN_ROLES):
        return True
    tree = unions.current()
    theirs = unions.scope_of(job.created_by, ADMIN_ROLES, tree)
    return bool(theirs) and theirs <= unions.scope_of(user, ADMIN_ROLES, tree)


def _path(job: ImportJob) -> Path:
    return attachments_dir() / job.stored_name


class _Progress:
    """The job's state and counts, written on a connection of its own, every hundredth of the way."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.live = db.engine.dialect.name != "sqlite"
        self.done = self.shown = 0
        self.total = 0
        self.writing = False

    def _write(self, **values) -> None:
        with db.engine.begin() as conn:
            conn.execute(update(ImportJob.__table__).where(ImportJob.id == self.job_id).values(**values))

    def step(self, state: str, total: int, **values) -> None:
        self.done, self.shown, self.total = 0, 0, total
        self.writing = state == "running"
        self._write(state=state, rows_done=0, rows_total=total, **values)

    def __call__(self, n: int) -> None:
        self.done += n
        if self.writing and not self.live:
            return  # SQLite: the import's transaction holds the database
        if self.done - self.shown >= max(1, self.total // 100) or self.done >= self.total:
            self.shown = self.done
            self._write(rows_done=self.done)


def _problem(problem) -> dict:
    msgid, params = problem.message if isinstance(problem.message, tuple) else (problem.message, {})
    params = json.loads(json.dumps(params, default=str))  # plain JSON values
    return {"row": problem.row, "column": problem.column, "msgid": msgid, "params": params}


def _plain(msgid: str) -> list[dict]:
    return [{"row": None, "column": None, "msgid": msgid, "params": {}}]


TASK = "import_job"


@queue.task(TASK)
def run(job_id: int) -> None:
    """What the worker does with a queued job: check the file whole, then import all of it in one transaction, or
    nothing; the job ends done (with the counts) or failed (with the problems). Its being done is written in
    the import's transaction, so a job a stopped worker left checking or running wrote nothing and is run
    again from the start when the queue hands it over again; an ended one is left as it is."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return
    if job.finished:  # handed over again after it ended: at most its file is left to remove
        if job.stored_name:
            _path(job).unlink(missing_ok=True)
        return
    progress = _Progress(job_id)
    progress.step("checking", job.rows_total or 0, started_at=clock.utcnow())
    module, _ = imports.KINDS[job.kind]
    path = _path(job) if job.stored_name else None
    outcome: dict = {}
    try:
        actor = job.created_by
        require_somewhere(actor, ADMIN_ROLES)  # still an administrator (the rows are checked in their scope)
        if path is None or not path.exists():
            raise ImportRefused([])
        table = module.read(job.filename, path.read_bytes())
        progress.step("checking", len(table.rows))
        plan, problems = module.check(table, progress, actor=actor)
        if problems:
            raise ImportRefused(problems)
        if job.check_only:
            outcome = {"result": imports.checked(imports.Imported(job.kind, table, None, None))}
        else:
            progress.step("running", len(plan.users) if job.kind == "roster" else len(plan))

            def finish(imported):  # done in the import's own transaction: never written twice
                values = {"state": "done", "result": imports.summary(imported), "rows_done": progress.total}
                db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))

            imported = imports.write(job.kind, table, plan, actor, progress, finish)
            outcome = {"result": imports.summary(imported)}
    except ImportRefused as refused:
        db.session.rollback()
        outcome = {"errors": [_problem(p) for p in refused.problems] or _plain(GONE)}
    except PermissionDenied:
        db.session.rollback()
        outcome = {"errors": _plain(NOT_ALLOWED)}
    except Exception:
        db.session.rollback()
        _end(progress, path, {"errors": _plain(UNEXPECTED)})
        current_app.logger.exception("import job %s failed", job_id)
        raise
    _end(progress, path, outcome)


def _end(progress: _Progress, stored: Path | None, outcome: dict) -> None:
    state = "failed" if "errors" in outcome else "done"
    values = {"state": state, "finished_at": clock.utcnow(), "stored_name": None, **outcome}
    if state == "done":
        values["rows_done"] = progress.total
    progress._write(**values)
    if stored is not None:
        stored.unlink(missing_ok=True)  # the roster's personal data stays no longer than needed
    db.session.expire_all()


def problems_shown(job: ImportJob) -> list[dict]:
    """The job's problems in the reader's language."""
    return [
        {"row": e["row"], "column": e["column"], "message": translate((e["msgid"], e["params"]))}
        for e in job.errors or []
    ]


def as_json(job: ImportJob) -> dict:
    """The job as the API and the progress page's script read it."""
    return {
        "id": job.id,
        "kind": job.kind,
        "filename": job.filename,
        "check_only": job.check_only,
        "state": job.state,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "result": job.result,
        "problems": problems_shown(job),
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }


def _iso(moment) -> str | None:
    """As the API writes a stored (naive UTC) moment: ISO 8601 with its offset."""
    return moment.replace(tzinfo=UTC).isoformat() if moment is not None else None
