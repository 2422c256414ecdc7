"""A throw-away PostgreSQL server for the test suite.

    python -m tests.pg_server -- python -m pytest ...    run a command with TEST_DATABASE_URL set
    python -m tests.pg_server                            start one, print its URL, wait for Ctrl-C

The server lives in a temporary directory, listens only on a unix socket there, trades
durability for speed (fsync=off and friends) and is removed at the end. When TEST_DATABASE_URL
already names a PostgreSQL database, that server is used and nothing is started.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user that
Debian's package creates (or `nobody`), via runuser.
"""

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

DATABASE = "proposals_test"
SETTINGS = {
    "listen_addresses": "''",
    "port": "5432",  # only names the socket file: the directory is ours alone
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "autovacuum": "off",
    "max_connections": "300",  # the concurrency tests open a connection per thread, per xdist worker
    "log_min_messages": "warning",
    "timezone": "'UTC'",
}


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def find_bindir() -> Path:
    """The directory of the newest PostgreSQL server binaries on this machine."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if candidates:
        newest = max(candidates, key=lambda p: [int(n) for n in re.findall(r"\d+", p.split("/")[4])] or [0])
        return Path(newest).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise SystemExit(
        "no PostgreSQL server binaries (initdb) found: `make test` installs Debian's postgresql package, "
        "or set TEST_DATABASE_URL to an existing server's database"
    )


def _server_user() -> str | None:
    """Who runs the server: None for the current user, unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise SystemExit("running as root and found no unprivileged user (postgres, nobody) to run PostgreSQL as")


def _run(command: list, user: str | None) -> None:
    """Run quietly; on failure show what the command said."""
    if user:
        command = ["runuser", "-u", user, "--", *command]
    try:
        subprocess.run([str(c) for c in command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stderr.decode(errors="replace"))
        raise


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Start a server with an empty database; yield its SQLAlchemy URL; stop and remove it."""
    bindir = find_bindir()
    user = _server_user()
    # in /tmp: the server's user must reach it, and a socket's path is limited to ~100 characters
    root = Path(tempfile.mkdtemp(prefix="proposals-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    data, log = root / "data", root / "server.log"
    try:
        if user:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chmod(root, 0o755)
        _run([bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"], user)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"\nunix_socket_directories = '{root}'\n")
            conf.writelines(f"{key} = {value}\n" for key, value in SETTINGS.items())
        try:
            _run([bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "start"], user)
        except subprocess.CalledProcessError:
            sys.stderr.write(log.read_text() if log.exists() else "PostgreSQL did not start\n")
            raise
        try:
            _run([bindir / "createdb", "-h", root, "-U", "postgres", DATABASE], None)
            yield f"postgresql+psycopg://postgres@/{DATABASE}?host={root}"
        finally:
            _run([bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], user)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def database_for_tests() -> Iterator[str]:
    """TEST_DATABASE_URL when it names a PostgreSQL database, else a throw-away server's URL."""
    existing = os.environ.get("TEST_DATABASE_URL")
    if is_postgres_url(existing):
        yield existing
        return
    with running_server() as url:
        yield url


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    with database_for_tests() as url:
        host = re.search(r"host=([^&]+)", url)
        print(f"PostgreSQL for the tests: {url}", file=sys.stderr, flush=True)
        if not command:
            print(f"psql: psql -h {host.group(1) if host else '?'} -U postgres {DATABASE}", file=sys.stderr)
            print("Ctrl-C stops it.", file=sys.stderr, flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
            return 0
        child = subprocess.Popen(command, env={**os.environ, "TEST_DATABASE_URL": url})
        try:
            return child.wait()
        except KeyboardInterrupt:  # the child, in our terminal's process group, got Ctrl-C too
            return child.wait()
        finally:
            if child.poll() is None:  # we were terminated: take the child along before the server goes
                child.terminate()
                child.wait()


def _exit_on_sigterm(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop the server


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    sys.exit(main(sys.argv[1:]))
