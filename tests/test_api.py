"""The JSON API: tokens, request handling and error bodies. `Api` (used by every tests/test_api_*.py)
checks each response against the OpenAPI document the API publishes."""

from datetime import timedelta

import pytest

from proposals import create_app
from proposals.extensions import babel, db
from proposals.i18n import compile_translations
from proposals.models import ApiToken
from proposals.models.base import utcnow

from . import databases
from .conftest import PASSWORD, app_config
from .helpers import PREFIX, Api, api_client, token_for


@pytest.fixture
def api(client):
    return api_client(client)


# -- tokens ----------------------------------------------------------------------------------------


def test_token_for_password_then_me(api, make):
    delegation = make.unit("delegation")
    user = make.user("delegate", "committee", username="zhang", delegation_id=delegation.id)
    r = api.post("/auth/token", {"username": "zhang", "password": PASSWORD})
    assert r.status_code == 200
    me = Api(api.client, api.document, r.json["token"]).get("/me")
    assert me.status_code == 200
    assert me.json["id"] == user.id
    assert me.json["username"] == "zhang"
    assert me.json["roles"] == ["committee", "delegate"]
    assert me.json["delegation_id"] == delegation.id
    assert me.json["department_id"] is None


def test_tokens_are_stored_hashed(api, make):
    make.user(username="li")
    secret = api.post("/auth/token", {"username": "li", "password": PASSWORD}).json["token"]
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert len(stored) == 1 and secret not in stored[0]


@pytest.mark.parametrize(
    "credentials",
    [{"username": "wang", "password": "wrong password"}, {"username": "nobody", "password": PASSWORD}],
)
def test_bad_credentials_are_401(api, make, credentials):
    make.user(username="wang")
    r = api.post("/auth/token", credentials)
    assert r.status_code == 401
    assert r.json["error"]
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def test_disabled_user_gets_no_token_and_loses_its_tokens(api, make):
    user = make.user(username="zhao")
    token = token_for(user)
    user.active = False
    db.session.commit()
    assert api.post("/auth/token", {"username": "zhao", "password": PASSWORD}).status_code == 401
    assert Api(api.client, api.document, token).get("/me").status_code == 401


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_every_endpoint_but_the_token_wants_a_valid_token(api, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    for path in ("/me", "/proposals", "/proposals/1", "/sessions", "/categories", "/stats", "/workflow"):
        r = api.get(path, headers=headers)
        assert r.status_code == 401, path
        assert r.json["error"]
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.post("/proposals", {}, headers=headers).status_code == 401
    assert api.fire(1, "submit").status_code == 401


def test_expired_token_is_refused(api, make):
    user = make.user()
    token, secret = ApiToken.issue(user, 1, now=utcnow() - timedelta(hours=2))
    db.session.commit()
    assert Api(api.client, api.document, secret).get("/me").status_code == 401


def test_token_expiry_follows_the_configuration(api, make):
    make.user(username="qian")
    api.client.application.config["API_TOKEN_HOURS"] = 2
    r = api.post("/auth/token", {"username": "qian", "password": PASSWORD})
    token = db.session.scalar(db.select(ApiToken))
    assert token.expires_at - token.created_at == timedelta(hours=2)
    assert r.json["expires_at"].startswith(token.expires_at.isoformat()[:16])


def test_revoked_token_is_refused(api, make):
    caller = api.as_(make.user())
    assert caller.delete("/auth/token").status_code == 204
    assert caller.get("/me").status_code == 401
    assert caller.delete("/auth/token").status_code == 401


def test_token_request_must_be_json_with_both_fields(api):
    r = api.post("/auth/token", {"username": "x"})
    assert r.status_code == 422
    assert set(r.json["fields"]) == {"password"}
    form = "application/x-www-form-urlencoded"
    r = api.request("POST", "/auth/token", data="username=x&password=y", content_type=form)
    assert r.status_code == 400


# -- request handling ------------------------------------------------------------------------------


@pytest.fixture
def caller(api, make):
    make.session()
    return api.as_(make.user("worker"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "{not json", "content_type": "application/json"},
        {"data": '{"title": "x"', "content_type": "application/json"},
        {"data": b"\xff\xfe", "content_type": "application/json"},
        {"data": "title=x", "content_type": "application/x-www-form-urlencoded"},
        {"data": '{"title": "x"}', "content_type": "text/plain"},
    ],
    ids=["garbage", "truncated", "not-utf8", "form", "text"],
)
def test_malformed_bodies_are_400(caller, kwargs):
    r = caller.request("POST", "/proposals", **kwargs)
    assert r.status_code == 400
    assert r.json["error"]


