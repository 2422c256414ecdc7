"""Restoring a backup folder (see backup.py) into an empty database at the same schema revision.

Everything is checked before anything is written: the manifest, every table file's row count and
SHA-256, every attachment's size and SHA-256, the schema revision and the columns of every table.
Then the attachment files are copied in and every row is inserted in one transaction; PostgreSQL's
id sequences are moved past the restored ids. Any failure rolls the rows back and removes the files
this restore copied, so a refused restore changes nothing.

The database must be empty. The rows the schema itself seeds (the default categories, which `flask db
upgrade` writes) count as empty: they are replaced by the backup's, so that moving to another database
(upgrade it, then restore) works. With `force=True` every row is deleted first, in the same
transaction (the files already in the attachments folder stay: nothing is deleted there).
"""

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Date, DateTime, func, select, text

from ..extensions import db
from ..models import DEFAULT_CATEGORIES, Category, ChannelDefault
from ..operations.attachments import attachments_dir
from .backup import FILES, FORMAT, MANIFEST, BackupError, check_schema, schema_revision, sha256_of, tables

BATCH = 1000


@dataclass(frozen=True)
class Restored:
    rows: int
    tables: int
    files: int


def read_manifest(folder: Path) -> dict:
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder.")
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} has no {MANIFEST}: it is not a complete backup.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is damaged: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup of format {FORMAT}.")
    for key in ("tables", "attachments"):
        if not isinstance(manifest.get(key), dict):
            raise BackupError(f"{path} is damaged: it lists no {key}.")
    return manifest


def verify(folder: Path) -> dict:
    """Check the whole backup against its manifest; return the manifest, or raise BackupError."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    known = {t.name: t for t in tables()}
    listed = manifest["tables"]
    if set(listed) != set(known):
        missing, extra = sorted(set(known) - set(listed)), sorted(set(listed) - set(known))
        raise BackupError(f"The backup's tables differ from this version's: missing {missing}, unknown {extra}.")
    for name, entry in listed.items():
        columns = [c.name for c in known[name].columns]
        if entry.get("columns") != columns:
            raise BackupError(
                f"The backup's table {name} has other columns than this version's: {entry.get('columns')}."
            )
        path = folder / entry["file"]
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {entry['file']} is missing.")
        if sha256_of(path) != entry["sha256"]:
            raise BackupError(f"The backup is damaged: {entry['file']} does not match its checksum.")
        with open(path, "rb") as f:
            lines = sum(1 for _ in f)
        if lines != entry["rows"]:
            raise BackupError(f"The backup is damaged: {entry['file']} has {lines} rows, not {entry['rows']}.")
    for stored_name, entry in manifest["attachments"].items():
        path = folder / FILES / stored_name
        if Path(stored_name).name != stored_name or not path.is_file():
            raise BackupError(f"The backup is incomplete: the attachment {stored_name} is missing.")
        if path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            raise BackupError(f"The backup is damaged: the attachment {stored_name} does not match its checksum.")
    return manifest


def restore(folder: Path, force: bool = False) -> Restored:
    """Restore the backup in `folder` into this application's database and attachments folder."""
    folder = Path(folder)
    manifest = verify(folder)
    with db.engine.connect() as conn:
        _check_target(conn, manifest)
    written = _copy_files(folder, manifest["attachments"])
    try:
        with db.engine.begin() as conn:
            if force:
                _wipe(conn)
            elif busy := _non_empty(conn):
                raise BackupError(
                    "The database is not empty (" + ", ".join(busy) + "). Restore into an empty database, "
                    "or give --force to delete every row first."
                )
            else:
                for table in SEEDED:  # only what the schema seeded: see _non_empty
                    conn.execute(table.delete())
            rows = sum(_insert(conn, table, folder / manifest["tables"][table.name]["file"]) for table in tables())
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    db.session.remove()  # nothing cached from before the restore survives
    return Restored(rows=rows, tables=len(manifest["tables"]), files=len(manifest["attachments"]))


def _check_target(conn, manifest: dict) -> None:
    revision = schema_revision(conn)
    if revision != manifest.get("schema_revision"):
        raise BackupError(
            f"The backup is of schema revision {manifest.get('schema_revision')}, the database is at {revision}: "
            "restore into a database at the backup's revision (flask db upgrade with this version of the "
            "application), then upgrade."
        )
    check_schema(conn)


# the rows `flask db upgrade` writes into an empty database (migration c486175279fb), as (code, name, position)
SEEDED_CATEGORIES = frozenset((code, name, position) for position, (code, name) in enumerate(DEFAULT_CATEGORIES))


