"""The OpenAPI document: valid, complete, and true of the real API (checked with schemathesis)."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from workflow import LIFECYCLE

from .helpers import PREFIX, api_client, token_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 6  # per operation and generation mode: the whole run stays well under a minute


@pytest.fixture
def document(client):
    return api_client(client).document


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_is_documented_and_every_documented_path_exists(app, document):
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = rule.rule[len(PREFIX) :]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)))
    documented = {(m, p) for p, ops in document["paths"].items() for m in ops}
    events = {name for name, e in LIFECYCLE.events.items() if not e.is_system}
    generic = ("post", "/proposals/{proposal_id}/events/{event}")  # documented event by event
    assert routes - {generic} == {(m, p) for m, p in documented if "/events/" not in p}
    assert {p.rsplit("/", 1)[1] for m, p in documented if "/events/" in p} == events


def test_event_bodies_are_their_payload_specs(document):
    for name, event in LIFECYCLE.events.items():
        path = document["paths"].get(f"/proposals/{{proposal_id}}/events/{name}")
        if event.is_system:
            assert path is None
            continue
        schema = path["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert set(schema["properties"]) == set(event.payload)
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) == {n for n, f in event.payload.items() if f.required}


def test_categories_are_administered_as_documented(document):
    post = document["paths"]["/categories"]["post"]
    assert {"201", "403", "409", "422"} <= set(post["responses"])
    assert set(post["requestBody"]["content"]["application/json"]["schema"]["required"]) == {"code", "name"}
    patch = document["paths"]["/categories/{category_id}"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"name", "position", "retired"} and body["required"] == []
    assert "delete" not in document["paths"]["/categories/{category_id}"]  # never deleted
    category = document["components"]["schemas"]["Category"]
    assert set(category["properties"]) == {"id", "code", "name", "position", "retired"}


class FreshContext:
    """The application as a server runs it: each request in an application context of its own."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.app(environ, start_response)


def test_schemathesis_finds_no_server_error_and_no_mismatch(app, cast):
    proposals = [cast.proposal_in(state).id for state in ("draft", "review", "assigned", "replied", "closed")]
    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", FreshContext(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30

    callers = [cast.admin, cast.committee, cast.author, cast.lead, cast.cohandler, cast.supervisor, cast.delegate1]
    for operation in operations:
        for mode in GenerationMode:
            strategy = operation.as_strategy(generation_mode=mode)
            if mode is GenerationMode.POSITIVE and "{proposal_id}" in operation.path:
                # mostly real proposals, so the checks see real answers and not only 404s
                strategy = st.sampled_from(proposals).flatmap(
                    lambda pid, op=operation: op.as_strategy(path_parameters={"proposal_id": pid})
                )
            fuzz(strategy, st.sampled_from(callers))


def fuzz(cases, callers) -> None:
    @given(case=cases, caller=callers)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case, caller):
        # a token per call: DELETE /auth/token revokes the one it is sent with
        case.call_and_validate(headers={"Authorization": f"Bearer {token_for(caller)}"}, checks=CHECKS)

    check()


def test_files_and_uploads_are_documented_as_such(document):
    """A file is answered as its type (never JSON), and an upload is sent as multipart/form-data."""
    files = {
        "/proposals/{proposal_id}/attachments/{attachment_id}": "application/pdf",
        "/reports/ledger.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "/reports/ledger.csv": "text/csv",
        "/sessions/{session_id}/compilation.pdf": "application/pdf",
        "/sessions/{session_id}/handling-report.docx": (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        "/proposals/{proposal_id}/form.pdf": "application/pdf",
        "/audit.csv": "text/csv",
        "/me/data": "application/zip",
    }
    for path, mimetype in files.items():
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert mimetype in content and "application/json" not in content, path
    for path in ("/proposals/{proposal_id}/attachments", "/imports/{kind}"):
        body = document["paths"][path]["post"]["requestBody"]["content"]
        assert list(body) == ["multipart/form-data"], path
    assert "/sign-in-slips/{slips_id}/pdf" in document["paths"]
