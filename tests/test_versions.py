"""Send back and resubmission: the co-signatures end, co-signing starts again, and every submission's
text and attachments are kept as a version (operations/versions.py)."""

import pytest
from sqlalchemy import select

from proposals.extensions import db
from proposals.models import Attachment, Cosignature, Notification, ProposalVersion
from proposals.operations import NotFound, add_attachments, edit_draft, fire_event, remove_attachment
from workflow import LIFECYCLE, Actor, Facts, Settings

from .helpers import SAMPLES, api_client, download, login, upload


def sent_back(cast):
    """A proposal that reached review with two co-signers and was sent back for revision."""
    proposal = cast.proposal_in("review")
    fire_event(proposal.id, "send_back", cast.committee, {"reason": "请补充测算数据。"})
    return proposal


# -- the engine ------------------------------------------------------------------------------------


def test_a_resubmission_counts_no_earlier_co_signature():
    author = Actor(id=1, roles=frozenset({"worker"}))
    facts = Facts(state="draft", author_id=1, cosigner_ids=frozenset({2, 3}))
    assert LIFECYCLE.decide("submit", facts, author, Settings(min_cosigners=2)).to_state == "cosigning"
    assert LIFECYCLE.decide("submit", facts, author, Settings(min_cosigners=0)).to_state == "review"


# -- co-signatures end -----------------------------------------------------------------------------


def test_sending_back_ends_the_co_signatures_keeps_them_and_tells_the_co_signers(cast):
    proposal = sent_back(cast)
    rows = db.session.scalars(select(Cosignature).where(Cosignature.proposal_id == proposal.id)).all()
    assert {c.user_id for c in rows} == {cast.delegate1.id, cast.delegate2.id}
    assert all(c.ended_at is not None and c.version == 1 for c in rows)
    db.session.expire_all()
    assert proposal.cosignatures == [] and len(proposal.all_cosignatures) == 2
    told = db.session.scalars(select(Notification.user_id).where(Notification.event == "send_back")).all()
    assert set(told) == {cast.author.id, cast.delegate1.id, cast.delegate2.id}
    last = proposal.history[-1]
    assert last.event == "send_back" and last.payload["cosignatures_ended"] == 2


def test_a_resubmitted_proposal_is_co_signed_again_from_the_start(cast):
    proposal = sent_back(cast)
    proposal = fire_event(proposal.id, "submit", cast.author)
    assert proposal.state == "cosigning"
    fire_event(proposal.id, "cosign", cast.delegate1)  # the same delegate signs the new text
    proposal = fire_event(proposal.id, "cosign", cast.delegate3)
    assert proposal.state == "review"
    signed = {(c.user_id, c.version, c.ended_at is None) for c in proposal.all_cosignatures}
    assert signed == {
        (cast.delegate1.id, 1, False),
        (cast.delegate2.id, 1, False),
        (cast.delegate1.id, 2, True),
        (cast.delegate3.id, 2, True),
    }


def test_an_ended_co_signature_no_longer_counts_for_rating(cast):
    proposal = sent_back(cast)
    fire_event(proposal.id, "submit", cast.author)
    fire_event(proposal.id, "cosign", cast.delegate1)
    fire_event(proposal.id, "cosign", cast.delegate3)
    for event, who, payload in cast.path("replied")[3:]:
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload)
    assert proposal.state == "replied"
    from proposals.operations import available_events

    assert "evaluate" in available_events(proposal, cast.delegate3)
    assert "evaluate" not in available_events(proposal, cast.delegate2)  # signed the first text only


# -- versions --------------------------------------------------------------------------------------


