"""Downloading one's own data (/me/data.zip): all of it, nobody else's, no secrets."""

import io
import json
import zipfile

from werkzeug.datastructures import FileStorage

from proposals.extensions import db
from proposals.models import ApiToken
from proposals.operations import add_attachments, cast_vote, fire_event, update_session

from .helpers import login

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def download(client) -> tuple[dict, zipfile.ZipFile]:
    response = client.get("/me/data.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return json.loads(archive.read("data.json")), archive


def test_logged_out_is_sent_to_login(client):
    response = client.get("/me/data.zip")
    assert response.status_code == 302 and "/login" in response.location


def test_the_author_gets_account_proposals_drafts_history_files_and_tokens(app, client, cast, tmp_path):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "files")
    draft = cast.make.proposal(author=cast.author, title="我的草稿")
    add_attachments(draft.id, cast.author, [FileStorage(io.BytesIO(PNG), "照片.png")])
    closed = cast.proposal_in("closed")
    ApiToken.issue(cast.author, hours=1)
    db.session.commit()
    data, archive = download(login(client, cast.author))
    assert data["account"]["username"] == cast.author.username
    assert "password_hash" not in json.dumps(data) and cast.author.password_hash not in json.dumps(data)
    assert {p["id"]: p["state"] for p in data["proposals"]} == {draft.id: "draft", closed.id: "closed"}
    (attachment,) = next(p for p in data["proposals"] if p["id"] == draft.id)["attachments"]
    assert archive.read(attachment["file"]) == PNG
    assert {h["event"] for h in data["history"]} >= {"create", "attach", "submit", "evaluate"}
    assert all(h["proposal_id"] in (draft.id, closed.id) for h in data["history"])
    assert [e["rating"] for e in data["evaluations"]] == ["satisfied"]
    assert data["notifications"]  # the reply, at least
    (token,) = data["api_tokens"]
    assert set(token) == {"id", "created_at", "expires_at", "revoked_at"}
    assert any(a["action"] == "user.create" for a in data["account_log"])
    assert any(a["succeeded"] for a in data["login_attempts"])


def test_a_cosigner_gets_cosignatures_and_votes_but_not_a_confidential_authors_name(client, cast):
    proposal = cast.proposal_in("closed", confidential=True)
    session = cast.session
    update_session(session, {"vote_start": "2000-01-01", "vote_end": "2999-12-31"})
    cast_vote(proposal.id, cast.delegate1)
    data, _ = download(login(client, cast.delegate1))
    (cosignature,) = data["cosignatures"]
    assert cosignature["proposal"]["id"] == proposal.id
    assert [v["proposal"]["id"] for v in data["votes"]] == [proposal.id]
    text = json.dumps(data, ensure_ascii=False)
    assert cast.author.name not in text and cast.author.username not in text
    assert data["proposals"] == []
    assert {h["event"] for h in data["history"]} == {"cosign"}


def test_a_handler_gets_replies_and_nothing_of_the_author(client, cast):
    proposal = cast.proposal_in("replied", confidential=True)
    fire_event(proposal.id, "evaluate", cast.author, {"rating": "satisfied"})
    data, _ = download(login(client, cast.lead))
    assert [r["proposal_id"] for r in data["replies"]] == [proposal.id]
    text = json.dumps(data, ensure_ascii=False)
    assert cast.author.name not in text and cast.author.username not in text
    assert data["evaluations"] == [] and data["cosignatures"] == []


def test_the_user_menu_offers_the_download(client, make):
    page = login(client, make.user("worker")).get("/").text
    assert 'href="/me/data.zip"' in page
    assert "下载我的数据" in page


def test_a_cosigned_proposal_sent_back_and_retitled_is_not_named_in_the_cosigners_data(client, cast):
    from proposals.operations import edit_draft

    proposal = cast.proposal_in("review", title="提交时的标题")
    fire_event(proposal.id, "send_back", cast.committee, {"reason": "请补充具体措施。"})
    edit_draft(proposal.id, cast.author, {"title": "修改中的新标题"})
    data, _ = download(login(client, cast.delegate1))
    assert "修改中的新标题" not in json.dumps(data, ensure_ascii=False)
    (cosignature,) = data["cosignatures"]
    assert cosignature["proposal"] == {
        "id": proposal.id,
        "session": cast.session.code,
        "number": None,
        "title": None,
        "state": None,
        "visible": False,
    }
    fire_event(proposal.id, "submit", cast.author)  # submitted again: theirs to read once more
    data, _ = download(login(client, cast.delegate1))
    assert data["cosignatures"][0]["proposal"]["title"] == "修改中的新标题"
