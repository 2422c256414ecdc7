"""The Flask application: `flask --app proposals run`."""

import os
from pathlib import Path

from flask import Flask

from . import config
from .catalogs import ensure_compiled
from .extensions import babel, csrf, db, migrate
from .paths import CHECKOUT, MIGRATIONS, TEMPLATES, TRANSLATIONS, instance_path

ROOT = CHECKOUT  # the repository, in a checkout


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an instance of the application."""
    app = Flask(
        __name__,
        instance_path=str(instance_path()),
        instance_relative_config=True,
        template_folder=str(TEMPLATES),
    )
    config.load(app, test_config)
    # never English pages by accident: compile what a checkout lacks, or refuse to start saying what to run
    ensure_compiled(TRANSLATIONS, [lang for lang in app.config["LANGUAGES"] if lang != "en"])
    from . import routing

    # an id in any path, the pages' too: a number too large for the database names nothing (404)
    routing.init_app(app)
    _init_database(app)
    from .i18n import select_locale

    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    csrf.init_app(app)
    from . import auth, cli, directory, errors

    errors.init_app(app)  # the one error handler: pages and API alike

    auth.init_app(app)
    cli.init_app(app)
    directory.init_app(app)
    from . import api, web

    api.init_app(app)
    web.init_app(app)
    from . import branding, security

    branding.init_app(app)
    security.init_app(app)
    return app


def _init_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = uri = "postgresql+psycopg://" + uri[len("postgresql://") :]
    # a connection the database server dropped (a restart, a failover) is found out before a request uses it
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    if uri.startswith("postgresql"):
        # no JIT compilation unless the deployment asks for it: the statements are short, and for the report's
        # GROUPING SETS over a visibility condition (which the planner estimates at ten times its rows) JIT
        # spent two seconds compiling what ran in half a second (#20)
        connect_args = app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("connect_args", {})
        connect_args.setdefault("options", "-c jit=off")
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        _create_private(Path(uri[len("sqlite:///") :].split("?", 1)[0]))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    if uri.startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=10000")
                cursor.close()

    from . import models  # noqa: F401  (register the tables)


def _create_private(path: Path) -> None:
    """Create the SQLite file, empty, readable by this service alone (SQLite gives its -wal and -shm files
    the same mode); an existing file is left as it is."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