def test_each_submission_is_kept_as_a_version_with_its_attachments(cast, files):
    proposal = cast.make.proposal(author=cast.author, session=cast.session, title="第一稿")
    first, second = add_attachments(
        proposal.id, cast.author, [upload("测算.pdf", SAMPLES["pdf"]), upload("照片.png", SAMPLES["png"])]
    )
    fire_event(proposal.id, "submit", cast.author)
    fire_event(proposal.id, "cosign", cast.delegate1)
    fire_event(proposal.id, "cosign", cast.delegate2)
    fire_event(proposal.id, "send_back", cast.committee, {"reason": "请修改"})
    edit_draft(proposal.id, cast.author, {"title": "第二稿"})
    remove_attachment(second.id, cast.author)  # carried by version 1: left out, not removed
    (third,) = add_attachments(proposal.id, cast.author, [upload("补充.pdf", SAMPLES["pdf"])])
    fire_event(proposal.id, "submit", cast.author)
    versions = db.session.scalars(
        select(ProposalVersion).where(ProposalVersion.proposal_id == proposal.id).order_by(ProposalVersion.number)
    ).all()
    assert [(v.number, v.title) for v in versions] == [(1, "第一稿"), (2, "第二稿")]
    assert [a.id for a in versions[0].attachments] == [first.id, second.id]
    assert [a.id for a in versions[1].attachments] == [first.id, third.id]
    kept = db.session.get(Attachment, second.id)
    assert kept is not None and kept.left_out_at is not None
    assert (files / kept.stored_name).exists()
    db.session.expire_all()
    assert [a.id for a in db.session.get(type(proposal), proposal.id).attachments] == [first.id, third.id]


def test_an_attachment_never_submitted_is_removed_outright(cast, files):
    proposal = cast.make.proposal(author=cast.author, session=cast.session)
    (added,) = add_attachments(proposal.id, cast.author, [upload("草稿.pdf", SAMPLES["pdf"])])
    stored = added.stored_name
    remove_attachment(added.id, cast.author)
    assert db.session.get(Attachment, added.id) is None and not (files / stored).exists()


def test_the_versions_api_lists_each_submission(client, cast, files):
    proposal = cast.make.proposal(author=cast.author, session=cast.session, title="第一稿")
    (pdf,) = add_attachments(proposal.id, cast.author, [upload("测算.pdf", SAMPLES["pdf"])])
    fire_event(proposal.id, "submit", cast.author)
    fire_event(proposal.id, "withdraw", cast.author)
    api = api_client(client)
    body = api.as_(cast.author).get(f"/proposals/{proposal.id}/versions").json
    assert [(v["number"], v["title"], v["reason"], v["measures"]) for v in body["items"]] == [
        (1, "第一稿", proposal.reason, proposal.measures)
    ]
    assert body["items"][0]["attachments"] == [{"id": pdf.id, "filename": "测算.pdf", "size": pdf.size}]
    assert body["items"][0]["submitted_at"].endswith("+00:00")
    # whoever may not see the proposal learns nothing, as for a missing one
    hidden = cast.make.proposal(author=cast.worker, session=cast.session)
    assert api.as_(cast.author).get(f"/proposals/{hidden.id}/versions").status_code == 404
    assert api.as_(cast.author).get("/proposals/999999/versions").status_code == 404


def test_an_attachment_left_out_of_the_draft_still_downloads_for_its_version(client, cast, files):
    proposal = cast.make.proposal(author=cast.author, session=cast.session)
    (pdf,) = add_attachments(proposal.id, cast.author, [upload("测算.pdf", SAMPLES["pdf"])])
    for event, who, payload in cast.path("review"):
        fire_event(proposal.id, event, getattr(cast, who), payload)
    fire_event(proposal.id, "send_back", cast.committee, {"reason": "请修改"})
    remove_attachment(pdf.id, cast.author)
    fire_event(proposal.id, "submit", cast.author)
    login(client, cast.committee)
    assert download(client, f"/proposals/{proposal.id}/attachments/{pdf.id}").status_code == 200
    page = client.get(f"/proposals/{proposal.id}").text
    assert "不再附带的附件：测算.pdf" in page


def test_the_page_shows_what_changed_between_versions(client, cast):
    proposal = sent_back(cast)
    edit_draft(proposal.id, cast.author, {"measures": "增加座位，延长供餐时间。"})
    fire_event(proposal.id, "submit", cast.author)
    login(client, cast.committee)
    page = client.get(f"/proposals/{proposal.id}").text
    assert "历次提交的版本" in page and "第 2 版" in page
    assert "<del" in page and "增加座位，错峰就餐。" in page and "<ins" in page and "增加座位，延长供餐时间。" in page


def test_a_proposal_submitted_once_shows_no_versions_section(client, cast):
    proposal = cast.proposal_in("review")
    login(client, cast.committee)
    assert "历次提交的版本" not in client.get(f"/proposals/{proposal.id}").text


def test_versions_of_a_proposal_one_may_not_see_are_not_found(cast):
    from proposals.operations.versions import versions_of

    proposal = cast.make.proposal(author=cast.author, session=cast.session)
    with pytest.raises(NotFound):
        versions_of(proposal.id, cast.committee)