def _only_seeded_categories(conn) -> bool:
    t = Category.__table__
    rows = conn.execute(select(t.c.code, t.c.name, t.c.position, t.c.retired)).all()
    return all((code, name, position) in SEEDED_CATEGORIES and not retired for code, name, position, retired in rows)


def _only_seeded_channel_defaults(conn) -> bool:
    # migration c4a7e1d90b35 gives every kind of notice email alone; a union that chose otherwise has data
    t = ChannelDefault.__table__
    return all(channels == "email" for (channels,) in conn.execute(select(t.c.channels)))


# the tables `flask db upgrade` fills in an empty database, each with the test that they hold only that
SEEDED = {Category.__table__: _only_seeded_categories, ChannelDefault.__table__: _only_seeded_channel_defaults}


def _non_empty(conn) -> list[str]:
    """The tables that hold rows, apart from those the schema seeds."""
    busy = []
    for table in tables():
        seeded_only = SEEDED.get(table)
        if seeded_only is not None:
            if not seeded_only(conn):
                busy.append(table.name)
        elif conn.scalar(select(func.count()).select_from(table)):
            busy.append(table.name)
    return busy


def _wipe(conn) -> None:
    # children first; a table's rows pointing at each other go in one statement, checked at its end
    for table in reversed(tables()):
        conn.execute(table.delete())


def _copy_files(folder: Path, files: dict) -> list[Path]:
    """Copy the attachments in under their stored names; return the files this restore created."""
    target = attachments_dir()
    target.mkdir(parents=True, exist_ok=True)
    clashes = [n for n, e in files.items() if (target / n).exists() and sha256_of(target / n) != e["sha256"]]
    if clashes:
        raise BackupError(f"{target} already has other files named like the backup's: {', '.join(clashes[:5])}.")
    written = []
    try:
        for name in files:
            final = target / name
            if final.exists():
                continue  # the very same file: keep it
            scratch = target / f".{name}.{uuid.uuid4().hex[:8]}.restoring"
            shutil.copyfile(folder / FILES / name, scratch)
            os.replace(scratch, final)
            written.append(final)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def _self_references(table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _decoder(table):
    kinds = {}
    for column in table.columns:
        if isinstance(column.type, DateTime):
            kinds[column.name] = datetime.fromisoformat
        elif isinstance(column.type, Date):
            kinds[column.name] = date.fromisoformat

    def decode(row: dict) -> dict:
        return {k: (kinds[k](v) if v is not None and k in kinds else v) for k, v in row.items()}

    return decode


def _insert(conn, table, path: Path) -> int:
    decode = _decoder(table)
    references = _self_references(table)
    count = 0
    with open(path, encoding="utf-8") as f:
        if references:  # the whole table, to order it (organisation units and proposals: not many)
            rows = _parents_first(table, [decode(json.loads(line)) for line in f], references)
            batches = (rows[start : start + BATCH] for start in range(0, len(rows), BATCH))
        else:  # a batch at a time, so memory stays flat however long the table
            batches = _batches(decode(json.loads(line)) for line in f)
        for batch in batches:
            conn.execute(table.insert(), batch)
            count += len(batch)
    return count


def _batches(rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _parents_first(table, rows: list[dict], references: list[str]) -> list[dict]:
    """The rows ordered so that a row comes after the rows of the same table it points at (a proposal
    may be merged into a later one)."""
    (key,) = [c.name for c in table.primary_key.columns]
    placed: set = set()
    ordered: list[dict] = []
    waiting = rows
    while waiting:
        ready = [r for r in waiting if all(r[c] is None or r[c] in placed or r[c] == r[key] for c in references)]
        if not ready:
            raise BackupError(f"The backup's table {table.name} points in a circle; it cannot be restored.")
        ordered += ready
        placed.update(r[key] for r in ready)
        waiting = [r for r in waiting if r[key] not in placed]
    return ordered


def _reset_sequences(conn) -> None:
    """Move each id sequence past the restored ids, so the next row does not collide."""
    quote = conn.dialect.identifier_preparer.quote
    for table in tables():
        for column in table.primary_key.columns:
            sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name})
            if sequence is None:
                continue
            conn.execute(
                text(
                    f"SELECT setval(:s, COALESCE(MAX({quote(column.name)}), 1), MAX({quote(column.name)}) IS NOT NULL) "
                    f"FROM {quote(table.name)}"
                ),
                {"s": sequence},
            )
