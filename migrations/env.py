"""Alembic's environment for the `flask --app proposals db ...` commands (Flask-Migrate)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from proposals.models.base import built_on, ours

config = context.config

# Set up logging from alembic.ini only when nobody has (the `flask db` commands): inside the test
# suite or a running application, leave the existing configuration and loggers alone.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    """Print the SQL instead of running it (`flask db upgrade --sql`)."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on the application's database."""

    # `flask db migrate` with no model change writes no empty revision
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args  # render_as_batch=True, from create_app
    dialect = target_db.engine.dialect.name
    # PostgreSQL-only indexes, and not the task queue's tables
    conf_args.setdefault("include_object", lambda item, name, type_, *_: ours(name, type_) and built_on(item, dialect))
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    with target_db.engine.connect() as connection:
        sqlite = dialect == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table (a copy, DROP, rename): with foreign keys enforced, dropping a
            # table that other rows point at fails. SQLite's own advice: turn them off (outside a transaction,
            # where the pragma has effect), migrate, and check every foreign key before turning them on again.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration leaves rows whose foreign keys point nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()  # (nothing left open: the migrations committed)
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
