"""A bare install: `flask db upgrade` brings the default categories, an existing database keeps its own,
and a backup restores into a freshly upgraded database (the README's move from SQLite to PostgreSQL)."""

from contextlib import contextmanager

import pytest
from flask_migrate import stamp, upgrade
from sqlalchemy import select, text

from proposals import create_app
from proposals.extensions import db
from proposals.maintenance.backup import BackupError, backup
from proposals.maintenance.restore import restore
from proposals.models import DEFAULT_CATEGORIES, Category, ChannelDefault, Proposal
from proposals.operations import create_user

from . import databases
from .conftest import PASSWORD, app_config

BEFORE_SEEDING = "19736a3b7eff"


@contextmanager
def bare(url: str, revision: str = "head"):
    """An application on the database at `url`, emptied of every table and upgraded to `revision`."""
    app = create_app(app_config(url))
    with app.app_context():
        databases.wipe(db)
        upgrade(revision=revision)
        try:
            yield app
        finally:
            db.session.remove()
            databases.wipe(db)
            databases.dispose(db)


def categories() -> list[tuple[str, str, int]]:
    return list(db.session.execute(select(Category.code, Category.name, Category.position).order_by(Category.id)))


def target_url(tmp_path) -> str:
    return databases.TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'bare.sqlite'}"


def test_upgrade_of_an_empty_database_brings_the_default_categories(tmp_path):
    with bare(target_url(tmp_path)) as app:
        assert categories() == [(code, name, n) for n, (code, name) in enumerate(DEFAULT_CATEGORIES)]
        assert not any(db.session.scalars(select(Category.retired)))
        create_user({"username": "chair", "name": "王主席", "password": PASSWORD, "roles": ["worker"]})
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "chair", "password": PASSWORD}).json["token"]
        listed = client.get("/api/v1/categories", headers={"Authorization": f"Bearer {token}"}).json
        assert [c["code"] for c in listed] == [code for code, _ in DEFAULT_CATEGORIES]


def test_upgrade_of_a_database_that_has_categories_adds_only_the_missing_ones(tmp_path):
    with bare(target_url(tmp_path), BEFORE_SEEDING):
        rows = "('welfare', '福利后勤', 0), ('housing', '住房', 1)"
        insert = f"INSERT INTO categories (code, name, position) VALUES {rows}"
        db.session.execute(text(insert))
        db.session.commit()
        upgrade()
        found = categories()
        codes = [code for code, _name, _position in found]
        assert len(codes) == len(set(codes)) == len(DEFAULT_CATEGORIES) + 1
        assert found[:2] == [("welfare", "福利后勤", 0), ("housing", "住房", 1)]  # the union's own stay as they are
        assert {code for code, _ in DEFAULT_CATEGORIES} <= set(codes)


def test_a_backup_restores_into_a_freshly_upgraded_database(app, make, tmp_path):
    """Back up, then upgrade an empty database (another file, or the emptied server) and restore into it."""
    make.proposal(category="safety")
    db.session.add(Category(code="housing", name="住房", position=20))
    db.session.execute(db.update(Category).where(Category.code == "other").values(name="其它事项"))
    db.session.commit()
    expected = categories()
    stamp()  # (the fixture's tables are the models': at the head revision)
    backup(tmp_path / "backup")
    db.session.remove()
    with bare(target_url(tmp_path)):
        summary = restore(tmp_path / "backup")
        assert summary.rows > len(expected)
        assert categories() == expected  # the backup's, not the seeded ones beside them
        (proposal,) = db.session.scalars(select(Proposal))
        assert proposal.category.code == "safety"


# what a union changes in each table `flask db upgrade` seeds: then it holds the union's data, not the schema's
# (the default channels the migration writes are email for every kind of notice)
CHANGED_SEEDS = {
    "categories": (Category.retired, Category.code == "other", True),
    "channel_defaults": (ChannelDefault.channels, ChannelDefault.kind == "reply", "email,sms"),
}


@pytest.mark.parametrize("table", sorted(CHANGED_SEEDS))
def test_a_freshly_upgraded_database_whose_seeded_rows_were_changed_is_not_empty(app, make, tmp_path, table):
    column, where, value = CHANGED_SEEDS[table]
    make.proposal()
    stamp()
    backup(tmp_path / "backup")
    db.session.remove()
    with bare(target_url(tmp_path)):
        db.session.execute(db.update(column.class_).where(where).values({column.key: value}))
        db.session.commit()
        with pytest.raises(BackupError, match=rf"not empty \({table}\)"):
            restore(tmp_path / "backup")
        assert db.session.scalar(select(column).where(where)) == value
