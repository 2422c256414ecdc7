"""The battery's change detector: a snapshot is taken again exactly when something was committed."""

from sqlalchemy import update

from proposals.extensions import db
from proposals.models import User


def test_a_commit_anywhere_is_seen_and_nothing_else_is(world):
    snapshots = world.snapshots
    with world.app.app_context():
        first = snapshots.now()
        assert snapshots.now() is first  # nothing written: the same dump, not read again
        db.session.execute(update(User).where(User.id == world.cast.author.id).values(name="改过的名字"))
        db.session.rollback()
        assert snapshots.now() == first  # a rolled-back write may cost a dump, never a difference
        db.session.execute(update(User).where(User.id == world.cast.author.id).values(name="改过的名字"))
        db.session.commit()
        second = snapshots.now()
        assert second is not first
        assert any("改过的名字" in row for row in second["users"])
        # a request's commit, on another pooled connection, is seen as well: a failed login is recorded
        attempts = len(second["login_attempts"])
        world.client(None).post("/login", data={"username": "nobody-at-all", "password": "wrong-password"})
        assert len(snapshots.now()["login_attempts"]) == attempts + 1
