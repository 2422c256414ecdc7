"""Concurrency and faults on PostgreSQL: many connections racing, a killed server, a killed mail sender.

These tests need what only a database server has (row locks, SKIP LOCKED, connections from several
processes at once), so they belong to the PostgreSQL pass of `make test`, where tests/pg_server.py names
the server in TEST_DATABASE_URL. In the SQLite pass they are not collected at all: not skipped, because
they run, in the other pass.

Each test works on the database of the `app` fixture (under xdist, the worker's own), never a fixed one,
and listens on ports the system chose (port 0).
"""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from proposals import create_app
from proposals.extensions import db
from tests.conftest import app_config
from tests.pg_server import is_postgres_url

if not is_postgres_url(os.environ.get("TEST_DATABASE_URL")):
    collect_ignore_glob = ["test_*.py"]  # they run in the PostgreSQL pass of `make test`

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "faults-test-key"
PATIENCE = 120  # seconds: generous, for a machine shared with other work; a healthy run takes a few


@pytest.fixture(autouse=True)
def _on_postgresql(app):
    """Named on the command line in a SQLite run, these tests say what they need rather than fail oddly."""
    if db.engine.dialect.name != "postgresql":
        pytest.fail(
            "tests/faults need PostgreSQL: `make test-postgres ARGS=tests/faults`, "
            "or set TEST_DATABASE_URL to a PostgreSQL database"
        )


def wait_for(condition: Callable[[], bool], what: str, timeout: float = PATIENCE, detail: Callable[[], str] = str):
    """Return once `condition()` holds; fail saying `what` did not happen within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s\n{detail()}")
        time.sleep(0.05)


def database_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def connection_budget(app, wanted: int) -> int:
    """How many connections a test may open at once: `wanted`, unless the server allows fewer.

    Room is left for the other test processes using the same server (xdist workers)."""
    with db.engine.connect() as conn:
        limit = int(conn.scalar(text("SHOW max_connections")))
        used = conn.scalar(text("SELECT count(*) FROM pg_stat_activity"))
    return max(4, min(wanted, limit - used - 40))


@pytest.fixture
def pool_app(app):
    """Make an application on the `app` fixture's database with a pool of `size` connections, all opened."""
    made = []

    def make(size: int):
        other = create_app(
            app_config(
                database_url(app),
                SQLALCHEMY_ENGINE_OPTIONS={"pool_size": size, "max_overflow": 0, "pool_timeout": PATIENCE},
            )
        )
        with other.app_context():
            # connect them all now, so that the race is between transactions, not between connection set-ups
            connections = [db.engine.connect() for _ in range(size)]
            for conn in connections:
                conn.close()
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def server_environment(app, **extra) -> dict:
    """The environment of a server or command run on the test's database, as in production."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "PYTEST_"))}
    return {**env, "DATABASE_URL": database_url(app), "SECRET_KEY": SECRET_KEY, **extra}


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it ended meanwhile
        if fields and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Gunicorn:
    """The production server (gunicorn.conf.py, 2 workers) on a listening socket this test holds.

    Because the socket outlives the server, the server can be killed and started again at the same address,
    and requests sent while it is down wait in the socket's queue instead of being refused."""

    def __init__(self, app, log: Path):
        self.app = app
        self.log = log
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.listener.set_inheritable(True)
        self.port = self.listener.getsockname()[1]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        fd = self.listener.fileno()
        env = server_environment(
            self.app, BIND=f"fd://{fd}", WEB_CONCURRENCY="2", WEB_THREADS="2", LOG_LEVEL="warning", ACCESS_LOG="-"
        )
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
                cwd=ROOT,
                env=env,
                pass_fds=(fd,),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the master and its workers, to kill at once
            )
        wait_for(lambda: len(self.workers()) == 2 or self.process.poll() is not None, "2 workers", detail=self.tail)
        assert self.process.poll() is None, f"gunicorn stopped at start-up\n{self.tail()}"

    def workers(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def kill_worker(self) -> int:
        """SIGKILL one worker; the master starts another in its place."""
        pid = self.workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """SIGKILL the master and its workers at once, as a power cut or the OOM killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=PATIENCE)
        self.process = None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM lets running requests finish); kill what is left after that."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # workers that outlived their master, if any
        except ProcessLookupError:
            pass
        self.process.wait()
        self.process = None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else "(no log)"


@pytest.fixture
def server(app, tmp_path):
    """A gunicorn serving the test's database; the test starts it (and may kill and start it again)."""
    gunicorn = Gunicorn(app, tmp_path / "gunicorn.log")
    try:
        yield gunicorn
    finally:
        gunicorn.stop()
        gunicorn.listener.close()


def run_command(app, *args: str, **env) -> subprocess.CompletedProcess:
    """Run `flask --app proposals ...` as a separate process on the test's database; fail if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "proposals", *args],
        cwd=ROOT,
        env=server_environment(app, **env),
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


class Mailbox:
    """What an SMTP server accepted, by Message-ID. With `hold` (a notification's id), the first copy of
    that notification's message is accepted, `reached` is set, and its answer is kept back until
    `release` is set: the moment a sender is in between the server's taking a message and hearing so."""

    def __init__(self, hold: int | None = None):
        self.hold = hold
        self.received: list[str] = []
        self.held: list[str] = []
        self.reached = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message_id = message_from_bytes(envelope.content, policy=policy.default)["Message-ID"]
        with self.lock:
            self.received.append(message_id)
            hold = self.hold is not None and not self.held and notification_id(message_id) == self.hold
            if hold:
                self.held.append(message_id)
        if hold:
            self.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return "250 2.0.0 OK"

    def counts(self) -> Counter:
        """How often each notification arrived, by the id its Message-ID carries."""
        with self.lock:
            return Counter(notification_id(message_id) for message_id in self.received)


def notification_id(message_id: str) -> int:
    found = re.fullmatch(r"<notification-(\d+)-\d+@[^>]+>", message_id or "")
    assert found, f"not a notification's Message-ID: {message_id!r}"
    return int(found.group(1))


@pytest.fixture
def smtp_server():
    """Start SMTP servers handing what they accept to a Mailbox; each start returns its port."""
    controllers = []

    def start(mailbox: Mailbox) -> int:
        with socket.socket() as probe:  # a free port (aiosmtpd binds by number)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, ready_timeout=PATIENCE)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()
