"""Backups: a consistent snapshot of every table and every attachment, in a database-neutral folder.

A backup folder holds `manifest.json` (format, app version, schema revision, when, and for every
table its columns, row count and SHA-256; for every attachment file its size and SHA-256),
`tables/<table>.jsonl` (one JSON object per row, in primary key order; dates and times as ISO
strings) and `attachments/<stored name>`. The same folder restores into SQLite or PostgreSQL.

The tables are read in one transaction that sees one moment: REPEATABLE READ, read only, on
PostgreSQL; one read transaction on SQLite (WAL keeps writers going meanwhile). The folder is written
under a temporary name next to the destination and renamed at the end, so a folder with the
destination's name is always complete.
"""

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import inspect, select, text

from ..extensions import db
from ..models import Attachment
from ..operations import clock
from ..operations.attachments import attachments_dir

FORMAT = 1
MANIFEST = "manifest.json"
TABLES = "tables"
FILES = "attachments"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message says why, for the console."""


@dataclass(frozen=True)
class Summary:
    path: Path
    rows: int
    tables: int
    files: int


def app_version() -> str:
    try:
        return metadata.version("proposals")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def tables() -> list:
    """The application's tables, parents before children."""
    return list(db.metadata.sorted_tables)


def schema_revision(conn) -> str | None:
    """The Alembic revision the database is at; None when it was built without migrations."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(text("SELECT version_num FROM alembic_version"))


def check_schema(conn) -> None:
    """Refuse a database whose tables are not this version's, e.g. one not upgraded yet."""
    inspector = inspect(conn)
    for table in tables():
        if not inspector.has_table(table.name):
            raise BackupError(f"The database has no table {table.name}: bring it up to date first (flask db upgrade).")
        present = {c["name"] for c in inspector.get_columns(table.name)}
        if present != {c.name for c in table.columns}:
            raise BackupError(
                f"The database's table {table.name} has other columns than this version's: "
                "bring it up to date first (flask db upgrade)."
            )


def encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _snapshot_connection():
    """A connection whose reads all see the same moment; the caller closes it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        conn.begin()
        return conn
    conn = engine.connect()
    # the sqlite3 module does not begin a transaction for SELECTs; an explicit BEGIN makes one, and the
    # first read fixes the snapshot
    conn.exec_driver_sql("BEGIN")
    return conn


def _order(table) -> list:
    return list(table.primary_key.columns) or list(table.columns)


def backup(destination: Path) -> Summary:
    """Write a complete backup into `destination`, which must not exist yet."""
    destination = Path(destination).absolute()
    if destination.exists():
        raise BackupError(f"{destination} already exists; name a new folder.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=destination.parent))
    try:
        manifest = _write(partial)
        _write_json(partial / MANIFEST, manifest)
        _fsync_dir(partial)
        os.rename(partial, destination)
        _fsync_dir(destination.parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    rows = sum(t["rows"] for t in manifest["tables"].values())
    return Summary(destination, rows, len(manifest["tables"]), len(manifest["attachments"]))


def _write(folder: Path) -> dict:
    (folder / TABLES).mkdir()
    (folder / FILES).mkdir()
    conn = _snapshot_connection()
    try:
        check_schema(conn)
        revision = schema_revision(conn)
        described = {}
        for table in tables():
            described[table.name] = _write_table(conn, table, folder / TABLES / f"{table.name}.jsonl")
        stored = conn.execute(select(Attachment.stored_name, Attachment.sha256, Attachment.size)).all()
        taken_at = clock.utcnow()
    finally:
        conn.rollback()
        conn.close()
    files = {}
    source = attachments_dir()
    for stored_name, sha256, size in stored:
        files[stored_name] = _copy_file(source / stored_name, folder / FILES / stored_name, sha256, size)
    return {
        "format": FORMAT,
        "app_version": app_version(),
        "schema_revision": revision,
        "database": db.engine.dialect.name,
        "created_at": taken_at.isoformat() + "Z",
        "tables": described,
        "attachments": files,
    }


def _write_table(conn, table, path: Path) -> dict:
    names = [c.name for c in table.columns]
    digest = hashlib.sha256()
    count = 0
    with open(path, "wb") as out:
        result = conn.execute(select(table).order_by(*_order(table))).yield_per(1000)
        for row in result:
            line = json.dumps({n: encode(v) for n, v in zip(names, row, strict=True)}, ensure_ascii=False)
            data = (line + "\n").encode("utf-8")
            digest.update(data)
            out.write(data)
            count += 1
        out.flush()
        os.fsync(out.fileno())
    return {"file": f"{TABLES}/{table.name}.jsonl", "columns": names, "rows": count, "sha256": digest.hexdigest()}


def _copy_file(source: Path, target: Path, sha256: str, size: int) -> dict:
    """Copy one attachment, checking it is the file the database describes."""
    if not source.is_file():
        raise BackupError(f"The attachment file {source} is missing; the backup is not complete.")
    shutil.copyfile(source, target)
    found = sha256_of(target)
    if found != sha256 or target.stat().st_size != size:
        raise BackupError(f"The attachment file {source} does not match its checksum in the database.")
    return {"size": size, "sha256": found}


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
