"""Security headers on every response, and pages that need nothing the Content-Security-Policy forbids
(no inline script, no event-handler attribute, no inline style)."""

import re
from pathlib import Path

import pytest

from proposals.security import CONTENT_SECURITY_POLICY

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# the activation pages carry a code in their address (/activate/<code>): they send no referrer at all, so
# the code cannot leave in a Referer header, not even to this site's own pages and logs
NO_REFERRER_PREFIX = "/activate"


def expected_for(path: str) -> dict[str, str]:
    """The headers `path` should send."""
    if path == NO_REFERRER_PREFIX or path.startswith(NO_REFERRER_PREFIX + "/"):
        return {**EXPECTED, "Referrer-Policy": "no-referrer"}
    return EXPECTED


# what the policy would refuse to run or apply
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<script[^>]*>[^<]+</script>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.I)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


def forbidden_in(html: str) -> list[str]:
    patterns = (INLINE_SCRIPT, HANDLER, INLINE_STYLE, JS_URL)
    return [m.group(0)[:80] for pattern in patterns for m in pattern.finditer(html)]


def test_the_policy_is_the_one_documented():
    assert CONTENT_SECURITY_POLICY == EXPECTED["Content-Security-Policy"]
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_no_template_needs_inline_script_or_style():
    sources = [*(ROOT / "templates").rglob("*.html")]
    # pages written in Python (render_template_string) count too
    sources += [p for p in (ROOT / "proposals").rglob("*.py") if "render_template_string" in p.read_text("utf-8")]
    offenders = {str(p.relative_to(ROOT)): forbidden_in(p.read_text("utf-8")) for p in sources}
    assert {name: found for name, found in offenders.items() if found} == {}


def _url_for_walk(rule, ids: dict) -> str:
    values = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        if name in ids:
            values[name] = ids[name]
        elif converter in ("IntegerConverter", "IdConverter"):
            values[name] = 1
        elif name == "filename":
            values[name] = "css/app.css"
        elif name == "kind":
            values[name] = "department" if rule.rule.startswith("/admin") else "roster"
        elif name == "extension":
            values[name] = "xlsx"
        else:
            values[name] = "submit"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
    return path


def get_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in rule.methods),
        key=lambda rule: rule.rule,
    )


@pytest.fixture
def walk(app, client, cast):
    """Every GET address of the application, with ids of real records, for a user of many roles."""
    proposal = cast.proposal_in("replied")
    everyone = cast.make.user(
        "union_admin", "committee", "supervisor", "leader", "delegate", username="everyone", name="全能用户"
    )
    ids = {"proposal_id": proposal.id, "session_id": cast.session.id, "user_id": everyone.id}
    ids["unit_id"] = cast.lead_dept.id
    return [_url_for_walk(rule, ids) for rule in get_rules(app)]


def test_every_page_of_a_walk_has_the_headers(client, walk):
    anonymous = {path: client.get(path) for path in walk}
    assert client.post("/login", data={"username": "everyone", "password": PASSWORD}).status_code == 302
    logged_in = {path: client.get(path) for path in walk}
    statuses = set()
    for who, responses in (("anonymous", anonymous), ("logged in", logged_in)):
        for path, response in responses.items():
            statuses.add(response.status_code)
            for name, value in expected_for(path).items():
                assert response.headers.get(name) == value, (who, path, name)
            assert response.headers.get("Permissions-Policy", "").startswith("camera=()"), (who, path)
            if response.mimetype == "text/html":
                assert forbidden_in(response.get_data(as_text=True)) == [], (who, path)
            response.close()
    assert {200, 302, 404} <= statuses  # the walk saw pages, redirects and refusals
    html_pages = [p for p, r in logged_in.items() if r.status_code == 200 and r.mimetype == "text/html"]
    assert len(html_pages) >= 20, sorted(html_pages)


def test_errors_and_the_api_have_them_too(client):
    for response in (
        client.get("/no/such/page"),
        client.post("/"),  # 405
        client.get("/api/v1/me"),  # 401 in JSON
        client.post("/api/v1/auth/token", data="x", content_type="application/json"),
    ):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Security-Policy"] == EXPECTED["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_header_a_view_sets_itself_is_kept(app, client):
    app.add_url_rule("/own-policy", "own_policy", lambda: ("x", 200, {"Content-Security-Policy": "sandbox"}))
    assert client.get("/own-policy").headers["Content-Security-Policy"] == "sandbox"


def test_the_development_server_names_no_software_or_version(app):
    import threading
    from urllib.request import urlopen

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urlopen(f"http://127.0.0.1:{server.server_port}/login", timeout=30) as response:
            assert response.headers.get_all("Server") == ["proposals"]
    finally:
        server.shutdown()
        thread.join()
