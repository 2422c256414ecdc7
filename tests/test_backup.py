"""`flask backup DIR` / `flask restore DIR`: a round trip gives back every row and every file; a damaged,
partial or mismatched backup is refused and changes nothing; a backup sees one moment."""

import io
import json
import threading
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from proposals import create_app
from proposals.closure.tick import tick
from proposals.demo import seed
from proposals.extensions import db
from proposals.maintenance import backup as backup_module
from proposals.maintenance.backup import BackupError, backup
from proposals.maintenance.restore import restore
from proposals.models import (
    DEFAULT_CATEGORIES,
    ApiToken,
    Attachment,
    Category,
    CongressSession,
    Proposal,
    User,
    UserRole,
)
from proposals.operations import (
    add_attachments,
    add_calendar_override,
    cast_vote,
    create_proposal,
    fire_event,
    publish_results,
)
from proposals.operations.attachments import path_of
from workflow import WorkflowError

from . import databases
from .conftest import app_config

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n1 0 obj << /Title (\xe6\x8f\x90\xe6\xa1\x88) >> endobj\ntrailer << >>\n%%EOF\n"
# the tables when backups were written: each must hold rows in the round trip (later ones are compared too)
EVERY_TABLE_OF_ISSUE_7 = {
    "calendar_overrides", "categories", "congress_sessions", "org_units", "users", "api_tokens", "proposals",
    "user_roles", "vote_publications", "assignments", "attachments", "cosignatures", "evaluations", "history",
    "progress_notes", "replies", "votes", "countersignatures", "notifications", "reminders", "audit_entries",
}  # fmt: skip


@contextmanager
def installation(url: str, files: Path, *, reset: bool = True):
    """An application on `url` with its attachments in `files`, inside its application context."""
    app = create_app(app_config(url, ATTACHMENTS_DIR=str(files)))
    with app.app_context():
        if reset:
            databases.reset(db)
        try:
            yield app
        finally:
            db.session.remove()
            databases.dispose(db)


def sqlite_url(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'db.sqlite'}"


def fill_rich() -> None:
    """The demo data, plus what it lacks: attachments, an API token, a calendar day of the union's own."""
    seed()
    worker = db.session.scalar(select(User).where(User.username == "worker"))
    # the demo's main session, the first made (the strict one is open too; unordered, PostgreSQL returns
    # whichever row it meets first, and an UPDATE moves a row)
    session = db.session.scalar(select(CongressSession).where(CongressSession.is_open).order_by(CongressSession.id))
    data = {"session_id": session.id, "reason": "理由。", "measures": "措施。", "category": "welfare"}
    draft = create_proposal(worker, {**data, "title": "附件草稿"})
    add_attachments(draft.id, worker, [FileStorage(io.BytesIO(PNG), "图片.png"), FileStorage(io.BytesIO(PDF), "a.pdf")])
    sent = create_proposal(worker, {**data, "title": "带附件的提案"})
    add_attachments(sent.id, worker, [FileStorage(io.BytesIO(PDF + b"%2"), "说明.pdf")])
    fire_event(sent.id, "submit", worker)
    ApiToken.issue(worker, hours=24)
    add_calendar_override({"day": "2031-06-02", "working": False, "note": "厂庆"})
    db.session.commit()
    _vote_in_the_past_session()
    tick(mail=False)  # the reminders of the open session's deadlines


def _vote_in_the_past_session() -> None:
    past = db.session.scalar(select(CongressSession).where(CongressSession.is_open.is_(False)))
    during = datetime.combine(past.vote_start, time(4))
    finished = select(Proposal).where(Proposal.session_id == past.id, Proposal.state.in_(("closed", "archived")))
    voters = db.session.scalars(select(User).join(UserRole).where(UserRole.role == "delegate")).all()
    votes = 0
    for proposal in db.session.scalars(finished).all():
        for voter in voters:
            if voter.id != proposal.author_id and votes < 5:
                try:
                    cast_vote(proposal.id, voter, now=during)
                    votes += 1
                except WorkflowError:
                    continue
    assert votes
    committee = db.session.scalar(select(User).where(User.username == "committee"))
    publish_results(past.id, committee)


