"""Where the tests' databases live: a SQLite file per test, or the server named by TEST_DATABASE_URL.

`make test` runs the suite twice: on SQLite, then on a throw-away PostgreSQL server that
tests/pg_server.py starts and names in TEST_DATABASE_URL. On a server the schema is built once
per test process and emptied between tests by deleting every row and restarting the id
sequences: a few milliseconds, where TRUNCATE takes ~100 ms and drop/create ~200 ms.
The database named by TEST_DATABASE_URL is wiped.

Under pytest-xdist each worker process gets a database of its own on that server, named after
the worker (proposals_test_gw0, ...), created on first use and wiped like the first.
"""

import os
import warnings
from dataclasses import dataclass

from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError


def _worker_database(url: str | None) -> str | None:
    """This xdist worker's own database on the server of `url` (created when missing), or `url` itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    return _database_beside(url, worker)


def _database_beside(url: str, suffix: str) -> str:
    """The database named after the one of `url` with `_suffix` on the same server, created when missing."""
    base = make_url(url)
    name = f"{base.database}_{suffix}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                conn.exec_driver_sql(f"CREATE DATABASE {engine.dialect.identifier_preparer.quote(name)}")
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


TEST_DATABASE_URL = _worker_database(os.environ.get("TEST_DATABASE_URL"))


@dataclass(frozen=True)
class _Schema:
    tables: frozenset[str]
    empty_sql: str  # DELETE from every table, children first, then restart every sequence
    truncate_sql: str  # the fallback when the DELETEs trip over a foreign key cycle


# per database URL, the schema this process built there
_built: dict[str, _Schema] = {}


def fresh_url(tmp_path, own: str | None = None) -> str:
    """A database for one test (or fixture): a file in `tmp_path`, or this process's database on the server.

    On a server every test of a process shares one database, emptied by each test's `reset`. A fixture that
    outlives a test (a live server for a whole package) names a database of its `own`, which no other
    test's reset touches.
    """
    if TEST_DATABASE_URL:
        return _database_beside(TEST_DATABASE_URL, own) if own else TEST_DATABASE_URL
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def reset(db) -> None:
    """Leave the database empty with the current schema."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        db.drop_all()
        db.create_all()
        return
    key = engine.url.render_as_string(hide_password=False)
    schema = _built.get(key)
    if schema is None or schema.tables != frozenset(db.metadata.tables):
        wipe(db)
        db.create_all()
        _built[key] = _describe(db)
    else:
        _empty(db, schema)


def wipe(db) -> None:
    """Drop every table and type in the database, the models' or not (and the task queue's functions), and forget
    the built schema."""
    engine = db.engine
    _built.pop(engine.url.render_as_string(hide_password=False), None)
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        inspector = inspect(conn)
        names = [quote(name) for name in inspector.get_table_names()]
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in names:
                conn.exec_driver_sql(f"DROP TABLE {name}")
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            return
        if names:
            conn.exec_driver_sql(f"DROP TABLE {', '.join(names)} CASCADE")
        enums = [quote(enum["name"]) for enum in inspector.get_enums()]
        if enums:
            conn.exec_driver_sql(f"DROP TYPE {', '.join(enums)} CASCADE")
        # and the functions of the task queue's schema (migration 6c1a9e4f2b57), which no table takes along
        functions = conn.scalars(
            text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace"
                " AND p.proname LIKE 'procrastinate\\_%'"
            )
        ).all()
        for function in functions:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function} CASCADE")
        conn.exec_driver_sql("DROP TYPE IF EXISTS procrastinate_job_to_defer_v1 CASCADE")


def _describe(db) -> _Schema:
    quote = db.engine.dialect.identifier_preparer.quote
    with warnings.catch_warnings():  # a foreign key cycle makes the order imperfect: see _empty
        warnings.simplefilter("ignore")
        tables = [quote(t.name) for t in reversed(db.metadata.sorted_tables)]
    with db.engine.connect() as conn:
        sequences = conn.scalars(text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"))
        restarts = [f"ALTER SEQUENCE {quote(name)} RESTART" for name in sequences]
    drop_alembic = "DROP TABLE IF EXISTS alembic_version"
    return _Schema(
        tables=frozenset(db.metadata.tables),
        # a migration test may have left Alembic's table: the models' schema has none, so a restore into it would
        # take the database for one at that revision
        empty_sql="; ".join([*(f"DELETE FROM {t}" for t in tables), *restarts, drop_alembic]),
        truncate_sql=f"TRUNCATE TABLE {', '.join(tables)} RESTART IDENTITY CASCADE; {drop_alembic}",
    )


def _empty(db, schema: _Schema) -> None:
    try:
        _execute(db, schema.empty_sql)
    except IntegrityError:
        _execute(db, schema.truncate_sql)


def _execute(db, sql: str) -> None:
    with db.engine.begin() as conn:
        # a connection a test leaked while holding locks makes this fail, rather than wait forever
        conn.execute(text("SET LOCAL lock_timeout = '20s'"))
        conn.exec_driver_sql(sql)


def dispose(db) -> None:
    db.engine.dispose()
