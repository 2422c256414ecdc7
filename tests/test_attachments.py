"""Attachments: checked by content, stored under generated names, served only to those who may see the proposal."""

import io
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from proposals.extensions import db
from proposals.models import Attachment, HistoryEntry, Proposal
from proposals.operations import (
    NotFound,
    add_attachments,
    create_draft_with_attachments,
    fire_event,
    remove_attachment,
)
from proposals.operations.attachments import MAX_SIZE, clean_filename, detect_kind
from workflow import InvalidPayload, PermissionDenied, StateConflict

from .helpers import SAMPLES, download, login, office, upload

MB = 1024 * 1024
REFUSED = {
    "program.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
    "page.png": b"<!doctype html><script>alert(1)</script>",
    "macros.docx": office(b"application/vnd.ms-word.document.macroEnabled.main+xml", "word", "word/document.xml"),
    "archive.xlsx": office(b"application/xml", "data", "data/readme.xml"),
    "broken.docx": b"PK\x03\x04" + b"\x00" * 100,
    "script.jpg": b"#!/bin/sh\nrm -rf /\n",
}


def on_disk(folder) -> list:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def count(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return db.session.scalar(stmt)


# -- the operation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_allowed_kind_is_recognised_by_content(kind):
    assert detect_kind(io.BytesIO(SAMPLES[kind])) == kind


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_other_content_is_not_recognised_whatever_its_name(name):
    assert detect_kind(io.BytesIO(REFUSED[name])) is None


def test_each_allowed_kind_is_attached_under_a_generated_name(cast, files):
    p = cast.proposal_in("draft")
    names = {"pdf": "方案.pdf", "docx": "说明.docx", "xlsx": "预算表.xlsx", "jpg": "现场照片.JPEG", "png": "图.png"}
    added = add_attachments(p.id, cast.author, [upload(names[k], SAMPLES[k]) for k in sorted(SAMPLES)])
    assert [(a.kind, a.size) for a in added] == [(k, len(SAMPLES[k])) for k in sorted(SAMPLES)]
    assert sorted(a.filename for a in added) == sorted(
        ["方案.pdf", "说明.docx", "预算表.xlsx", "现场照片.jpeg", "图.png"]
    )
    assert on_disk(files) == sorted(a.stored_name for a in added)
    for a in added:
        assert len(a.stored_name) == 32 and a.filename not in a.stored_name
        assert (files / a.stored_name).read_bytes() == SAMPLES[a.kind]
    history = db.session.scalars(select(HistoryEntry).where(HistoryEntry.event == "attach")).one()
    assert history.actor_id == cast.author.id and len(history.payload["attachments"]) == 5
    assert "方案.pdf" in history.comment


def test_the_download_name_ends_as_the_content_is():
    assert clean_filename("report.exe", "pdf") == "report.exe.pdf"
    assert clean_filename("C:\\Users\\张三\\照片.jpeg", "jpg") == "照片.jpeg"
    assert clean_filename("../../etc/passwd", "png") == "passwd.png"
    assert clean_filename("a\u202egpj.exe", "jpg") == "agpj.exe.jpg"  # no right-to-left override
    assert clean_filename('"<x>".PDF', "pdf") == "__x__.pdf"  # quotes and brackets replaced
    assert clean_filename("", "docx") == "attachment.docx"
    assert len(clean_filename("长" * 300 + ".pdf", "pdf")) == 200


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_file_of_another_kind_is_refused_and_nothing_is_written(cast, files, name):
    p = cast.proposal_in("draft")
    with pytest.raises(InvalidPayload) as refused:
        add_attachments(p.id, cast.author, [upload("ok.pdf", SAMPLES["pdf"]), upload(name, REFUSED[name])])
    assert "attachments" in refused.value.fields
    assert refused.value.fields["attachments"][1]["names"] == f"“{name}”"
    assert count(Attachment) == 0 and count(HistoryEntry, event="attach") == 0
    assert on_disk(files) == []


def test_the_sixth_file_is_refused(cast, files):
    p = cast.proposal_in("draft")
    add_attachments(p.id, cast.author, [upload(f"{n}.png", SAMPLES["png"]) for n in range(4)])
    with pytest.raises(InvalidPayload) as refused:
        add_attachments(p.id, cast.author, [upload("5.png", SAMPLES["png"]), upload("6.png", SAMPLES["png"])])
    assert refused.value.fields["attachments"][1] == {"max": 5, "have": 4}
    add_attachments(p.id, cast.author, [upload("5.png", SAMPLES["png"])])
    with pytest.raises(InvalidPayload):
        add_attachments(p.id, cast.author, [upload("6.png", SAMPLES["png"])])
    assert count(Attachment, proposal_id=p.id) == 5 and len(on_disk(files)) == 5


def test_a_file_over_10_mb_is_refused(cast, files):
    p = cast.proposal_in("draft")
    exactly = SAMPLES["pdf"] + b"\x00" * (MAX_SIZE - len(SAMPLES["pdf"]))
    big = SAMPLES["pdf"] + b"\x00" * (11 * MB)
    with pytest.raises(InvalidPayload) as refused:
        add_attachments(p.id, cast.author, [upload("big.pdf", big)])
    assert refused.value.fields["attachments"][1]["mb"] == 10
    assert on_disk(files) == [] and count(Attachment) == 0
    (added,) = add_attachments(p.id, cast.author, [upload("exactly.pdf", exactly)])
    assert added.size == MAX_SIZE


def test_an_empty_file_is_refused(cast, files):
    p = cast.proposal_in("draft")
    with pytest.raises(InvalidPayload):
        add_attachments(p.id, cast.author, [upload("empty.pdf", b"")])


def test_only_the_author_and_only_on_a_draft(cast, files):
    draft = cast.proposal_in("draft")
    with pytest.raises(NotFound):
        add_attachments(draft.id, cast.delegate1, [upload("a.pdf", SAMPLES["pdf"])])
    submitted = cast.proposal_in("cosigning")
    with pytest.raises(PermissionDenied):
        add_attachments(submitted.id, cast.delegate1, [upload("a.pdf", SAMPLES["pdf"])])
    with pytest.raises(StateConflict):
        add_attachments(submitted.id, cast.author, [upload("a.pdf", SAMPLES["pdf"])])
    assert on_disk(files) == []


def test_removing_from_a_draft_is_recorded(cast, files):
    p = cast.proposal_in("draft")
    keep, drop = add_attachments(
        p.id, cast.author, [upload("留.pdf", SAMPLES["pdf"]), upload("删.png", SAMPLES["png"])]
    )
    stored = drop.stored_name
    remove_attachment(drop.id, cast.author)
    assert on_disk(files) == [keep.stored_name] and stored not in on_disk(files)
    entry = db.session.scalars(select(HistoryEntry).where(HistoryEntry.event == "detach")).one()
    assert entry.payload["attachment"]["filename"] == "删.png" and entry.payload["attachment"]["sha256"]
    assert entry.actor_id == cast.author.id
    p = fire_event(p.id, "submit", cast.author)
    with pytest.raises(StateConflict):
        remove_attachment(keep.id, cast.author)
    assert count(Attachment, proposal_id=p.id) == 1 and on_disk(files) == [keep.stored_name]


class OneWay(io.RawIOBase):
    """A stream that cannot seek, as a proxy might hand one on."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(min(len(buffer), 100))  # in small pieces, as a network would
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_stream_that_cannot_seek_is_read_once_and_stored_whole(cast, files):
    data = {"session_id": cast.session.id, "title": "一件提案", "reason": "理", "measures": "措", "category": "other"}
    one_way = FileStorage(stream=OneWay(SAMPLES["xlsx"]), filename="表.xlsx")
    p = create_draft_with_attachments(cast.author, data, [one_way])
    (a,) = p.attachments
    assert (a.kind, (files / a.stored_name).read_bytes()) == ("xlsx", SAMPLES["xlsx"])


def test_the_form_hears_of_every_mistake_at_once_and_nothing_is_created(cast, files):
    data = {"session_id": cast.session.id, "title": "", "reason": "理由", "measures": "措施", "category": "other"}
    with pytest.raises(InvalidPayload) as refused:
        create_draft_with_attachments(cast.author, data, [upload("x.png", REFUSED["page.png"])])
    assert set(refused.value.fields) == {"title", "attachments"}
    assert count(Proposal) == 0 and on_disk(files) == []


# -- the pages -------------------------------------------------------------------------------------


def form_data(cast, **extra):
    return {
        "session_id": cast.session.id,
        "title": "关于更新车间照明设备的提案",
        "reason": "照明不足。",
        "measures": "更换灯具。",
        "category": "safety",
        "save": "1",
        **extra,
    }


def latest_proposal():
    return db.session.scalar(select(Proposal).order_by(Proposal.id.desc()))


def test_files_are_added_with_the_new_proposal_and_listed(client, cast, files):
    login(client, cast.author)
    page = client.get("/proposals/new")
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text
    data = form_data(
        cast,
        attachments=[(io.BytesIO(SAMPLES["pdf"]), "照明方案.pdf"), (io.BytesIO(SAMPLES["jpg"]), "现场.jpg")],
    )
    response = client.post("/proposals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    p = latest_proposal()
    assert sorted(a.filename for a in p.attachments) == sorted(["照明方案.pdf", "现场.jpg"])
    page = client.get(f"/proposals/{p.id}").text
    assert "照明方案.pdf" in page and "现场.jpg" in page and "PDF" in page and "JPEG" in page
    assert "删除" in page  # the author may remove files from the draft


def test_a_refused_file_keeps_the_form_and_creates_nothing(client, cast, files):
    login(client, cast.author)
    before = db.session.scalar(select(func.count()).select_from(Proposal))
    data = form_data(cast, title="我填写的标题", attachments=[(io.BytesIO(REFUSED["page.png"]), "page.png")])
    response = client.post("/proposals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "我填写的标题" in response.text and "“page.png”" in response.text
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == before
    assert on_disk(files) == []


def test_files_added_when_editing_and_the_sixth_refused(client, cast, files):
    p = cast.proposal_in("draft")
    add_attachments(p.id, cast.author, [upload(f"{n}.pdf", SAMPLES["pdf"]) for n in range(5)])
    login(client, cast.author)
    edit = client.get(f"/proposals/{p.id}/edit")
    assert edit.status_code == 200
    data = form_data(cast, title="改过的标题", attachments=[(io.BytesIO(SAMPLES["png"]), "6.png")])
    response = client.post(f"/proposals/{p.id}/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "改过的标题" in response.text
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).title != "改过的标题"
    assert count(Attachment, proposal_id=p.id) == 5


def test_removal_on_the_page(client, cast, files):
    p = cast.proposal_in("draft")
    (a,) = add_attachments(p.id, cast.author, [upload("a.pdf", SAMPLES["pdf"])])
    login(client, cast.author)
    response = client.post(f"/proposals/{p.id}/attachments/{a.id}/remove")
    assert response.status_code == 302
    assert count(Attachment) == 0 and on_disk(files) == []
    page = client.get(f"/proposals/{p.id}").text
    assert "a.pdf" in page  # in the timeline: the removal is on record


def test_removal_refused_once_submitted(client, cast, files):
    p = cast.proposal_in("draft")
    (a,) = add_attachments(p.id, cast.author, [upload("a.pdf", SAMPLES["pdf"])])
    fire_event(p.id, "submit", cast.author)
    login(client, cast.author)
    response = client.post(f"/proposals/{p.id}/attachments/{a.id}/remove")
    assert response.status_code == 409 and "草稿" in response.text
    assert count(Attachment) == 1


def test_download_headers(client, cast, files):
    p = cast.proposal_in("draft")
    (a,) = add_attachments(p.id, cast.author, [upload("关于食堂的说明.docx", SAMPLES["docx"])])
    login(client, cast.author)
    response = download(client, f"/proposals/{p.id}/attachments/{a.id}")
    assert response.status_code == 200 and response.data == SAMPLES["docx"]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('关于食堂的说明.docx')}" in disposition
    assert f'filename="attachment-{a.id}.docx"' in disposition
    assert "private" in response.headers["Cache-Control"]


def test_a_spoofed_type_is_served_as_what_it_is(client, cast, files):
    p = cast.proposal_in("draft")
    (a,) = add_attachments(p.id, cast.author, [upload("photo.html", SAMPLES["png"])])
    login(client, cast.author)
    response = download(client, f"/proposals/{p.id}/attachments/{a.id}")
    assert response.mimetype == "image/png" and 'filename="photo.html.png"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "state, who, status",
    [
        ("draft", "author", 200),
        ("draft", "delegate1", 404),
        ("draft", "committee", 404),
        ("cosigning", "delegate3", 200),
        ("cosigning", "worker", 404),
        ("cosigning", "lead", 404),
        ("assigned", "lead", 200),
        ("assigned", "other_handler", 200),  # accepted proposals are disclosed to all (企务公开)
        ("review", "committee", 200),
        ("review", "worker", 404),
    ],
)
def test_download_only_for_those_who_may_see_the_proposal(client, cast, files, state, who, status):
    p = cast.proposal_in("draft")
    (a,) = add_attachments(p.id, cast.author, [upload("a.pdf", SAMPLES["pdf"])])
    for event, actor, payload in cast.path(state):
        fire_event(p.id, event, getattr(cast, actor), payload)
    login(client, getattr(cast, who))
    assert download(client, f"/proposals/{p.id}/attachments/{a.id}").status_code == status
    assert client.get(f"/proposals/{p.id}").status_code == status


def test_an_attachment_under_another_proposal_is_not_found(client, cast, files):
    mine = cast.proposal_in("draft")
    public = cast.proposal_in("accepted")
    (a,) = add_attachments(mine.id, cast.author, [upload("a.pdf", SAMPLES["pdf"])])
    login(client, cast.worker)
    assert client.get(f"/proposals/{public.id}/attachments/{a.id}").status_code == 404
    assert client.get(f"/proposals/{public.id}/attachments/999999").status_code == 404
    assert client.post(f"/proposals/{mine.id}/attachments/{a.id}/remove").status_code == 404
    assert count(Attachment) == 1


def test_download_needs_login(client, cast, files):
    p = cast.proposal_in("draft")
    (a,) = add_attachments(p.id, cast.author, [upload("a.pdf", SAMPLES["pdf"])])
    assert client.get(f"/proposals/{p.id}/attachments/{a.id}").status_code == 302


def test_a_too_large_request_gets_a_clear_message(app, client, cast, files):
    assert app.config["MAX_CONTENT_LENGTH"] == 55 * MB
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # the same refusal, without sending 55 MB
    login(client, cast.author)
    data = form_data(cast, attachments=[(io.BytesIO(SAMPLES["pdf"] + b"\x00" * 100_000), "big.pdf")])
    response = client.post("/proposals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "10 MB" in response.text and "数据过多" in response.text
    assert count(Proposal) == 0 and on_disk(files) == []
    data["attachments"] = [(io.BytesIO(SAMPLES["pdf"] + b"\x00" * 100_000), "big.pdf")]
    response = client.post("/proposals/new?lang=en", data=data, content_type="multipart/form-data")
    assert response.status_code == 413 and "too large" in response.text