def contents() -> dict[str, list[tuple]]:
    """Every row of every table, in primary key order."""
    with db.engine.connect() as conn:
        return {
            t.name: [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in db.metadata.sorted_tables
        }


def files() -> dict[str, bytes]:
    return {a.stored_name: path_of(a).read_bytes() for a in db.session.scalars(select(Attachment))}


def assert_same(expected_rows, expected_files) -> None:
    found = contents()
    assert found.keys() == expected_rows.keys()
    for name, rows in expected_rows.items():
        assert found[name] == rows, name
    assert files() == expected_files


def round_trip(tmp_path: Path, source_url: str, target_url: str) -> None:
    with installation(source_url, tmp_path / "source-files"):
        fill_rich()
        rows, stored = contents(), files()
        summary = backup(tmp_path / "backup")
    assert summary.files == len(stored) == 3
    assert summary.rows == sum(len(r) for r in rows.values())
    empty = [name for name, r in rows.items() if not r and name in EVERY_TABLE_OF_ISSUE_7]
    assert empty == [], f"the data leaves {empty} empty: the round trip would not test them"
    with installation(target_url, tmp_path / "target-files"):
        restored = restore(tmp_path / "backup")
        assert restored.rows == summary.rows
        assert_same(rows, stored)
        # the restored database goes on working: new rows get new ids (PostgreSQL's sequences were moved)
        worker = db.session.scalar(select(User).where(User.username == "worker"))
        session = db.session.scalar(
            select(CongressSession).where(CongressSession.is_open).order_by(CongressSession.id)
        )  # the demo's main session, as fill_rich takes it
        new = create_proposal(
            worker, {"session_id": session.id, "title": "恢复后", "reason": "r", "measures": "m", "category": "other"}
        )
        assert new.id > max(r[0] for r in rows["proposals"])


def test_round_trip_gives_back_every_row_and_file(tmp_path):
    """Into a fresh database of the same kind: SQLite to SQLite, or PostgreSQL into the emptied server."""
    url = databases.fresh_url(tmp_path / "a")
    if url.startswith("sqlite"):
        url = sqlite_url(tmp_path / "a")
    target = url if not url.startswith("sqlite") else sqlite_url(tmp_path / "b")
    round_trip(tmp_path, url, target)


def test_round_trip_across_databases(tmp_path):
    """From the embedded SQLite into PostgreSQL when the suite runs on it (else into another SQLite file)."""
    target = databases.TEST_DATABASE_URL or sqlite_url(tmp_path / "b")
    round_trip(tmp_path, sqlite_url(tmp_path / "a"), target)


# -- refusals --------------------------------------------------------------------------------------


@pytest.fixture
def small(app, tmp_path, make):
    """A database with a few rows and one attachment, and its backup in tmp_path/backup."""
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "files")
    author = make.user("worker")
    proposal = make.proposal(author=author)
    add_attachments(proposal.id, author, [FileStorage(io.BytesIO(PNG), "图.png")])
    backup(tmp_path / "backup")
    return tmp_path / "backup"


@pytest.fixture
def empty_target(tmp_path):
    """Another, empty installation (on PostgreSQL: the same server, emptied after the backup)."""
    url = databases.TEST_DATABASE_URL or sqlite_url(tmp_path / "target")
    with installation(url, tmp_path / "target-files") as app:
        yield app


def nothing_written(tmp_path) -> None:
    assert all(not rows for rows in contents().values())
    folder = tmp_path / "target-files"
    assert not folder.exists() or not any(folder.iterdir())


def test_a_non_empty_database_is_refused_unless_forced(app, small, runner):
    before = contents()
    with pytest.raises(BackupError, match="not empty"):
        restore(small)
    assert contents() == before
    db.session.add(Category(code="extra", name="后加的", position=99))
    db.session.commit()
    result = runner.invoke(args=["restore", str(small), "--force"])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    assert contents() == before


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: (b / "manifest.json").unlink(), "not a complete backup"),
        (lambda b: (b / "manifest.json").write_text("{", encoding="utf-8"), "damaged"),
        (lambda b: (b / "tables" / "users.jsonl").write_bytes(b"{}\n"), "users.jsonl does not match"),
        (lambda b: (b / "tables" / "history.jsonl").unlink(), "history.jsonl is missing"),
        (lambda b: next((b / "attachments").iterdir()).write_bytes(PNG[:-1] + b"!"), "does not match its checksum"),
        (lambda b: next((b / "attachments").iterdir()).unlink(), "attachment .* is missing"),
    ],
    ids=["no-manifest", "bad-manifest", "table-changed", "table-missing", "file-changed", "file-missing"],
)
def test_a_damaged_or_partial_backup_changes_nothing(small, empty_target, tmp_path, damage, message):
    damage(small)
    with pytest.raises(BackupError, match=message):
        restore(small)
    nothing_written(tmp_path)


