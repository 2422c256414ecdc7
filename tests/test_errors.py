"""proposals/errors.py: one handler for every refusal. A page gets an HTML page in the reader's language,
the API its JSON, with the same status and the same message; the status of each refusal comes from one
table."""

import pytest
from flask import abort

from proposals.access import REVIEW_EVENTS, REVIEW_ROLES
from proposals.errors import HTTP, STATUS
from proposals.i18n import translate_error
from proposals.operations import NotFound
from proposals.operations.errors import Taken
from proposals.routing import is_api_request
from workflow import LIFECYCLE, ROLES, InvalidPayload, PermissionDenied, StateConflict, UnknownEvent
from workflow.errors import N_
from workflow.payload import message

from .helpers import request_context

REFUSALS = {
    "denied": lambda: PermissionDenied(N_("Only union administrators may do this.")),
    "conflict": lambda: StateConflict(N_("Only a draft can be edited."), state="review"),
    "missing": lambda: NotFound(N_("No such session.")),
    "invalid": lambda: InvalidPayload({"name": message(N_("This field is required."))}),
    "taken": lambda: Taken({"code": message(N_("This code is taken."))}, message=N_("This code is taken.")),
    "unknown": lambda: UnknownEvent(N_("Unknown event %(event)s."), event="fly"),
}


@pytest.fixture
def refusing(app):
    """The same refusals raised by a page and by an API route (added before the first request)."""

    def refuse(kind: str):
        if kind.isdigit():
            abort(int(kind))
        raise REFUSALS[kind]()

    app.add_url_rule("/test-refusal/<kind>", "test_page_refusal", refuse)
    app.add_url_rule("/api/v1/test-refusal/<kind>", "test_api_refusal", refuse)
    return app


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_a_refusal_has_the_same_status_and_message_on_a_page_and_in_the_api(refusing, client, kind):
    exc = REFUSALS[kind]()
    status = next(code for cls, code in STATUS.items() if isinstance(exc, cls))
    page = client.get(f"/test-refusal/{kind}?lang=en")
    api = client.get(f"/api/v1/test-refusal/{kind}", headers={"Accept-Language": "en"})
    assert page.status_code == api.status_code == status
    assert page.mimetype == "text/html" and api.mimetype == "application/json"
    with request_context(refusing, "/?lang=en"):
        text = translate_error(exc)
    assert api.json["error"] == text and api.json["code"] == exc.code
    assert text.replace("'", "&#39;") in page.text


@pytest.mark.parametrize("status", [400, 403, 404, 405, 409, 413, 422])  # (the proposal form's 413: attachments)
def test_an_http_status_has_one_message_for_pages_and_api(refusing, client, status):
    page = client.get(f"/test-refusal/{status}")  # in Chinese, by default
    api = client.get(f"/api/v1/test-refusal/{status}")
    assert page.status_code == api.status_code == status
    with request_context(refusing):
        from proposals.i18n import gettext

        heading, text, _advice = (gettext(m) if m else None for m in HTTP[status])
    assert api.json["error"] == text and text in page.text and heading in page.text
    assert text != HTTP[status][1]  # translated


def test_unknown_paths_answer_in_the_kind_of_their_side(client):
    page, api = client.get("/no-such-page"), client.get("/api/v1/no-such-thing")
    assert page.status_code == api.status_code == 404
    assert page.mimetype == "text/html" and api.json["code"] == "not_found"
    assert api.json["error"] in page.text
    wrong = client.delete("/api/v1/sessions")
    assert wrong.status_code == 405 and wrong.json["code"] == "method_not_allowed" and "GET" in wrong.headers["Allow"]


def test_is_api_request_is_the_path_under_api(app):
    for path, expected in (("/api/v1/stats", True), ("/api/v2/x", True), ("/apiary", False), ("/proposals/", False)):
        with app.test_request_context(path):
            assert is_api_request() is expected


def test_the_review_roles_are_the_roles_the_engine_lets_decide_a_review():
    who = {name for event in REVIEW_EVENTS for name in LIFECYCLE.event(event).who}
    assert set(REVIEW_ROLES) == who & set(ROLES) == {"committee"}


def test_only_the_author_may_edit_and_only_a_draft(cast, make):
    draft = make.proposal(author=cast.author)
    submitted = cast.proposal_in("cosigning")
    assert draft.can_edit(cast.author)
    assert not draft.can_edit(cast.delegate1) and not draft.can_edit(None)
    assert not submitted.can_edit(submitted.author)
