"""The session's procedure over the API (issue 14): the settings and presets of /sessions, who may submit,
co-signers from several delegations, delegation proposals, invited co-signers and late submissions."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from proposals.extensions import db
from proposals.models import HistoryEntry, Notification, Proposal
from proposals.operations import clock, fire_event, update_session
from proposals.presets import PRESETS

from .helpers import api_client

NEW_SETTINGS = ("proposers", "min_cosigner_delegations", "delegation_share", "late_submissions")


@pytest.fixture
def api(client):
    return api_client(client)


def draft_body(session_id: int, **fields) -> dict:
    return {
        "session_id": session_id,
        "title": "关于设立教职工午休室的提案",
        "reason": "午间无处休息。",
        "measures": "利用闲置教室改建。",
        "category": "welfare",
        **fields,
    }


def told(user_id: int, proposal_id: int, event: str) -> bool:
    stmt = select(Notification.id).where(
        Notification.user_id == user_id, Notification.proposal_id == proposal_id, Notification.event == event
    )
    return db.session.scalar(stmt) is not None


# -- the settings and the presets of /sessions ------------------------------------------------------


def test_the_new_settings_have_their_defaults_and_are_changed_like_any_other(api, cast):
    admin = api.as_(cast.admin)
    r = admin.get(f"/sessions/{cast.session.id}")
    assert r.status_code == 200
    assert {k: r.json[k] for k in NEW_SETTINGS} == {
        "proposers": "workers",
        "min_cosigner_delegations": 0,
        "delegation_share": 0.5,
        "late_submissions": "accept",
    }
    change = {"proposers": "delegates", "min_cosigner_delegations": 2, "delegation_share": 0.75}
    r = admin.patch(f"/sessions/{cast.session.id}", {**change, "late_submissions": "suggestion"})
    assert r.status_code == 200
    assert {k: r.json[k] for k in NEW_SETTINGS} == {**change, "late_submissions": "suggestion"}


@pytest.mark.parametrize(
    "wrong",
    [
        {"proposers": "everyone"},
        {"min_cosigner_delegations": -1},
        {"min_cosigner_delegations": 21},
        {"delegation_share": 1.5},
        {"delegation_share": "half"},
        {"late_submissions": "maybe"},
        {"preset": "lenient"},
        {"preset": 3},
    ],
)
def test_a_wrong_setting_or_preset_is_refused_and_changes_nothing(api, cast, wrong):
    r = api.as_(cast.admin).patch(f"/sessions/{cast.session.id}", wrong)
    assert r.status_code == 422
    assert set(r.json["fields"]) == set(wrong)
    db.session.expire_all()
    assert (cast.session.proposers, cast.session.min_cosigner_delegations) == ("workers", 0)
    assert (cast.session.delegation_share, cast.session.late_submissions) == (0.5, "accept")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_preset_fills_its_settings_and_what_is_given_with_it_wins(api, cast, name):
    admin = api.as_(cast.admin)
    r = admin.post("/sessions", {"code": f"P-{name}", "name": "第二届教代会第一次会议", "preset": name})
    assert r.status_code == 201
    assert {k: r.json[k] for k in PRESETS[name].values} == PRESETS[name].values
    assert "preset" not in r.json
    r = admin.patch(f"/sessions/{r.json['id']}", {"preset": name, "min_cosigners": 4})
    assert r.status_code == 200
    assert r.json["min_cosigners"] == 4  # the union may change any field after, or with it


def test_the_strict_preset_as_the_issue_lists_it(api, cast):
    r = api.as_(cast.admin).patch(f"/sessions/{cast.session.id}", {"preset": "strict"})
    shown = {k: r.json[k] for k in ("proposers", "min_cosigners", "min_cosigner_delegations", "late_submissions")}
    assert shown == {
        "proposers": "delegates",
        "min_cosigners": 3,
        "min_cosigner_delegations": 2,
        "late_submissions": "refuse",
    }
    assert r.json["delegation_review"] is True


# -- who may submit ------------------------------------------------------------------------------


def test_with_delegates_only_a_workers_submit_is_refused_and_the_draft_kept(api, cast):
    update_session(cast.session, {"proposers": "delegates"})
    author = api.as_(cast.author)  # a worker, no delegate
    created = author.post("/proposals", draft_body(cast.session.id)).json
    assert created["available_events"] == ["withdraw"]
    r = author.fire(created["id"], "submit")
    assert r.status_code == 403 and "代表" in r.json["error"]
    r = author.get(f"/proposals/{created['id']}")
    assert r.json["state"] == "draft" and r.json["version"] == created["version"]
    assert [h["event"] for h in r.json["history"]] == ["create"]
    # a delegate submits under the same rule
    delegate = api.as_(cast.delegate1)
    mine = delegate.post("/proposals", draft_body(cast.session.id)).json
    assert delegate.fire(mine["id"], "submit").json["state"] == "cosigning"


# -- co-signers from several delegations ----------------------------------------------------------


def test_co_signers_must_come_from_enough_delegations(api, cast, make):
    update_session(cast.session, {"min_cosigner_delegations": 2})
    same = make.user("delegate", delegation_id=cast.delegation.id)
    other = make.unit("delegation")
    elsewhere = make.user("delegate", delegation_id=other.id)
    proposal = cast.proposal_in("cosigning")
    assert api.as_(cast.delegate1).fire(proposal.id, "cosign").json["state"] == "cosigning"
    assert api.as_(same).fire(proposal.id, "cosign").json["state"] == "cosigning"  # 2, of one delegation
    assert api.as_(elsewhere).fire(proposal.id, "cosign").json["state"] == "review"


# -- delegation proposals --------------------------------------------------------------------------


def test_a_delegation_proposal_is_the_delegations_and_moves_on_with_its_share(api, cast, make):
    # the delegation: its head, delegate1 and three more delegates: ceil(0.5 x 4) = 2 of them must co-sign
    more = [make.user("delegate", delegation_id=cast.delegation.id) for _ in range(3)]
    head = api.as_(cast.head)
    r = head.post("/proposals", draft_body(cast.session.id, delegation_proposal=True))
    assert r.status_code == 201
    created = r.json
    assert created["delegation_proposal"] is True
    assert created["delegation"] == {"id": cast.delegation.id, "name": cast.delegation.name}
    assert created["author"]["id"] == cast.head.id
    assert head.fire(created["id"], "submit").json["state"] == "cosigning"
    # co-signers of other delegations do not count toward the share, nor min_cosigners
    assert api.as_(cast.delegate2).fire(created["id"], "cosign").json["state"] == "cosigning"
    assert api.as_(cast.delegate3).fire(created["id"], "cosign").json["state"] == "cosigning"
    assert api.as_(more[0]).fire(created["id"], "cosign").json["state"] == "cosigning"
    assert api.as_(cast.delegate1).fire(created["id"], "cosign").json["state"] == "review"
    listed = api.as_(cast.committee).get("/proposals", query_string={"delegation_id": cast.delegation.id}).json
    assert [(p["id"], p["delegation_proposal"]) for p in listed["items"]] == [(created["id"], True)]
    stats = api.as_(cast.committee).get("/stats").json
    row = next(d for d in stats["by_delegation"] if d["delegation_id"] == cast.delegation.id)
    assert row["total"] == 1


def test_only_a_delegation_head_makes_a_delegation_proposal(api, cast):
    r = api.as_(cast.delegate1).post("/proposals", draft_body(cast.session.id, delegation_proposal=True))
    assert r.status_code == 422 and set(r.json["fields"]) == {"delegation_proposal"}
    r = api.as_(cast.head).post("/proposals", draft_body(cast.session.id, delegation_proposal=True, confidential=True))
    assert r.status_code == 422 and set(r.json["fields"]) == {"delegation_proposal"}
    assert db.session.scalar(select(Proposal.id)) is None


def test_min_cosigner_delegations_does_not_apply_to_a_delegation_proposal(api, cast):
    update_session(cast.session, {"min_cosigner_delegations": 3, "min_cosigners": 5})
    head = api.as_(cast.head)
    created = head.post("/proposals", draft_body(cast.session.id, delegation_proposal=True)).json
    # the delegation: its head and delegate1 (author, cast.author, is a worker): ceil(0.5 x 1) = 1
    assert head.fire(created["id"], "submit").json["state"] == "cosigning"
    assert api.as_(cast.delegate1).fire(created["id"], "cosign").json["state"] == "review"


# -- invited co-signers ----------------------------------------------------------------------------


def test_invitees_are_told_and_first_in_their_tasks_and_others_may_still_cosign(api, cast):
    author = api.as_(cast.author)
    created = author.post("/proposals", draft_body(cast.session.id, invitees=[cast.delegate2.id])).json
    assert created["invitees"] == [cast.delegate2.id]
    r = author.patch(f"/proposals/{created['id']}", {"invitees": [cast.delegate2.id, cast.delegate3.id]})
    assert r.status_code == 200 and sorted(r.json["invitees"]) == sorted([cast.delegate2.id, cast.delegate3.id])
    author.fire(created["id"], "submit")
    assert told(cast.delegate2.id, created["id"], "submit") and told(cast.delegate3.id, created["id"], "submit")
    assert not told(cast.delegate1.id, created["id"], "submit")  # named invitees replace the delegation
    invited = api.as_(cast.delegate2).get("/proposals", query_string={"task": "cosign_invited"}).json
    assert [p["id"] for p in invited["items"]] == [created["id"]]
    not_invited = api.as_(cast.delegate1).get("/proposals", query_string={"task": "cosign"}).json
    assert [p["id"] for p in not_invited["items"]] == [created["id"]]
    assert api.as_(cast.delegate1).fire(created["id"], "cosign").status_code == 200


def test_without_invitees_the_delegation_is_invited_and_a_confidential_one_invites_nobody(api, cast):
    author = api.as_(cast.author)
    ordinary = author.post("/proposals", draft_body(cast.session.id)).json
    author.fire(ordinary["id"], "submit")
    assert told(cast.delegate1.id, ordinary["id"], "submit") and told(cast.head.id, ordinary["id"], "submit")
    hidden = author.post("/proposals", draft_body(cast.session.id, confidential=True)).json
    author.fire(hidden["id"], "submit")
    assert db.session.scalar(select(Notification.id).where(Notification.proposal_id == hidden["id"])) is None


@pytest.mark.parametrize("who", ["author", "worker", "nobody"])
def test_an_invitee_who_is_not_another_delegate_is_refused(api, cast, who):
    ids = {"author": cast.author.id, "worker": cast.worker.id, "nobody": 999999}
    r = api.as_(cast.author).post("/proposals", draft_body(cast.session.id, invitees=[ids[who]]))
    assert r.status_code == 422 and set(r.json["fields"]) == {"invitees"}
    created = api.as_(cast.author).post("/proposals", draft_body(cast.session.id)).json
    r = api.as_(cast.author).patch(f"/proposals/{created['id']}", {"invitees": [ids[who]]})
    assert r.status_code == 422
    assert api.as_(cast.author).get(f"/proposals/{created['id']}").json["invitees"] == []


def test_invitees_change_only_while_a_draft(api, cast):
    proposal = cast.proposal_in("cosigning")
    r = api.as_(cast.author).patch(f"/proposals/{proposal.id}", {"invitees": [cast.delegate2.id]})
    assert r.status_code == 409


# -- the collection window ---------------------------------------------------------------------------


def after_the_window(cast, late: str) -> None:
    today = clock.local_date(clock.utcnow())
    update_session(
        cast.session,
        {
            "collection_start": (today - timedelta(days=30)).isoformat(),
            "collection_end": (today - timedelta(days=1)).isoformat(),
        },
    )
    update_session(cast.session, {"late_submissions": late})


def test_late_accept_is_as_before(api, cast):
    after_the_window(cast, "accept")
    proposal = cast.proposal_in("cosigning")
    assert proposal.kind == "proposal"


def test_late_as_a_suggestion_is_submitted_as_a_suggestion_and_says_why(api, cast):
    after_the_window(cast, "suggestion")
    author = api.as_(cast.author)
    created = author.post("/proposals", draft_body(cast.session.id)).json
    r = author.fire(created["id"], "submit")
    assert r.status_code == 200 and r.json["state"] == "cosigning" and r.json["kind"] == "suggestion"
    row = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.proposal_id == created["id"], HistoryEntry.event == "submit")
    )
    assert row.payload == {"version": 1, "late": True}  # its first submission's version, and why it is a suggestion


def test_late_refused_is_a_conflict_and_the_draft_stays(api, cast):
    after_the_window(cast, "refuse")
    author = api.as_(cast.author)
    created = author.post("/proposals", draft_body(cast.session.id)).json
    r = author.fire(created["id"], "submit")
    assert r.status_code == 409 and "征集期" in r.json["error"]
    assert author.get(f"/proposals/{created['id']}").json["state"] == "draft"


def test_in_time_nothing_changes_whatever_the_rule(api, cast):
    today = clock.local_date(clock.utcnow())
    update_session(
        cast.session, {"collection_end": (today + timedelta(days=3)).isoformat(), "late_submissions": "refuse"}
    )
    assert cast.proposal_in("cosigning").kind == "proposal"


def test_a_resubmission_after_send_back_is_never_late(api, cast):
    proposal = cast.proposal_in("review")
    fire_event(proposal.id, "send_back", cast.committee, {"reason": "请补充测算。"})
    after_the_window(cast, "refuse")
    r = api.as_(cast.author).fire(proposal.id, "submit")
    assert r.status_code == 200 and r.json["kind"] == "proposal"


def test_a_session_without_a_collection_end_is_never_late(api, cast):
    update_session(cast.session, {"late_submissions": "refuse"})
    assert cast.session.collection_end is None
    assert cast.session.collection_over(date(2099, 1, 1)) is False
    assert cast.proposal_in("cosigning").state == "cosigning"
