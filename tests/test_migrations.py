"""The migrations in migrations/ build exactly the schema of the models, on the run's database.

On SQLite each test has its own file; in the PostgreSQL run the tests use the run's database,
wipe it first and after, so the next test's fixture builds its schema again.
"""

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import CheckConstraint, event, inspect

from proposals import create_app
from proposals.extensions import db
from proposals.models.base import built_on, ours

from . import databases

WRITES = re.compile(r"^\s*(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def empty_app(tmp_path):
    """An application on an empty database: no tables at all."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": databases.fresh_url(tmp_path)})
    with app.app_context():
        databases.wipe(db)
        yield app
        db.session.remove()
        databases.wipe(db)
        databases.dispose(db)


def flask_db(app, *args: str) -> None:
    """Run `flask --app proposals db ARGS...`."""
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def head() -> str:
    (revision,) = scripts().get_heads()
    return revision


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_differences() -> list:
    """What autogenerate would write to bring the database to the models: nothing, when they agree."""
    with db.engine.connect() as conn:

        def only_here(item, name, type_, *_):  # as migrations/env.py
            return ours(name, type_) and built_on(item, conn.dialect.name)

        only_here = {"include_object": only_here}
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True, **only_here})
        return compare_metadata(context, db.metadata)


def _normal(sql: str) -> str:
    return " ".join(sql.split())


def check_constraints_in_database() -> dict[tuple[str, str], str]:
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        return {
            (table, check["name"]): _normal(check["sqltext"])
            for table in inspector.get_table_names()
            if table != "alembic_version" and ours(table, "table")  # not the task queue's
            for check in inspector.get_check_constraints(table)
        }


def check_constraints_of_models() -> dict[tuple[str, str], str]:
    return {
        (table.name, str(constraint.name)): _normal(str(constraint.sqltext))
        for table in db.metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }


def assert_schema_is_the_models():
    differences = schema_differences()
    assert not differences, (
        "the migrations do not build the models' schema: run `flask --app proposals db migrate -m WHAT`"
        " and review the new file in migrations/versions/\n" + "\n".join(f"  {d!r:.300}" for d in differences)
    )
    # autogenerate does not look at CHECK constraints: compare them here. SQLite keeps each
    # expression as written; PostgreSQL rewrites it, but keeps its quoted values (the states, kinds...)
    in_database, of_models = check_constraints_in_database(), check_constraints_of_models()
    assert sorted(in_database) == sorted(of_models)
    if db.engine.dialect.name != "sqlite":
        in_database = {key: _quoted_values(sql) for key, sql in in_database.items()}
        of_models = {key: _quoted_values(sql) for key, sql in of_models.items()}
    assert in_database == of_models, "a CHECK expression changed in the models: write a migration (migrations/README)"


def _quoted_values(sql: str) -> list[str]:
    return sorted(re.findall(r"'((?:[^']|'')*)'", sql))


def test_one_head():
    """Two revisions made side by side both follow the same parent: merge them (flask db merge heads)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        heads = scripts().get_heads()
    assert len(heads) == 1, f"several heads {heads}: run `flask --app proposals db merge heads`"


def test_upgrade_builds_the_models_schema(empty_app):
    flask_db(empty_app, "upgrade")
    assert current_revision() == head()
    assert_schema_is_the_models()


def test_downgrade_to_base_then_upgrade_again(empty_app):
    flask_db(empty_app, "upgrade")
    flask_db(empty_app, "downgrade", "base")
    assert current_revision() is None
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask_db(empty_app, "upgrade")
    assert current_revision() == head()
    assert_schema_is_the_models()


def test_upgrade_of_a_current_database_changes_nothing(empty_app):
    flask_db(empty_app, "upgrade")
    statements = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    flask_db(empty_app, "upgrade")
    event.remove(db.engine, "before_cursor_execute", record)
    assert statements, "the second upgrade did not even look at the database"
    assert [s for s in statements if WRITES.match(s)] == []
    assert current_revision() == head()


def test_the_newest_migrations_go_down_and_up_again_under_the_demo_data(empty_app):
    """A union's database holds rows that point at one another: a migration that rebuilds a table (SQLite's
    batch mode copies, drops and renames it) must not trip over them, going up or down."""
    from proposals.demo import seed

    flask_db(empty_app, "upgrade")
    seed()
    db.session.commit()
    counts = {
        t: db.session.execute(db.select(db.func.count()).select_from(db.metadata.tables[t])).scalar()
        for t in ("users", "proposals", "history")
    }
    db.session.remove()
    flask_db(empty_app, "downgrade", "--", "-3")
    flask_db(empty_app, "upgrade")
    assert current_revision() == head()
    assert {
        t: db.session.execute(db.select(db.func.count()).select_from(db.metadata.tables[t])).scalar()
        for t in ("users", "proposals", "history")
    } == counts


def test_an_extension_recorded_per_assignment_becomes_the_proposal_s_one_extension(empty_app):
    """Before, an extension was kept on the assignment (and a re-assignment forgot it): the migration makes it
    the proposal's, ended assignments included, so it cannot be given a second time."""
    from proposals.demo import seed

    flask_db(empty_app, "upgrade")
    seed()
    db.session.commit()
    db.session.remove()
    flask_db(empty_app, "downgrade", "c9e2a4f7b113")  # before proposals.extension_days
    with db.engine.begin() as conn:
        extended = dict(
            conn.execute(
                db.text(
                    "SELECT proposal_id, MAX(extended_days) FROM assignments"
                    " WHERE extended_days > 0 GROUP BY proposal_id"
                )
            ).all()
        )
        # one extended on an assignment since ended (returned, then assigned again)
        conn.execute(db.text("UPDATE assignments SET ended_at = assigned_at WHERE extended_days > 0"))
    assert extended
    flask_db(empty_app, "upgrade")
    with db.engine.connect() as conn:
        after = dict(conn.execute(db.text("SELECT id, extension_days FROM proposals WHERE extension_days > 0")).all())
        requests = conn.execute(
            db.text(
                "SELECT COUNT(*) FROM proposals"
                " WHERE extension_requested_days IS NOT NULL OR return_requested_at IS NOT NULL"
            )
        ).scalar()
    assert after == extended and requests == 0


def test_countersignatures_given_before_drafts_stay_as_they_were_and_count_for_no_draft(empty_app):
    """Before, a co-handler countersigned blind, before the lead wrote the reply: after the migration those rows
    stay (their history rows keep them as comments), belong to no draft, and agree to none."""
    from proposals.demo import seed
    from proposals.models import Proposal
    from proposals.models.proposal import draft_status

    flask_db(empty_app, "upgrade")
    seed()
    db.session.commit()
    db.session.remove()
    flask_db(empty_app, "downgrade", "7a3c5e9b1d24")  # before drafts
    with db.engine.begin() as conn:
        # the old way: an in-progress proposal's co-handler countersigned before any reply was written
        row = conn.execute(
            db.text(
                "SELECT a.id, a.proposal_id FROM assignments a JOIN proposals p ON p.id = a.proposal_id"
                " WHERE a.role = 'cohandler' AND a.ended_at IS NULL AND p.state = 'in_progress'"
                " AND NOT EXISTS (SELECT 1 FROM countersignatures c WHERE c.assignment_id = a.id"
                " AND c.round = p.rehandle_round) LIMIT 1"
            )
        ).one()
        user_id = conn.execute(db.text("SELECT id FROM users ORDER BY id LIMIT 1")).scalar()
        conn.execute(
            db.text(
                "INSERT INTO countersignatures (assignment_id, round, user_id, comment, created_at)"
                " SELECT :a, rehandle_round, :u, '同意答复意见。', updated_at FROM proposals WHERE id = :p"
            ),
            {"a": row.id, "u": user_id, "p": row.proposal_id},
        )
    flask_db(empty_app, "upgrade")
    assert_schema_is_the_models()
    with db.engine.connect() as conn:
        kept = conn.execute(
            db.text("SELECT reply_draft_id, revision, agree, comment FROM countersignatures WHERE assignment_id = :a"),
            {"a": row.id},
        ).all()
    assert [tuple(k) for k in kept] == [(None, None, None, "同意答复意见。")]
    proposal = db.session.get(Proposal, row.proposal_id)
    assert draft_status(proposal) is None and proposal.facts().countersigned_department_ids == frozenset()
