"""The battery's change detector: a snapshot is taken again exactly when something was committed."""

import sqlite3

from sqlalchemy import create_engine, make_url, text, update

from proposals.extensions import db
from proposals.models import User


def _commit_elsewhere(tmp_path) -> None:
    """Commit a write to another database of the same server, as a parallel test worker does."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(tmp_path / "elsewhere.sqlite")
        other.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        other.execute("INSERT INTO t VALUES (1)")
        other.commit()
        other.close()
        return
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            # each statement is a transaction of its own that takes a transaction id
            conn.execute(text("CREATE TEMPORARY TABLE elsewhere (x integer)"))
            for _ in range(3):
                conn.execute(text("INSERT INTO elsewhere VALUES (1)"))
    finally:
        engine.dispose()


def test_a_commit_anywhere_is_seen_and_nothing_else_is(world, tmp_path):
    snapshots = world.snapshots
    with world.app.app_context():
        first = snapshots.now()
        assert snapshots.now() is first  # nothing written: the same dump, not read again
        _commit_elsewhere(tmp_path)
        assert snapshots.now() is first  # another database's commits are not ours
        db.session.execute(update(User).where(User.id == world.cast.author.id).values(name="改过的名字"))
        db.session.rollback()
        assert snapshots.now() is first  # a rolled-back write leaves the stamp where it was
        db.session.execute(update(User).where(User.id == world.cast.author.id).values(name="改过的名字"))
        db.session.commit()
        second = snapshots.now()
        assert second is not first
        assert any("改过的名字" in row for row in second["users"])
        # a request's commit, on another pooled connection, is seen as well: a failed login is recorded
        attempts = len(second["login_attempts"])
        world.client(None).post("/login", data={"username": "nobody-at-all", "password": "wrong-password"})
        assert len(snapshots.now()["login_attempts"]) == attempts + 1


def test_a_delete_alone_is_seen(world):
    snapshots = world.snapshots
    with world.app.app_context():
        before = snapshots.now()
        count = len(before["login_attempts"])
        world.client(None).post("/login", data={"username": "nobody-at-all", "password": "wrong-password"})
        middle = snapshots.now()
        assert len(middle["login_attempts"]) == count + 1
        db.session.execute(text("DELETE FROM login_attempts WHERE username = 'nobody-at-all'"))
        db.session.commit()
        assert len(snapshots.now()["login_attempts"]) < len(middle["login_attempts"])
