"""The reports' files over the API: the ledger, the compilation, the proposal form and reply letter, a
session's forms and letters, the handling report, the audit log and one's own data, with the pages'
permissions (reports/files.py decides for both)."""

import csv
import io
import json
import zipfile

import pytest
from sqlalchemy import select

from proposals.extensions import db
from proposals.models import Reply

from .conftest import PASSWORD
from .helpers import api_client

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def api(client):
    return api_client(client)


def page_as(app, user, path: str):
    """What the page hands `user` at `path` (a client of its own, logged in)."""
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return client.get(path)


def ledger_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_ledger_is_the_pages_ledger(api, cast, app):
    cast.proposal_in("assigned", title="关于食堂的提案")
    cast.proposal_in("review", title="关于班车的提案")
    for who in ("committee", "admin", "supervisor", "leader"):
        user = getattr(cast, who)
        from_api = api.as_(user).get("/reports/ledger.csv")
        assert from_api.status_code == 200 and from_api.mimetype == "text/csv", who
        assert ledger_rows(from_api.data) == ledger_rows(page_as(app, user, "/reports/ledger.csv").data), who
        workbook = api.as_(user).get("/reports/ledger.xlsx")
        assert workbook.status_code == 200 and workbook.mimetype == XLSX
    filtered = ledger_rows(api.as_(cast.committee).get("/reports/ledger.csv?state=assigned").data)
    assert len(filtered) == 2 and "关于食堂的提案" in filtered[1]
    for who in ("worker", "author", "lead", "delegate1"):
        refused = api.as_(getattr(cast, who)).get("/reports/ledger.csv")
        assert refused.status_code == 403 and refused.json["error"], who


def test_the_ledger_refuses_wrong_filters(api, cast):
    for wrong in ("state=nothing", "session_id=x", "overdue=maybe", "kind=other"):
        response = api.as_(cast.committee).get(f"/reports/ledger.xlsx?{wrong}")
        assert response.status_code == 422 and response.json["fields"], wrong
    assert api.as_(cast.committee).get("/reports/ledger.csv?session_id=999999").status_code == 404


def test_papers_and_reports_by_role(api, cast):
    closed = cast.proposal_in("closed")
    reply = db.session.scalar(select(Reply).where(Reply.proposal_id == closed.id))
    session = cast.session.id
    everyone = [
        f"/sessions/{session}/compilation.pdf",
        f"/proposals/{closed.id}/form.pdf",
        f"/proposals/{closed.id}/replies/{reply.id}/letter.pdf",
    ]
    by_role = {
        f"/sessions/{session}/forms.pdf": {"committee", "admin"},
        f"/sessions/{session}/letters.pdf": {"committee", "admin"},
        f"/sessions/{session}/handling-report.pdf": {"committee", "admin", "leader"},
        f"/sessions/{session}/handling-report.docx": {"committee", "admin", "leader"},
    }
    for who in ("worker", "committee", "admin", "leader", "supervisor", "lead"):
        caller = api.as_(getattr(cast, who))
        for path in everyone:
            response = caller.get(path)
            assert response.status_code == 200 and response.mimetype == "application/pdf", (who, path)
        for path, allowed in by_role.items():
            response = caller.get(path)
            assert response.status_code == (200 if who in allowed else 403), (who, path)
            if who in allowed:
                assert response.mimetype == (DOCX if path.endswith(".docx") else "application/pdf")


def test_papers_of_what_one_may_not_see_are_not_found(api, cast):
    draft = cast.make.proposal(author=cast.author)
    hidden = api.as_(cast.worker).get(f"/proposals/{draft.id}/form.pdf")
    assert hidden.status_code == 404
    assert api.as_(cast.worker).get("/proposals/999999/form.pdf").json == hidden.json
    assert api.as_(cast.author).get(f"/proposals/{draft.id}/form.pdf").status_code == 200
    closed = cast.proposal_in("closed")
    assert api.as_(cast.worker).get(f"/proposals/{closed.id}/replies/999999/letter.pdf").status_code == 404
    assert api.as_(cast.committee).get("/sessions/999999/forms.pdf").status_code == 404


def test_the_internal_compilation_is_for_union_administrators(api, cast):
    path = f"/sessions/{cast.session.id}/compilation.pdf?edition=internal"
    assert api.as_(cast.admin).get(path).status_code == 200
    refused = api.as_(cast.committee).get(path)
    assert refused.status_code == 403 and refused.json["error"]
    assert api.as_(cast.admin).get(f"/sessions/{cast.session.id}/compilation.pdf?edition=other").status_code == 422


def test_own_data(api, cast):
    cast.proposal_in("review")
    response = api.as_(cast.author).get("/me/data")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["account"]["username"] == cast.author.username


def test_the_audit_log_is_for_union_administrators(api, cast):
    cast.proposal_in("review")
    admin = api.as_(cast.admin)
    page = admin.get("/audit")
    assert page.status_code == 200 and page.json["items"]
    assert {"submit", "cosign"} <= {item["action"] for item in page.json["items"]}
    only = admin.get("/audit?action=submit").json["items"]
    assert only and {item["action"] for item in only} == {"submit"}
    for path in ("/audit.csv", "/audit.xlsx"):
        assert admin.get(path).status_code == 200
    for who in ("committee", "supervisor", "leader", "worker"):
        for path in ("/audit", "/audit.csv", "/audit.xlsx"):
            refused = api.as_(getattr(cast, who)).get(path)
            assert refused.status_code == 403 and refused.json["error"], (who, path)
    wrong = admin.get("/audit?start=2026-13-01&action=nothing")
    assert wrong.status_code == 422 and set(wrong.json["fields"]) == {"start", "action"}


def test_the_audit_log_pages_by_cursor(api, cast, monkeypatch):
    from proposals.reports import audit_log

    monkeypatch.setattr(audit_log, "PAGE_SIZE", 2)
    cast.proposal_in("review")
    admin = api.as_(cast.admin)
    seen, cursor = [], None
    while True:
        page = admin.get("/audit" + (f"?after={cursor}" if cursor else "")).json
        seen += [(item["at"], item["action"], item["target"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == len(audit_log.everything(audit_log.Filters(), cast.admin))
