"""The dialogue on a proposal (留言/沟通): who reads and writes it, when, masked as the page masks, notified,
kept in the own-data download, never disclosed, never changed."""

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import AuditEntry, MessageAttachment, Notification, ProposalMessage
from proposals.operations import fire_event
from proposals.operations.messages import post_message

from .helpers import SAMPLES, api_client, download, login, upload

TEXT = "请问食堂改造的施工时间能否安排在暑假？"
REPLY = "已列入暑期施工计划，七月开工。"


@pytest.fixture(autouse=True)
def _files(files):
    """Every test here keeps its files in the test's own folder (conftest's `files`)."""


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ProposalMessage, MessageAttachment, Notification, AuditEntry)
    )


def told(user, proposal) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id,
                Notification.proposal_id == proposal.id,
                Notification.event == "message",
            )
        )
    )


# -- the page ----------------------------------------------------------------------------------------


def test_the_author_and_the_lead_department_talk_on_the_page(client, cast):
    proposal = cast.proposal_in("in_progress")
    login(client, cast.author)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'id="messages"' in page and 'name="text"' in page
    response = client.post(
        f"/proposals/{proposal.id}/messages",
        data={"text": TEXT, "attachments": [(io.BytesIO(SAMPLES["pdf"]), "施工方案.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.location.endswith(f"/proposals/{proposal.id}#messages")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert TEXT in page and "施工方案.pdf" in page and "留言已发送" in page
    (message,) = db.session.scalars(select(ProposalMessage))
    assert (message.side, message.author_id, message.department_id) == ("author", cast.author.id, None)
    (file,) = message.attachments
    assert (file.kind, file.filename) == ("pdf", "施工方案.pdf")

    login(client, cast.lead)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert TEXT in page and cast.author.name in page  # not confidential: named
    got = download(client, f"/proposals/{proposal.id}/messages/files/{file.id}")
    assert got.status_code == 200 and got.data == SAMPLES["pdf"]
    assert got.headers["X-Content-Type-Options"] == "nosniff" and "attachment" in got.headers["Content-Disposition"]
    assert client.post(f"/proposals/{proposal.id}/messages", data={"text": REPLY}).status_code == 302

    login(client, cast.author)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert REPLY in page
    assert cast.lead_dept.name in page and cast.lead.name not in page  # a department's staff read as the department


def test_refusals_on_the_page_say_why_and_change_nothing(client, cast):
    proposal = cast.proposal_in("in_progress")
    review = cast.proposal_in("review")
    before = counts()
    login(client, cast.author)
    response = client.post(f"/proposals/{proposal.id}/messages", data={"text": "   "})
    assert response.status_code == 422 and "必填" in response.get_data(as_text=True)
    response = client.post(f"/proposals/{proposal.id}/messages", data={"text": "长" * 4001})
    assert response.status_code == 422 and "4000" in response.get_data(as_text=True)
    response = client.post(
        f"/proposals/{proposal.id}/messages",
        data={"text": TEXT, "attachments": [(io.BytesIO(b"MZ\x90\x00" + b"\0" * 64), "a.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and TEXT in response.get_data(as_text=True)  # the text is kept
    response = client.post(f"/proposals/{review.id}/messages", data={"text": TEXT})
    assert response.status_code == 409 and "立案" in response.get_data(as_text=True)
    login(client, cast.worker)  # may view the disclosed proposal, takes no part in its dialogue
    assert client.post(f"/proposals/{proposal.id}/messages", data={"text": TEXT}).status_code == 403
    login(client, cast.delegate3)  # may not view a proposal under review
    assert client.post(f"/proposals/{review.id}/messages", data={"text": TEXT}).status_code == 404
    assert counts() == before


def test_who_sees_the_section(client, cast):
    proposal = cast.proposal_in("assigned")
    post_message(proposal.id, cast.author, {"text": TEXT})
    readers = ("author", "delegate1", "delegate2", "committee", "lead", "cohandler", "supervisor")
    for name, person in cast.people().items():
        login(client, person)
        page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
        assert (TEXT in page) == (name in readers), name
        assert ('id="messages"' in page) == (name in readers), name


# -- the window ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "open_"),
    [
        ("review", False),
        ("accepted", True),
        ("assigned", True),
        ("in_progress", True),
        ("replied", True),
        ("closed", False),
        ("archived", False),
    ],
)
def test_messages_are_written_from_acceptance_until_closure(client, cast, state, open_):
    proposal = cast.proposal_in(state)
    api = api_client(client).as_(cast.author)
    response = api.post(f"/proposals/{proposal.id}/messages", json={"text": TEXT})
    assert response.status_code == (201 if open_ else 409)
    if not open_:
        assert response.json["state"] == state
        assert db.session.scalar(select(func.count()).select_from(ProposalMessage)) == 0


def test_a_closed_proposal_keeps_its_dialogue_to_read(client, cast):
    proposal = cast.proposal_in("replied")
    post_message(proposal.id, cast.lead, {"text": REPLY})
    fire_event(proposal.id, "evaluate", cast.author, {"rating": "satisfied"})
    api = api_client(client).as_(cast.author)
    assert [m["text"] for m in api.get(f"/proposals/{proposal.id}/messages").json["items"]] == [REPLY]
    login(client, cast.author)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert REPLY in page and 'name="text"' not in page


# -- the API -------------------------------------------------------------------------------------------


def test_the_api_lists_and_writes_messages(client, cast):
    proposal = cast.proposal_in("in_progress")
    api = api_client(client)
    author, lead = api.as_(cast.author), api.as_(cast.lead)
    assert author.get(f"/proposals/{proposal.id}/messages").json == {"items": []}
    written = author.post(f"/proposals/{proposal.id}/messages", json={"text": TEXT})
    assert written.status_code == 201
    assert written.json["author"] == {"name": cast.author.name, "masked": False}
    assert (written.json["side"], written.json["text"], written.json["attachments"]) == ("author", TEXT, [])
    sent = lead.post(
        f"/proposals/{proposal.id}/messages",
        data={"text": REPLY, "attachments": [(io.BytesIO(SAMPLES["docx"]), "计划.docx")]},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201
    (file,) = sent.json["attachments"]
    assert (file["filename"], file["size"]) == ("计划.docx", len(SAMPLES["docx"]))
    items = author.get(f"/proposals/{proposal.id}/messages").json["items"]
    assert [(m["side"], m["text"]) for m in items] == [("author", TEXT), ("handling", REPLY)]
    assert items[1]["author"] == {"name": cast.lead_dept.name, "masked": True}
    got = author.get(f"/proposals/{proposal.id}/messages/files/{file['id']}")
    assert got.status_code == 200 and got.data == SAMPLES["docx"]
    got.close()
    # the committee sees the handling's internal records: the person is named to it
    names = [
        m["author"]["name"] for m in api.as_(cast.committee).get(f"/proposals/{proposal.id}/messages").json["items"]
    ]
    assert names == [cast.author.name, cast.lead.name]


def test_api_refusals_in_the_callers_language_and_nothing_changed(client, cast):
    proposal = cast.proposal_in("in_progress")
    review = cast.proposal_in("review")
    api = api_client(client)
    before = counts()
    author_en = api.as_(cast.author, language="en")
    empty = author_en.post(f"/proposals/{proposal.id}/messages", json={"text": ""})
    assert empty.status_code == 422 and empty.json["fields"]["text"] == "This field is required."
    long = api.as_(cast.author).post(f"/proposals/{proposal.id}/messages", json={"text": "长" * 4001})
    assert long.status_code == 422 and "4000" in long.json["fields"]["text"]
    unknown = author_en.post(f"/proposals/{proposal.id}/messages", json={"text": TEXT, "side": "handling"})
    assert unknown.status_code == 422 and "side" in unknown.json["fields"]
    six = [(io.BytesIO(SAMPLES["png"]), f"{n}.png") for n in range(6)]
    many = author_en.post(
        f"/proposals/{proposal.id}/messages",
        data={"text": TEXT, "attachments": six},
        content_type="multipart/form-data",
    )
    assert many.status_code == 422 and "attachments" in many.json["fields"]
    closed = author_en.post(f"/proposals/{review.id}/messages", json={"text": TEXT})
    assert closed.status_code == 409 and "acceptance" in closed.json["error"]
    outsider = api.as_(cast.worker)
    refused = outsider.get(f"/proposals/{proposal.id}/messages")
    assert refused.status_code == 403 and "留言沟通" in refused.json["error"]
    assert outsider.post(f"/proposals/{proposal.id}/messages", json={"text": TEXT}).status_code == 403
    assert api.as_(cast.delegate3).get(f"/proposals/{review.id}/messages").status_code == 404
    assert api.as_(cast.author).get("/proposals/999999/messages").status_code == 404
    assert counts() == before


def test_a_file_of_a_message_is_for_the_dialogue_only(client, cast, tmp_path):
    proposal = cast.proposal_in("in_progress")
    other = cast.proposal_in("in_progress", title="另一件提案")
    message = post_message(proposal.id, cast.author, {"text": TEXT}, [upload("照片.png", SAMPLES["png"])])
    (file,) = message.attachments
    api = api_client(client)
    assert api.as_(cast.worker).get(f"/proposals/{proposal.id}/messages/files/{file.id}").status_code == 404
    assert api.as_(cast.author).get(f"/proposals/{other.id}/messages/files/{file.id}").status_code == 404
    assert api.as_(cast.author).get(f"/proposals/{proposal.id}/attachments/{file.id}").status_code == 404
    login(client, cast.worker)
    assert download(client, f"/proposals/{proposal.id}/messages/files/{file.id}").status_code == 404
    # not among the proposal's attachments, which everyone who sees the proposal may download
    assert api.as_(cast.worker).get(f"/proposals/{proposal.id}/attachments").json["items"] == []


# -- confidentiality -------------------------------------------------------------------------------------


def test_a_department_reads_a_confidential_author_as_author(client, cast):
    proposal = cast.proposal_in("in_progress", confidential=True)
    post_message(proposal.id, cast.author, {"text": TEXT})
    api = api_client(client)
    (item,) = api.as_(cast.lead).get(f"/proposals/{proposal.id}/messages").json["items"]
    assert item["author"] == {"name": "提案人", "masked": True}
    (item,) = api.as_(cast.lead, language="en").get(f"/proposals/{proposal.id}/messages").json["items"]
    assert item["author"] == {"name": "Author", "masked": True}
    (item,) = api.as_(cast.supervisor).get(f"/proposals/{proposal.id}/messages").json["items"]
    assert item["author"]["masked"] is True
    (item,) = api.as_(cast.committee).get(f"/proposals/{proposal.id}/messages").json["items"]
    assert item["author"] == {"name": cast.author.name, "masked": False}
    login(client, cast.lead)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert TEXT in page and cast.author.name not in page and cast.author.username not in page


# -- notifications ----------------------------------------------------------------------------------------


def test_each_message_tells_the_other_side_without_its_text(client, cast):
    proposal = cast.proposal_in("in_progress")
    post_message(proposal.id, cast.author, {"text": TEXT})
    assert told(cast.lead, proposal) and told(cast.cohandler, proposal)
    assert not told(cast.author, proposal) and not told(cast.delegate1, proposal)
    assert not told(cast.other_handler, proposal) and not told(cast.worker, proposal)
    assert not told(cast.committee, proposal)  # a department is assigned: it answers

    post_message(proposal.id, cast.supervisor, {"text": REPLY})
    assert len(told(cast.author, proposal)) == 1
    assert told(cast.delegate1, proposal) and told(cast.delegate2, proposal)  # the co-signers
    assert not told(cast.supervisor, proposal)

    post_message(proposal.id, cast.delegate1, {"text": "补充一点。"})
    assert told(cast.supervisor, proposal)  # who wrote on the handling side hears the answer
    assert len(told(cast.lead, proposal)) == 2

    login(client, cast.lead)
    listing = client.get("/notifications").get_data(as_text=True)
    assert "新留言" in listing and TEXT not in listing
    api = api_client(client).as_(cast.author)
    texts = [n["text"] for n in api.get("/notifications").json["items"] if n["event"] == "message"]
    assert texts and all(TEXT not in t and REPLY not in t for t in texts)


def test_before_assignment_the_committee_hears_the_author(cast):
    proposal = cast.proposal_in("accepted")
    post_message(proposal.id, cast.author, {"text": TEXT})
    assert told(cast.committee, proposal)
    assert not told(cast.lead, proposal) and not told(cast.supervisor, proposal)


def test_the_mail_of_a_message_does_not_repeat_it(app, cast):
    from proposals.closure.compose import compose
    from proposals.closure.mail import MailConfig
    from proposals.operations import clock

    proposal = cast.proposal_in("in_progress", confidential=True)
    cast.lead.email = "lead@example.org"
    db.session.commit()
    post_message(proposal.id, cast.author, {"text": TEXT})
    (notification,) = told(cast.lead, proposal)
    with app.test_request_context():
        mail = compose(notification, MailConfig.from_app(app.config), clock.utcnow())
    body = mail.get_body().get_content()
    assert TEXT not in body and cast.author.name not in body and proposal.title in body


# -- the record ---------------------------------------------------------------------------------------------


def test_each_message_has_its_log_row_and_is_never_changed(cast):
    proposal = cast.proposal_in("in_progress")
    message = post_message(proposal.id, cast.author, {"text": TEXT}, [upload("a.png", SAMPLES["png"])])
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal.message"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (cast.author.id, "proposals", proposal.id)
    assert entry.details["message_id"] == message.id and TEXT not in json.dumps(entry.details, ensure_ascii=False)
    message.text = "改过的"
    with pytest.raises(ValueError, match="never changed"):
        db.session.flush()
    db.session.rollback()
    message = db.session.get(ProposalMessage, message.id)
    db.session.delete(message)
    with pytest.raises(ValueError, match="never changed"):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(ProposalMessage, message.id).text == TEXT


def test_the_own_data_download_holds_ones_messages_and_their_files(client, cast):
    proposal = cast.proposal_in("in_progress")
    post_message(proposal.id, cast.author, {"text": TEXT}, [upload("照片.png", SAMPLES["png"])])
    post_message(proposal.id, cast.lead, {"text": REPLY})
    login(client, cast.author)
    response = client.get("/me/data.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    (mine,) = data["messages"]
    assert (mine["text"], mine["side"], mine["proposal"]["id"]) == (TEXT, "author", proposal.id)
    (file,) = mine["attachments"]
    assert archive.read(file["file"]) == SAMPLES["png"]
    (own,) = data["proposals"]
    assert [(m["text"], m["writer"], m["by_me"]) for m in own["messages"]] == [
        (TEXT, cast.author.name, True),
        (REPLY, cast.lead_dept.name, False),  # a department's staff, as the page names them to the author
    ]
    login(client, cast.lead)
    data = json.loads(zipfile.ZipFile(io.BytesIO(client.get("/me/data.zip").data)).read("data.json"))
    assert [m["text"] for m in data["messages"]] == [REPLY]


# -- disclosure ---------------------------------------------------------------------------------------------


def test_messages_stay_out_of_disclosure(client, cast):
    proposal = cast.proposal_in("closed")  # disclosed: every worker reads it and its reply
    message_row = ProposalMessage(proposal_id=proposal.id, author_id=cast.author.id, side="author", text=TEXT)
    db.session.add(message_row)  # written as a message of the open window would have been
    db.session.commit()
    login(client, cast.worker)
    for path in (
        f"/proposals/{proposal.id}",
        "/public",
        f"/public?session_id={cast.session.id}",
        "/votes/",
        "/votes/results",
        f"/reports/sessions/{cast.session.id}/compilation",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert TEXT not in response.get_data(as_text=True), path
    api = api_client(client).as_(cast.worker)
    assert TEXT not in json.dumps(api.get(f"/proposals/{proposal.id}").json, ensure_ascii=False)
    login(client, cast.committee)
    ledger = client.get("/reports/ledger.csv")
    assert ledger.status_code == 200 and TEXT not in ledger.data.decode("utf-8-sig")