GOOD = {"session_id": 1, "title": "t", "reason": "r", "measures": "m", "category": "welfare"}


@pytest.mark.parametrize(
    "body, fields",
    [
        ([], {"_"}),
        ("a string", {"_"}),
        (42, {"_"}),
        ({}, {"session_id", "title", "reason", "measures", "category"}),
        ({**GOOD, "session_id": "1", "title": 5, "reason": ["x"]}, {"session_id", "title", "reason"}),
        ({**GOOD, "extra": 1}, {"extra"}),
        ({**GOOD, "confidential": "yes"}, {"confidential"}),
        ({**GOOD, "title": "t" * 201}, {"title"}),
        ({**GOOD, "title": "a\x00b"}, {"title"}),
        ({**GOOD, "category": "nonsense"}, {"category"}),
        ({**GOOD, "session_id": 99999}, {"session_id"}),
        ({**GOOD, "session_id": True}, {"session_id"}),
        ({**GOOD, "session_id": 1.5}, {"session_id"}),
        ({**GOOD, "desired_department_id": 2**40}, {"desired_department_id"}),
    ],
)
def test_invalid_payloads_are_422_naming_each_field(caller, body, fields):
    before = db.session.scalar(db.select(db.func.count()).select_from(db.metadata.tables["proposals"]))
    r = caller.post("/proposals", body)
    assert r.status_code == 422
    assert r.json["error"] and r.json["fields"]
    assert all(isinstance(m, str) and m for m in r.json["fields"].values())
    if fields is not None:
        assert set(r.json["fields"]) == fields
    after = db.session.scalar(db.select(db.func.count()).select_from(db.metadata.tables["proposals"]))
    assert after == before


def test_unknown_paths_and_methods_answer_json(caller):
    r = caller.get("/nothing/here")
    assert r.status_code == 404 and r.json["error"]
    r = caller.get("/proposals/0")
    assert r.status_code == 404 and r.json["error"]
    r = caller.get("/proposals/99999999999")
    assert r.status_code == 404 and r.json["error"]
    r = caller.request("PUT", "/me")
    assert r.status_code == 405 and r.json["error"]
    assert "GET" in r.headers["Allow"]


def test_bad_query_arguments_are_422(caller):
    for query in ("limit=0", "limit=101", "limit=x", "session_id=abc", "state=nonsense", "overdue=maybe", "cursor=-1"):
        r = caller.get(f"/proposals?{query}")
        assert r.status_code == 422, query
        assert set(r.json["fields"]) == {query.split("=")[0]}


def test_errors_speak_chinese_by_default_and_english_on_request(api, cast):
    compile_translations()  # as `make test` does first, for a plain pytest run
    domain = vars(babel).get("domain_instance")
    if domain is not None:
        domain.cache.clear()  # a translation looked up before the compilation is cached per process
    proposal = cast.proposal_in("review")
    default = api.as_(cast.delegate1).fire(proposal.id, "accept")
    english = api.as_(cast.delegate1, language="en").fire(proposal.id, "accept")
    assert default.status_code == english.status_code == 403
    assert english.json["error"].startswith("You may not")
    assert "您无权" in default.json["error"]
    r = api.as_(cast.author).post("/proposals", {"title": ""})
    assert r.json["fields"]["title"] == "此项为必填项。"
    r = api.as_(cast.author, language="en").post("/proposals", {"title": ""})
    assert r.json["fields"]["title"] == "This field is required."
    r = api.get("/me", headers={"Accept-Language": "en"})
    assert r.json["error"] == "Sign in with a valid API token."


def test_the_api_needs_no_csrf_token(tmp_path):
    from .conftest import Factory

    url = databases.fresh_url(tmp_path / "csrf")
    (tmp_path / "csrf").mkdir()
    app = create_app(app_config(url, WTF_CSRF_ENABLED=True))
    with app.app_context():
        databases.reset(db)
        user = Factory().user("worker")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token_for(user)}"}
        r = client.post(PREFIX + "/proposals", json={}, headers=headers)
        assert r.status_code == 422  # validated, not refused for a missing CSRF token
        r = client.post(PREFIX + "/auth/token", json={"username": user.username, "password": PASSWORD})
        assert r.status_code == 200
        db.session.remove()
        databases.dispose(db)
