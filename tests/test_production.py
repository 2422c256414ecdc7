"""The production server (gunicorn.conf.py) with several workers on one database, and the settings that
serving needs: SECRET_KEY shared by every host, the reverse proxy's headers believed only when configured.

The server runs on a database of its own: a new database on the PostgreSQL server of TEST_DATABASE_URL
(dropped afterwards), or a SQLite file. It listens on a socket this test binds to a free loopback port
and hands over (gunicorn's fd://), so parallel test processes never race for a port.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
from flask import request
from sqlalchemy import create_engine, make_url

from proposals import ROOT, create_app
from proposals.config import ConfigurationError
from proposals.extensions import db
from proposals.operations import seed_default_categories

from .conftest import PASSWORD, Cast, Factory, app_config
from .pg_server import is_postgres_url

WORKERS = 3
NOTE = "已协调后勤处增加食堂座位四十个。"


# -- a database and a server of their own ------------------------------------------------------------


@pytest.fixture
def server_database(tmp_path):
    """The URL of an empty database only this test uses."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not is_postgres_url(server):
        yield f"sqlite:///{tmp_path / 'served.sqlite'}"
        return
    name = f"proposals_served_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def scene(server_database):
    """The cast of people and one proposal being handled, written to the server's database."""
    app = create_app(app_config(server_database))
    with app.app_context():
        db.create_all()
        seed_default_categories()  # as `flask db upgrade` seeds them
        cast = Cast(Factory())
        proposal = cast.proposal_in("in_progress")
        found = {"url": server_database, "proposal": proposal.id, "lead": cast.lead.username}
        found["author"] = cast.author.username
        db.session.remove()
        db.engine.dispose()
    return found


class Server:
    def __init__(self, process: subprocess.Popen, base: str, log: Path):
        self.process, self.base, self.log = process, base, log

    def worker_pids(self) -> set[str]:
        """The worker processes that have answered so far, from the access log (its `worker=<pid>` field)."""
        return set(re.findall(r" worker=<(\d+)> ", self.log.read_text()))


@pytest.fixture
def server(scene, tmp_path):
    """gunicorn with the production configuration and WORKERS workers, stopped with SIGTERM at the end."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": scene["url"],
        "SECRET_KEY": "the same key on every host",
        "WEB_CONCURRENCY": str(WORKERS),
        "WEB_THREADS": "2",
        "BIND": f"fd://{listener.fileno()}",
    }
    env.pop("FLASK_APP", None)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
        )
    listener.close()  # the server holds its own copy
    running = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_booted(running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # pragma: no cover - shown by the assertion below
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()
    assert "Traceback" not in log.read_text()
    assert "Shutting down: Master" in log.read_text()


def _wait_until_booted(server: Server) -> None:
    """Until every worker has said it booted (the socket accepts connections before that, too)."""
    for _ in range(600):
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn stopped:\n{server.log.read_text()}")
        if server.log.read_text().count("Booting worker with pid") >= WORKERS:
            return
        time.sleep(0.1)  # waiting for a process to start, not measuring anything
    raise AssertionError(f"gunicorn did not boot:\n{server.log.read_text()}")


class Browser:
    """A user's browser: cookies kept, redirects followed, and a new connection for every request,
    so successive requests land on whichever worker accepts them."""

    def __init__(self, base: str):
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            assert response.status == 200
            return response.read().decode()

    def post(self, path: str, form: dict, token_from: str) -> str:
        page = self.get(token_from)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = urlencode({**form, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            assert response.status == 200
            return response.read().decode()

    def log_in(self, username: str) -> None:
        page = self.post("/login", {"username": username, "password": PASSWORD}, token_from="/login")
        assert "/logout" in page, "not logged in"


# -- the tests ---------------------------------------------------------------------------------------


def test_several_workers_share_one_database_and_every_one_sees_what_another_wrote(server, scene):
    handler = Browser(server.base)
    handler.log_in(scene["lead"])
    page = f"/proposals/{scene['proposal']}"
    shown = handler.post(f"{page}/events/progress", {"progress-note": NOTE}, token_from=page)
    assert NOTE in shown  # after the redirect to the proposal page

    author = Browser(server.base)
    author.log_in(scene["author"])

    def read(browser: Browser) -> bool:
        return NOTE in browser.get(page)

    # concurrent readers, each request on a new connection, until more than one worker has answered
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for _ in range(20):
            assert all(pool.map(read, [handler, author] * WORKERS))
            if len(server.worker_pids()) > 1:
                break
    assert len(server.worker_pids()) > 1, server.log.read_text()


def test_the_server_names_no_software_or_version(server):
    with build_opener().open(server.base + "/login", timeout=30) as response:
        assert response.headers.get_all("Server") == ["proposals"]


def test_a_database_server_without_a_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = "postgresql://proposals@db.example.invalid/proposals"  # never connected to
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    monkeypatch.setenv("SECRET_KEY", "shared")
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url}).secret_key == "shared"


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "tian.example.cn"}


@pytest.mark.parametrize(
    ("proxies", "seen"),
    [
        (0, (False, "127.0.0.1", "http://localhost/")),  # nobody in front: the headers are anyone's lie
        (1, (True, "203.0.113.9", "https://tian.example.cn/")),
        ("1", (True, "203.0.113.9", "https://tian.example.cn/")),  # as the environment gives it
    ],
)
def test_the_reverse_proxy_headers_are_believed_only_behind_trusted_proxies(proxies, seen):
    served = create_app(app_config("sqlite://", TRUSTED_PROXIES=proxies))

    @served.get("/_seen")
    def _seen():
        return {"secure": request.is_secure, "address": request.remote_addr, "root": request.url_root}

    answer = served.test_client().get("/_seen", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert (answer["secure"], answer["address"], answer["root"]) == seen


@pytest.mark.parametrize("proxies", ["nginx", -1, "1.5"])
def test_a_wrong_number_of_proxies_refuses_to_start(proxies):
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        create_app(app_config("sqlite://", TRUSTED_PROXIES=proxies))