def test_a_row_the_checksum_cannot_catch_still_rolls_everything_back(small, empty_target, tmp_path):
    """A manifest rewritten to match a broken table: the database refuses the row, and all is undone."""
    manifest = json.loads((small / "manifest.json").read_text())
    path = small / "tables" / "proposals.jsonl"
    row = json.loads(path.read_text())
    path.write_text(json.dumps({**row, "author_id": 999_999}) + "\n")
    manifest["tables"]["proposals"]["sha256"] = backup_module.sha256_of(path)
    (small / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(Exception, match="(?i)foreign key"):
        restore(small)
    nothing_written(tmp_path)


def test_another_schema_revision_is_refused(small, empty_target, tmp_path):
    manifest = json.loads((small / "manifest.json").read_text())
    (small / "manifest.json").write_text(json.dumps({**manifest, "schema_revision": "0123abcd"}))
    with pytest.raises(BackupError, match="schema revision 0123abcd"):
        restore(small)
    nothing_written(tmp_path)


def test_backup_never_overwrites_and_a_failed_one_leaves_nothing(app, small, tmp_path, runner):
    result = runner.invoke(args=["backup", str(small)])
    assert result.exit_code == 1
    assert "already exists" in result.output
    path_of(db.session.scalars(select(Attachment)).one()).unlink()
    with pytest.raises(BackupError, match="is missing"):
        backup(tmp_path / "second")
    assert sorted(p.name for p in tmp_path.iterdir() if "second" in p.name) == []


def test_the_cli_writes_a_manifest_with_counts_and_checksums(app, small, tmp_path, runner):
    result = runner.invoke(args=["backup", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "cli" / "manifest.json").read_text())
    assert manifest["tables"]["proposals"]["rows"] == 1
    assert manifest["tables"]["users"]["columns"][:2] == ["id", "username"]
    assert set(manifest) >= {"app_version", "schema_revision", "created_at", "database"}
    (stored,) = manifest["attachments"]
    assert (tmp_path / "cli" / "attachments" / stored).read_bytes() == PNG


# -- one moment ------------------------------------------------------------------------------------


def test_an_event_committed_during_a_backup_is_entirely_in_or_out(app, cast, tmp_path, monkeypatch):
    """The backup is paused after its first table; an accept commits meanwhile (state, number, history,
    notifications); the backup still shows the proposal as it was before, every part of it."""
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "files")
    proposal = cast.proposal_in("review")
    history_before = len(proposal.history)
    paused, resume = threading.Event(), threading.Event()
    original = backup_module._write_table

    def slow(conn, table, path):
        described = original(conn, table, path)
        if not paused.is_set():
            paused.set()
            assert resume.wait(30)
        return described

    monkeypatch.setattr(backup_module, "_write_table", slow)
    failures = []

    def take():
        with app.app_context():
            try:
                backup(tmp_path / "during")
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)
            finally:
                db.session.remove()

    worker = threading.Thread(target=take)
    worker.start()
    try:
        assert paused.wait(30)
        fire_event(proposal.id, "accept", cast.committee)
    finally:
        resume.set()
        worker.join(60)
    assert failures == []
    monkeypatch.setattr(backup_module, "_write_table", original)
    backup(tmp_path / "after")

    def seen(folder):
        def rows(table):
            return [json.loads(line) for line in (folder / "tables" / f"{table}.jsonl").read_text().splitlines()]

        (row,) = [r for r in rows("proposals") if r["id"] == proposal.id]
        history = [h for h in rows("history") if h["proposal_id"] == proposal.id]
        notified = {n["history_id"] for n in rows("notifications") if n["proposal_id"] == proposal.id}
        return row["state"], row["number"], len(history), notified <= {h["id"] for h in history}

    assert seen(tmp_path / "during") == ("review", None, history_before, True)
    accepted = db.session.get(Proposal, proposal.id)
    assert seen(tmp_path / "after") == ("accepted", accepted.number, history_before + 1, True)


def test_categories_of_a_fresh_install_are_part_of_the_backup(app, tmp_path):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "files")
    summary = backup(tmp_path / "b")
    assert summary.rows == len(DEFAULT_CATEGORIES)
    assert summary.files == 0
