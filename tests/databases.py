"""Where the tests' databases live: a SQLite file per test, or a server named by TEST_DATABASE_URL."""

import os

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def fresh_url(tmp_path) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


def reset(db) -> None:
    """Leave the database empty with the current schema."""
    db.drop_all()
    db.create_all()


def dispose(db) -> None:
    db.engine.dispose()
