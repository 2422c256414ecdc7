"""Cookies: HttpOnly and SameSite always; Secure when the request came over HTTPS (directly, or through
a trusted proxy that says so), or always with SECURE_COOKIES."""

import pytest

from proposals import create_app
from proposals.extensions import db

from .conftest import PASSWORD


def login_cookies(client, **kwargs) -> dict[str, str]:
    response = client.post("/login", data={"username": "zhang", "password": PASSWORD, "remember": "y"}, **kwargs)
    assert response.status_code == 302
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def attributes(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


@pytest.fixture(autouse=True)
def zhang(make):
    return make.user(username="zhang")


def test_over_http_cookies_are_httponly_and_samesite_but_not_secure(client):
    cookies = login_cookies(client)
    assert set(cookies) == {"session", "remember_token"}
    for cookie in cookies.values():
        assert {"httponly", "samesite"} <= attributes(cookie)
        assert "SameSite=Lax" in cookie
        assert "secure" not in attributes(cookie)


def test_over_https_every_cookie_is_secure(client):
    cookies = login_cookies(client, base_url="https://localhost")
    assert set(cookies) == {"session", "remember_token"}
    for cookie in cookies.values():
        assert {"httponly", "samesite", "secure"} <= attributes(cookie)
        assert cookie.count("Secure") == 1


def test_secure_cookies_setting_marks_them_even_over_http(app):
    app.config["SECURE_COOKIES"] = True
    for cookie in login_cookies(app.test_client()).values():
        assert "secure" in attributes(cookie)


def test_behind_a_trusted_proxy_the_forwarded_scheme_counts(app):
    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1})
    try:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        for cookie in login_cookies(proxied.test_client(), headers=headers).values():
            assert "secure" in attributes(cookie)
        # without a trusted proxy, anyone could send the header: it is ignored
        for cookie in login_cookies(app.test_client(), headers=headers).values():
            assert "secure" not in attributes(cookie)
    finally:
        with proxied.app_context():
            db.engine.dispose()


def test_https_responses_ask_for_https_from_now_on(client):
    assert client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"] == (
        "max-age=31536000"
    )
    assert "Strict-Transport-Security" not in client.get("/login").headers
