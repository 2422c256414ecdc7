"""API tokens: at most API_TOKENS_PER_USER (10) live ones per user; a new one revokes the oldest, which
stays listed as revoked on the tokens page (proposals/operations/tokens.py)."""

from sqlalchemy import select

from proposals.extensions import db
from proposals.models import ApiToken

from .conftest import PASSWORD
from .helpers import api_client


def new_token(api) -> str:
    response = api.post("/auth/token", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 200
    return response.json["token"]


def works(client, secret) -> bool:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_the_eleventh_token_revokes_the_oldest(client, make):
    zhang = make.user(username="zhang")
    other = make.user(username="li")
    api = api_client(client)
    secrets = [new_token(api) for _ in range(10)]
    theirs = api.post("/auth/token", {"username": "li", "password": PASSWORD}).json["token"]
    assert all(works(client, s) for s in secrets)
    secrets.append(new_token(api))
    assert [works(client, s) for s in secrets] == [False] + [True] * 10
    assert works(client, theirs)  # another user's tokens do not count
    secrets.append(new_token(api))
    assert [works(client, s) for s in secrets] == [False, False] + [True] * 10
    db.session.expire_all()
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == zhang.id).order_by(ApiToken.id)).all()
    assert len(rows) == 12 and [t.revoked_at is not None for t in rows] == [True, True] + [False] * 10
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == other.id)) is None


def test_the_cap_is_a_setting(app, client, make):
    app.config["API_TOKENS_PER_USER"] = 2
    make.user(username="zhang")
    api = api_client(client)
    secrets = [new_token(api) for _ in range(3)]
    assert [works(client, s) for s in secrets] == [False, True, True]
