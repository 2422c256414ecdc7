"""Login throttling under pressure: parallel wrong passwords cannot slip past the limit (checking and
recording are one locked step, proposals/auth/throttle.py::admit), and nobody can lock the owner of an
account out by failing for it from elsewhere. Run on SQLite and on PostgreSQL alike."""

import threading

import pytest
from sqlalchemy import func, select

from proposals import create_app
from proposals.extensions import db
from proposals.models import LoginAttempt, User

from .conftest import PASSWORD
from .helpers import sign_in as login

PARALLEL = 12


@pytest.fixture
def checked(monkeypatch):
    """How many passwords were really checked, from any thread."""
    counted = {"n": 0}
    lock = threading.Lock()
    check = User.check_password

    def counting(self, password):
        with lock:
            counted["n"] += 1
        return check(self, password)

    monkeypatch.setattr(User, "check_password", counting)
    return counted


def in_parallel(clients, action) -> list:
    """Run action(client) in one thread per client, all released at once; return the results."""
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def run(i, client):
        barrier.wait()
        try:
            results[i] = action(client)
        except BaseException as exc:  # reported below, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def second_app(app):
    """Another application instance on the same database, as a second process or host would be."""
    other = create_app({**app.config})
    yield other
    with other.app_context():
        db.engine.dispose()


def test_parallel_wrong_passwords_are_checked_at_most_the_limit(app, second_app, make, checked):
    make.user(username="zhang")
    clients = [(app if i % 2 else second_app).test_client() for i in range(PARALLEL)]
    results = in_parallel(clients, lambda client: login(client, "zhang", "wrong password").status_code)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert checked["n"] == 5
    assert sorted(results) == [200] * 5 + [429] * (PARALLEL - 5)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 5


def test_parallel_guesses_from_one_address_are_held_to_its_limit(app, make, checked):
    app.config.update(LOGIN_FAILURES_PER_ADDRESS=4)
    clients = [app.test_client() for _ in range(PARALLEL)]
    results = in_parallel(clients, lambda client: login(client, f"name{id(client)}", "wrong password").status_code)
    assert sorted(results) == [200] * 4 + [429] * (PARALLEL - 4)


def test_the_api_token_login_is_held_to_the_limit_in_parallel(app, make, checked):
    make.user(username="zhang")
    body = {"username": "zhang", "password": "wrong password"}
    clients = [app.test_client() for _ in range(PARALLEL)]
    results = in_parallel(clients, lambda client: client.post("/api/v1/auth/token", json=body).status_code)
    assert checked["n"] == 5 and sorted(results) == [401] * 5 + [429] * (PARALLEL - 5)


def test_failing_for_another_does_not_lock_the_owner_out(client, make):
    make.user(username="zhang")
    for _ in range(5):
        assert login(client, "zhang", "wrong password", address="10.6.6.6").status_code == 200
    assert login(client, "zhang", PASSWORD, address="10.6.6.6").status_code == 429  # the guesser stays locked
    owner = login(client, "zhang", PASSWORD, address="10.1.2.3")
    assert owner.status_code == 302  # the owner, from an address that has not been failing, gets in


def test_a_locked_name_refuses_each_address_that_failed_for_it(client, make, checked):
    make.user(username="zhang")
    for n in range(5):
        login(client, "zhang", "wrong password", address=f"10.6.6.{n}")
    assert checked["n"] == 5
    for n in range(5):
        assert login(client, "zhang", PASSWORD, address=f"10.6.6.{n}").status_code == 429
    assert checked["n"] == 5  # refused unchecked
    # a new address gets one check; once it fails, it too is refused
    assert login(client, "zhang", "wrong password", address="10.7.7.7").status_code == 200
    assert login(client, "zhang", PASSWORD, address="10.7.7.7").status_code == 429
    assert checked["n"] == 6


def test_a_wrong_password_from_elsewhere_still_counts_toward_the_address_limit(app, client, make):
    app.config.update(LOGIN_FAILURES_PER_ADDRESS=3)
    make.user(username="zhang")
    for n in range(3):
        login(client, f"other{n}", "wrong password", address="10.1.2.3")
    assert login(client, "zhang", PASSWORD, address="10.1.2.3").status_code == 429
