"""The test harness itself: each run uses the database it asks for, and each test starts empty."""

from sqlalchemy import func, select, text

from proposals.extensions import db
from proposals.models import DEFAULT_CATEGORIES, Category

from . import databases
from .pg_server import is_postgres_url


def test_the_run_uses_the_database_it_asks_for(app):
    if databases.TEST_DATABASE_URL:  # the PostgreSQL run of `make test`
        assert db.engine.dialect.name == "postgresql"
        assert db.session.scalar(text("SELECT version()")).startswith("PostgreSQL ")
    else:
        assert db.engine.dialect.name == "sqlite"


def test_each_test_starts_with_empty_tables_and_fresh_ids(app, make):
    assert db.session.scalar(select(func.count()).select_from(Category)) == len(DEFAULT_CATEGORIES)
    make.user("worker")
    databases.reset(db)
    assert db.session.scalar(select(func.count()).select_from(Category)) == 0
    user = make.user("worker")
    assert user.id == 1


def test_postgres_urls_are_told_apart():
    assert is_postgres_url("postgresql://u@localhost/db")
    assert is_postgres_url("postgresql+psycopg://postgres@/db?host=/tmp/x")
    assert is_postgres_url("postgres://u@h/db")
    assert not is_postgres_url("sqlite:///x.sqlite")
    assert not is_postgres_url("")
    assert not is_postgres_url(None)
