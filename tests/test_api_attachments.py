"""Attachments over the API: the page's checks on upload (kind, size, count, who, state), its download
predicate (access.can_view at the moment of reading) and headers, removal from one's own draft."""

import io
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Attachment, HistoryEntry
from proposals.operations import attachments, fire_event
from proposals.operations.attachments import MAX_ATTACHMENTS, attachments_dir

from .helpers import api_client

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def api(client, app, tmp_path):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")  # this test's files alone
    return api_client(client)


def upload(caller, proposal_id: int, *files: tuple[bytes, str]):
    data = {"attachments": [(io.BytesIO(body), name) for body, name in files]}
    return caller.request(
        "POST", f"/proposals/{proposal_id}/attachments", data=data, content_type="multipart/form-data"
    )


def stored() -> tuple[int, int]:
    """(rows, files on disk)"""
    folder = attachments_dir()
    on_disk = len(list(folder.iterdir())) if folder.is_dir() else 0
    return db.session.scalar(select(func.count(Attachment.id))), on_disk


def test_upload_list_download_remove(api, cast):
    draft = cast.make.proposal(author=cast.author)
    author = api.as_(cast.author)
    added = upload(author, draft.id, (PDF, "会议纪要.pdf"), (PNG, "现场照片.png"))
    assert added.status_code == 201, added.json
    assert [a["filename"] for a in added.json] == ["会议纪要.pdf", "现场照片.png"]
    assert [a["kind"] for a in added.json] == ["pdf", "png"]
    assert "uploaded_by" not in added.json[0]  # the uploader is the author, whose name may be confidential
    history = db.session.scalars(select(HistoryEntry.event).where(HistoryEntry.proposal_id == draft.id)).all()
    assert "attach" in history

    listed = author.get(f"/proposals/{draft.id}/attachments")
    assert listed.status_code == 200 and listed.json["may_change"] is True
    assert [a["id"] for a in listed.json["items"]] == [a["id"] for a in added.json]

    first = added.json[0]
    download = author.get(f"/proposals/{draft.id}/attachments/{first['id']}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and unquote(disposition.split("''", 1)[1]) == "会议纪要.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()

    assert author.delete(f"/proposals/{draft.id}/attachments/{first['id']}").status_code == 204
    assert [a["id"] for a in author.get(f"/proposals/{draft.id}/attachments").json["items"]] == [added.json[1]["id"]]
    assert stored() == (1, 1)


def test_refused_uploads_change_nothing(api, cast, monkeypatch):
    # (a small limit: a body of megabytes would pass through the test client's temporary files)
    monkeypatch.setattr(attachments, "MAX_SIZE", 4096)
    draft = cast.make.proposal(author=cast.author)
    author = api.as_(cast.author)
    before = stored()
    cases = {
        "not a kind we take": [(b"MZ\x90\x00 an executable", "证明.pdf")],
        "empty": [(b"", "空.pdf")],
        "too large": [(b"%PDF-" + b"0" * 4096, "大.pdf")],
        "too many": [(PDF, f"{n}.pdf") for n in range(MAX_ATTACHMENTS + 1)],
        "one bad among good": [(PDF, "好.pdf"), (b"<html>", "坏.pdf")],
    }
    for label, files in cases.items():
        response = upload(author, draft.id, *files)
        assert response.status_code == 422, label
        assert "attachments" in response.json["fields"] and response.json["error"], label
        assert stored() == before, label
    none = author.request("POST", f"/proposals/{draft.id}/attachments", data={}, content_type="multipart/form-data")
    assert none.status_code == 422 and "attachments" in none.json["fields"]
    as_json = author.post(f"/proposals/{draft.id}/attachments", json={"attachments": []})
    assert as_json.status_code == 400 and as_json.json["error"]
    english = api.as_(cast.author, language="en")
    assert "Empty file" in upload(english, draft.id, (b"", "空.pdf")).json["fields"]["attachments"]
    assert stored() == before


def test_who_may_upload_and_when(api, cast):
    draft = cast.make.proposal(author=cast.author)
    review = cast.proposal_in("review")
    before = stored()
    assert upload(api.as_(cast.delegate1), draft.id, (PDF, "a.pdf")).status_code == 404  # a draft is the author's
    assert upload(api.as_(cast.committee), review.id, (PDF, "a.pdf")).status_code == 403  # seen, not theirs
    conflict = upload(api.as_(cast.author), review.id, (PDF, "a.pdf"))
    assert conflict.status_code == 409 and conflict.json["error"]
    assert upload(api.as_(cast.author), 999999, (PDF, "a.pdf")).status_code == 404
    assert stored() == before


def test_download_follows_who_may_view_at_the_moment_of_reading(api, cast):
    proposal = cast.make.proposal(author=cast.author)
    attachment = upload(api.as_(cast.author), proposal.id, (PDF, "a.pdf")).json[0]
    path = f"/proposals/{proposal.id}/attachments/{attachment['id']}"
    delegate = api.as_(cast.delegate3)
    hidden = delegate.get(path)
    assert hidden.status_code == 404
    assert delegate.get(f"/proposals/{proposal.id}/attachments").status_code == 404
    assert delegate.get(f"/proposals/{proposal.id}/attachments/999999").json == hidden.json
    fire_event(proposal.id, "submit", cast.author)  # now co-signing: every delegate may read it
    shown = delegate.get(path)
    shown.close()
    assert shown.status_code == 200
    assert delegate.get(f"/proposals/{proposal.id}/attachments").json["may_change"] is False
    assert delegate.get(f"/proposals/{proposal.id + 1}/attachments/{attachment['id']}").status_code == 404


def test_removal_is_for_the_author_of_a_draft(api, cast):
    draft = cast.make.proposal(author=cast.author)
    attachment = upload(api.as_(cast.author), draft.id, (PDF, "a.pdf")).json[0]
    path = f"/proposals/{draft.id}/attachments/{attachment['id']}"
    assert api.as_(cast.delegate1).delete(path).status_code == 404
    fire_event(draft.id, "submit", cast.author)
    assert api.as_(cast.delegate1).delete(path).status_code == 403
    refused = api.as_(cast.author).delete(path)
    assert refused.status_code == 409 and refused.json["error"]
    assert stored() == (1, 1)


def test_a_body_beyond_the_limit_is_refused_in_json(api, cast, app):
    draft = cast.make.proposal(author=cast.author)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(api.as_(cast.author), draft.id, (PDF + b"0" * 2048, "a.pdf"))
    assert response.status_code == 413 and response.is_json and response.json["error"]
    assert stored() == (0, 0)
