"""CSRF: every form-taking address outside the API refuses a request without the form's token (400,
saying so, in the user's language) and changes nothing; the API takes no cookies at all."""

import hashlib
import re

import pytest
from sqlalchemy import select

from proposals import create_app
from proposals.extensions import db

from .conftest import PASSWORD

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# the login, logout and administration forms answer a refused token by showing a page again with a
# warning (their blueprints' own CSRFError handlers); every other form answers 400 (proposals/security.py)
SHOWN_AGAIN = ("auth.", "admin.")


def database_digest() -> str:
    """A fingerprint of every row of every table."""
    digest = hashlib.sha256()
    db.session.expire_all()
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns or table.columns))
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture
def protected(app):
    """A second app on the same database, with CSRF protection on, as in production."""
    other = create_app({**app.config, "WTF_CSRF_ENABLED": True})
    yield other
    with other.app_context():
        db.engine.dispose()


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def logged_in_client(app, username: str):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def write_addresses(app, ids: dict) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every writing route outside /api/, with real ids where they fit."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & WRITES):
            path = rule.rule
            for name in rule.arguments:
                value = ids.get(name, {"kind": "department", "event": "withdraw"}.get(name, 1))
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
            found.append((rule.endpoint, method, path))
    return sorted(found)


@pytest.fixture
def scene(cast):
    proposal = cast.proposal_in("review")
    admin = cast.make.user("union_admin", "committee", "delegate", username="admin2")
    ids = {"proposal_id": proposal.id, "session_id": cast.session.id, "user_id": cast.worker.id}
    ids |= {"unit_id": cast.lead_dept.id, "year": 2027}
    return admin, ids


def test_every_form_refuses_a_request_without_its_token(protected, scene):
    admin, ids = scene
    client = logged_in_client(protected, admin.username)
    addresses = write_addresses(protected, ids)
    assert len(addresses) >= 20
    assert {"account.password", "account.logout_everywhere", "admin.disable", "proposals.fire"} <= {
        endpoint for endpoint, _, _ in addresses
    }
    before = database_digest()
    for endpoint, method, path in addresses:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.open(path, method=method, data={"next": "/", **data})
            page = response.get_data(as_text=True)
            if endpoint.startswith(SHOWN_AGAIN):
                assert response.status_code == 302, (endpoint, response.status_code)
                shown = client.get(response.location, follow_redirects=True).get_data(as_text=True)
                assert "页面已过期，请重新操作。" in shown, endpoint
            else:
                assert response.status_code == 400, (endpoint, method, path, response.status_code)
                assert "表单未被接受" in page and "未做任何更改" in page, endpoint
            assert database_digest() == before, (endpoint, method)
    assert client.get("/").status_code == 200  # still logged in: the forged logout did nothing


def test_the_refusal_speaks_english_when_asked(protected, scene):
    admin, _ = scene
    client = logged_in_client(protected, admin.username)
    client.get("/?lang=en")
    response = client.post("/account/logout-everywhere")
    assert response.status_code == 400
    assert "The form had expired, or it was not sent from a page of this site. Nothing was changed." in (
        response.get_data(as_text=True)
    )


def test_the_digest_sees_what_a_form_changes(app, scene):
    """The check above can fail: the same request, with CSRF off, changes the database."""
    admin, _ = scene
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    before = database_digest()
    assert client.post("/account/logout-everywhere").status_code == 302
    assert database_digest() != before


def test_the_form_with_its_token_is_accepted(protected, scene):
    admin, _ = scene
    client = logged_in_client(protected, admin.username)
    page = client.get("/account/password").get_data(as_text=True)
    response = client.post(
        "/account/logout-everywhere", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page)[1]}
    )
    assert response.status_code == 302 and client.get("/").status_code == 302


def test_the_api_ignores_a_logged_in_browsers_cookie(protected, scene):
    """A forged cross-site request carries the session cookie, never a bearer token: the API refuses it."""
    admin, ids = scene
    client = logged_in_client(protected, admin.username)
    before = database_digest()
    assert client.get("/api/v1/me").status_code == 401
    data = {"session_id": ids["session_id"], "title": "伪造的提案", "reason": "x", "measures": "y", "category": "other"}
    for response in (
        client.post("/api/v1/proposals", json=data),
        client.post("/api/v1/proposals", data=data),
        client.post(f"/api/v1/proposals/{ids['proposal_id']}/events/accept", json={}),
        client.delete("/api/v1/auth/token"),
        client.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "Hijacked-2026!"}),
    ):
        assert response.status_code == 401 and response.json["code"] == "unauthorized"
    assert database_digest() == before
