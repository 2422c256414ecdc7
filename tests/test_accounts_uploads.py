"""Uploads as an attack: no page or script that anyone uploads is ever served as part of this site.
(tests/test_attachments.py covers the kinds, sizes and names; this is the hostile side.)"""

import io

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Attachment
from proposals.operations import add_attachments
from proposals.operations.attachments import detect_kind
from workflow import InvalidPayload

from .helpers import SAMPLES, download, login, upload

HOSTILE = {
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "photo.png": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "page.pdf": b"<html><body><script>alert(1)</script></body></html>",
    "report.docx": b"\xef\xbb\xbf<!DOCTYPE html><script>alert(1)</script>",
    "flash.jpg": b"CWS\x0a" + b"\x00" * 32,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_pages_and_pictures_with_script_are_refused_whatever_their_name(cast, files, name):  # noqa: F811
    assert detect_kind(io.BytesIO(HOSTILE[name])) is None
    draft = cast.proposal_in("draft")
    with pytest.raises(InvalidPayload) as refused:
        add_attachments(draft.id, cast.author, [upload(name, HOSTILE[name])])
    assert "attachments" in refused.value.fields
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not files.exists() or not any(files.iterdir())


def test_the_form_refuses_an_html_upload_in_the_users_language(client, cast, files):  # noqa: F811
    draft = cast.proposal_in("draft")
    login(client, cast.author)
    data = {
        "title": draft.title,
        "reason": draft.reason,
        "measures": draft.measures,
        "category": "welfare",
        "session_id": str(cast.session.id),
        "attachments": (io.BytesIO(HOSTILE["page.pdf"]), "page.pdf"),
    }
    response = client.post(f"/proposals/{draft.id}/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    refusal = "以下文件不是 PDF、Word（.docx）、Excel（.xlsx）、JPEG 或 PNG 格式：“page.pdf”。"
    assert refusal in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_pdf_carrying_html_is_only_ever_downloaded(client, cast, files):  # noqa: F811
    """Content that starts as a PDF is kept, but served so that no browser runs it as a page of this site."""
    polyglot = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF\n"
    draft = cast.proposal_in("draft")
    (attachment,) = add_attachments(draft.id, cast.author, [upload("<b>说明<b>.html", polyglot)])
    assert attachment.filename == "_b_说明_b_.html.pdf" and attachment.stored_name != attachment.filename
    login(client, cast.author)
    response = download(client, f"/proposals/{draft.id}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"  # the download's own
    assert response.headers["X-Frame-Options"] == "DENY"


def test_stored_names_are_generated(cast, files):  # noqa: F811
    draft = cast.proposal_in("draft")
    (attachment,) = add_attachments(draft.id, cast.author, [upload("../../etc/passwd.png", SAMPLES["png"])])
    assert attachment.filename == "passwd.png"
    assert [p.name for p in files.iterdir()] == [attachment.stored_name]
    assert len(attachment.stored_name) == 32 and attachment.stored_name.isalnum()
