"""Every page action has its API call: the README's table (section "The API") names one for each POST
route of the pages, and every call it names exists. Only the sign-in steps that have no sense in the
API (a token is the API's sign-in) may have none, and they are listed here as well as there."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| `POST (?P<page>[^`]+)`[^|]*\| (?P<api>.*) \|$")
CALL = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`]*)`")
# sign-in steps the API has no use for: a second factor and a mailed reset link are the browser's
NO_API = {
    "/login/second-factor",
    "/account/second-factor/setup",
    "/account/second-factor/confirm",
    "/account/second-factor/disable",
    "/password/forgot",
    "/password/reset/<token>",
    "/activate",  # an activation code sets one's first password (the API signs in with a token)
    "/activate/<token>",
}
# calls another branch adds (the lead removes an entry once its branch is merged)
ELSEWHERE: dict[tuple[str, str], str] = {}


def table() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    body = text.split("<!-- page actions: begin -->", 1)[1].split("<!-- page actions: end -->", 1)[0]
    rows = {}
    for line in body.strip().splitlines()[2:]:  # after the header and its rule
        found = ROW.match(line)
        assert found, f"not a row of the table: {line}"
        assert found["page"] not in rows, f"twice in the table: {found['page']}"
        rows[found["page"]] = found["api"]
    return rows


def page_actions(app) -> set[str]:
    return {
        rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and not rule.rule.startswith("/api/")
    }


def api_calls(app) -> set[tuple[str, str]]:
    return {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


@pytest.fixture(scope="module")
def rows():
    return table()


def test_every_page_action_is_in_the_table(app, rows):
    missing = sorted(page_actions(app) - set(rows))
    assert missing == [], "name the API call of these page actions in the README's table"
    gone = sorted(set(rows) - page_actions(app))
    assert gone == [], "these page actions are gone: take them out of the README's table"


def test_every_call_named_exists(app, rows):
    calls = api_calls(app)
    for page, cell in rows.items():
        named = CALL.findall(cell)
        if page in NO_API:
            assert named == [] and cell.startswith("none: sign-in only"), page
            continue
        assert named, f"{page}: no API call named"
        for method, path in named:
            assert (method, path) in calls or (method, path) in ELSEWHERE, f"{page}: {method} {path} does not exist"


def test_only_sign_in_steps_go_without(rows):
    without = {page for page, cell in rows.items() if not CALL.findall(cell)}
    assert without == NO_API
