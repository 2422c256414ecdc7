"""The task queue (PostgreSQL): work too long for a request, run by `flask --app proposals worker`.

It is procrastinate (3.x), which keeps its jobs in the application's own PostgreSQL database (its schema is
applied by migration 6c1a9e4f2b57) and wakes the worker with LISTEN/NOTIFY. A module registers its tasks
here with `@task(NAME)`; each runs in an application context of its own (so a database session of its
own), in the worker's process. SQLite has no queue: what would be queued there is done on the command
line (`enabled()` says which). `IMPORT_QUEUE = False` turns the queue off on PostgreSQL too.
"""

import asyncio
from collections.abc import Callable

import click
import procrastinate
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import make_url

from .extensions import db

QUEUE = "proposals"
TASKS: dict[str, Callable] = {}  # name -> the function, called with the job's arguments


def task(name: str):
    """Register a function as the task `name` (its arguments: plain JSON values)."""

    def register(function: Callable) -> Callable:
        TASKS[name] = function
        return function

    return register


def enabled(app: Flask | None = None) -> bool:
    """Whether work is handed to the queue: on PostgreSQL, unless IMPORT_QUEUE is False."""
    app = app or current_app
    postgres = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql"
    return postgres and bool(app.config.get("IMPORT_QUEUE", True))


def conninfo(app: Flask) -> str:
    """The application's database as psycopg's connection string."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def queue_app(app: Flask | None = None) -> procrastinate.App:
    """The procrastinate application of this Flask application, with every registered task (made once)."""
    app = app or current_app._get_current_object()
    built = app.extensions.get("queue")
    if built is None:
        # few connections: deferring takes one for a moment, the worker a handful
        connector = procrastinate.PsycopgConnector(conninfo=conninfo(app), min_size=1, max_size=4)
        built = procrastinate.App(connector=connector)
        for name, function in TASKS.items():
            built.task(name=name, queue=QUEUE)(_in_context(app, function))
        app.extensions["queue"] = built
    return built


def _in_context(app: Flask, function: Callable) -> Callable:
    def run(**arguments):
        with app.app_context():  # a session of its own, whatever thread the worker runs it in
            try:
                function(**arguments)
            finally:
                db.session.remove()

    run.__name__ = run.__qualname__ = function.__name__
    return run


def defer(name: str, **arguments) -> int:
    """Queue the task `name` with these arguments; the procrastinate job's id."""
    built = queue_app().open()  # its connections for deferring, opened once (again after a worker ran here)
    return built.configure_task(name=name, queue=QUEUE).defer(**arguments)


def run_worker(app: Flask, *, wait: bool = True, concurrency: int = 1) -> None:
    """Run the worker on our queue: for ever (`wait`), or until the queue is empty. First, the jobs a worker
    that stopped answering left half done are queued again (each task starts such a job afresh)."""
    built = queue_app(app)

    async def work():
        async with built.open_async():
            for stalled in await built.job_manager.get_stalled_jobs(queue=QUEUE):
                await built.job_manager.retry_job(stalled)
            await built.run_worker_async(
                queues=[QUEUE], wait=wait, concurrency=concurrency, install_signal_handlers=wait
            )

    asyncio.run(work())


def close(app: Flask) -> None:
    """Close the connections deferring opened (tests; a server process keeps them)."""
    built = app.extensions.pop("queue", None)
    if built is not None:
        built.close()


@click.command("worker")
@click.option("--once", is_flag=True, help="Run what is queued, then stop (instead of waiting for more).")
@click.option("--concurrency", default=1, show_default=True, help="Tasks run at the same time.")
@with_appcontext
def worker_command(once, concurrency):
    """Run the task queue's worker (PostgreSQL): large imports handed over by the pages and the API."""
    app = current_app._get_current_object()
    if not enabled(app):
        raise click.ClickException(
            "The task queue runs on PostgreSQL only (and IMPORT_QUEUE is not False); on SQLite, large imports "
            "run on the command line: flask --app proposals import-roster FILE."
        )
    run_worker(app, wait=not once, concurrency=concurrency)


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
