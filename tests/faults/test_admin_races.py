"""Administrators acting at the same moment: the last union administrator stays, a name or code is
created once and the others are told it is taken (409), never a server error."""

import threading

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import ApiToken, CongressSession, OrgUnit, User, UserRole
from proposals.operations import admin, disable_user
from tests.conftest import PASSWORD
from workflow import InvalidPayload

from .conftest import PATIENCE


def together(calls) -> list:
    """Run each call in its own thread, released together; return each result, or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait(timeout=PATIENCE)
        try:
            results[i] = call()
        except Exception as exc:  # every outcome is reported to the assertions, none swallowed
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=PATIENCE)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting"
    return results


def active_admins() -> int:
    db.session.expire_all()
    stmt = select(func.count()).select_from(User).join(UserRole).where(UserRole.role == "union_admin", User.active)
    return db.session.scalar(stmt)


def test_two_administrators_disabling_each_other_at_once_leave_one(app, make, pool_app, monkeypatch):
    first, second = make.user("union_admin"), make.user("union_admin")
    other = pool_app(4)
    # both are let into the check at the same moment, so that without the lock each would see the other active
    gate = threading.Barrier(2)
    lock = admin._lock_admins

    def meet_then_lock(user):
        gate.wait(timeout=PATIENCE)
        lock(user)

    monkeypatch.setattr(admin, "_lock_admins", meet_then_lock)

    def disable(target_id, actor_id):
        def call():
            with other.app_context():
                try:
                    target, actor = db.session.get(User, target_id), db.session.get(User, actor_id)
                    return disable_user(target, actor=actor).active
                finally:
                    db.session.remove()

        return call

    results = together([disable(second.id, first.id), disable(first.id, second.id)])

    assert active_admins() >= 1
    # one of them won (the other is disabled), the other was refused: the lock let only one decide at a time
    disabled = [r for r in results if r is False]
    refused = [r for r in results if isinstance(r, InvalidPayload)]
    assert len(disabled) == 1 and len(refused) == 1, results
    assert refused[0].message == "At least one active union administrator must remain."
    assert active_admins() == 1


@pytest.mark.parametrize(
    "path, body, count",
    [
        ("/api/v1/users", {"username": "chen", "name": "陈七", "password": PASSWORD, "roles": ["worker"]},
         lambda: select(func.count()).select_from(User).where(User.username == "chen")),
        ("/api/v1/departments", {"code": "HR", "name": "人力资源部"},
         lambda: select(func.count()).select_from(OrgUnit).where(OrgUnit.code == "HR")),
        ("/api/v1/sessions", {"code": "10-3", "name": "第十届职代会第三次会议"},
         lambda: select(func.count()).select_from(CongressSession).where(CongressSession.code == "10-3")),
    ],
)  # fmt: skip
def test_four_requests_creating_the_same_name_at_once_give_one_201_and_three_409(
    app, make, pool_app, path, body, count
):
    acting = make.user("union_admin")
    _, secret = ApiToken.issue(acting, 1)
    db.session.commit()
    other = pool_app(5)

    def post():
        response = other.test_client().post(path, json=body, headers={"Authorization": f"Bearer {secret}"})
        return response.status_code, response.get_json()

    results = together([post] * 4)

    assert sorted(status for status, _ in results) == [201, 409, 409, 409], results
    field = "username" if "username" in body else "code"
    for status, answer in results:
        if status == 409:
            assert answer["code"] == "taken" and set(answer["fields"]) == {field}
    db.session.expire_all()
    assert db.session.scalar(count()) == 1
