"""`flask seed-demo`: an organisation, accounts and proposals in every state, made by the real operations."""

from sqlalchemy import func, select

from proposals import stats, unions
from proposals.access import can_view
from proposals.extensions import db
from proposals.models import CongressSession, Evaluation, HistoryEntry, Notification, Proposal, User
from proposals.operations import available_events
from proposals.operations.clock import local_date, utcnow
from proposals.presets import PRESETS
from workflow import LIFECYCLE

PASSWORD = "Zhidaihui-2026"

# user name: (roles, department, delegation)
ACCOUNTS = {
    "worker": ({"worker"}, None, "第一代表团(机加车间)"),
    "delegate": ({"delegate"}, None, "第一代表团(机加车间)"),
    "delegate2": ({"delegate"}, None, "第二代表团(装配车间)"),
    "delegate3": ({"delegate"}, None, "第三代表团(铸造车间)"),
    "head": ({"delegation_head", "delegate"}, None, "第一代表团(机加车间)"),
    "committee": ({"committee"}, None, None),
    "handler": ({"department_handler"}, "后勤保障部", None),
    "handler2": ({"department_handler"}, "人力资源部", None),
    "supervisor": ({"supervisor"}, None, None),
    "admin": ({"union_admin"}, None, None),
    "leader": ({"leader"}, None, None),
}

# what each account finds to do in the open session
TO_DO = {
    "worker": {"submit", "evaluate"},
    "delegate": {"cosign", "evaluate"},
    "delegate2": {"cosign"},
    "delegate3": {"cosign", "evaluate"},
    "committee": {"accept", "reject", "assign", "archive"},
    "handler": {"acknowledge", "reply"},
    "handler2": {"acknowledge", "countersign"},
    "supervisor": {"urge", "extend"},
    "admin": {"archive"},
}


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_seed_demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for username in ACCOUNTS:
        assert f"  {username} " in result.output
    assert PASSWORD in result.output

    check_sessions()
    check_states()
    check_histories()
    check_numbers()
    check_variety()
    check_ratings()
    check_accounts()
    check_work_for_everyone()
    check_the_strict_session()
    check_the_group()

    before = row_counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert "already" in again.output
    assert all(f"  {username} " in again.output for username in ACCOUNTS)
    assert row_counts() == before


def check_sessions():
    sessions = {s.code: s for s in db.session.scalars(select(CongressSession))}
    assert set(sessions) == {"10-3", "10-2", "10-3Y", "JJ-5-2", "ZP-4-1", "WL-3-2"}
    current, past = sessions["10-3"], sessions["10-2"]
    today = local_date(utcnow())
    assert current.is_open and current.collection_start <= today <= current.collection_end <= current.cosign_deadline
    assert not past.is_open and past.collection_end < today
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.session_id == current.id)) >= 30
    past_states = set(db.session.scalars(select(Proposal.state).where(Proposal.session_id == past.id)))
    assert past_states <= {"closed", "archived", "rejected", "merged", "withdrawn"}


def check_states():
    counts = dict(db.session.execute(select(Proposal.state, func.count()).group_by(Proposal.state)).all())
    missing = [s for s in LIFECYCLE.states if s != "delegation_review" and not counts.get(s)]
    assert not missing


def check_histories():
    now = utcnow()
    for proposal in db.session.scalars(select(Proposal)):
        history = proposal.history
        assert history[0].event == "create"
        assert history[-1].to_state == proposal.state, proposal.title
        moments = [h.at for h in history]
        assert moments == sorted(moments) and moments[-1] < now, proposal.title


def check_numbers():
    for session in db.session.scalars(select(CongressSession)):
        numbers = list(db.session.scalars(select(Proposal.number).where(Proposal.session_id == session.id)))
        given = [n for n in numbers if n is not None]
        assert sorted(given) == list(range(1, session.last_number + 1))
        # given in the order the committee decided
        decided = db.session.scalars(
            select(HistoryEntry.payload)
            .join(Proposal)
            .where(Proposal.session_id == session.id, HistoryEntry.event.in_(("accept", "convert")))
            .order_by(HistoryEntry.at)
        )
        assert [p["number"] for p in decided] == sorted(given)


def check_ratings():
    """A co-signer rates after the author's rating closed it, and it stays closed; the main session rates the
    attitude and the result, the earlier one the result alone (issue 15)."""
    late = list(
        db.session.scalars(
            select(HistoryEntry).where(HistoryEntry.event == "evaluate", HistoryEntry.from_state == "closed")
        )
    )
    assert late and all(h.to_state == "closed" and h.actor_id != h.proposal.author_id for h in late)
    assert all(h.proposal.final_rating != h.payload["rating"] for h in late)  # the author's rating stands
    sessions = {s.code: s for s in db.session.scalars(select(CongressSession))}
    assert sessions["10-3"].two_axis_rating and not sessions["10-2"].two_axis_rating
    for code, both in (("10-3", True), ("10-2", False)):
        ratings = list(
            db.session.scalars(select(Evaluation).join(Proposal).where(Proposal.session_id == sessions[code].id))
        )
        assert ratings and all((e.attitude is not None) is both for e in ratings), code
        assert all(e.comment for e in ratings if e.rating == "unsatisfied")


def check_variety():
    proposals = list(db.session.scalars(select(Proposal)))
    today = local_date(utcnow())
    assert any(p.confidential for p in proposals)
    assert any(p.kind == "suggestion" for p in proposals)
    assert any(p.rehandle_round and p.state == "in_progress" for p in proposals)
    assert any(p.rehandle_round and p.state == "closed" for p in proposals)
    assert {p.final_rating for p in proposals} >= {"satisfied", "basically_satisfied", "unsatisfied", "no_response"}
    assert len({p.category_id for p in proposals}) >= 5
    assert len({p.lead_assignment.department_id for p in proposals if p.lead_assignment}) >= 5
    overdue = [
        p for p in proposals if p.state in ("assigned", "in_progress") and p.lead_assignment.reply_deadline < today
    ]
    assert overdue
    events = set(db.session.scalars(select(HistoryEntry.event)))
    assert events >= {"send_back", "merge", "decline", "urge", "extend", "close_cosigning", "close_unrated", "convert"}
    # supervision and the committee (issue 15): each new way at least once
    assert events >= {
        "request_rehandle", "reclass", "request_return", "approve_return", "refuse_return",
        "request_extension", "refuse_extension",
    }  # fmt: skip
    granted = list(db.session.scalars(select(HistoryEntry.payload).where(HistoryEntry.event == "extend")))
    assert any("asked_days" in p for p in granted) and any("asked_days" not in p for p in granted)


def check_accounts():
    for username, (roles, department, delegation) in ACCOUNTS.items():
        account = user(username)
        assert account.check_password(PASSWORD) and account.active, username
        assert account.roles == roles, username
        assert (account.department.name if account.department else None) == department
        assert (account.delegation.name if account.delegation else None) == delegation
        assert account.email == f"{username}@demo.local"


def check_work_for_everyone():
    current = db.session.scalar(select(CongressSession).where(CongressSession.code == "10-3"))
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.session_id == current.id)))
    for username, wanted in TO_DO.items():
        account = user(username)
        possible = {e for p in proposals if can_view(account, p) for e in available_events(p, account)}
        assert wanted <= possible, f"{username} lacks {wanted - possible}"


def check_the_strict_session():
    """The second open session follows the strict preset, and its proposals show its rules at work."""
    session = db.session.scalar(select(CongressSession).where(CongressSession.code == "10-3Y"))
    today = local_date(utcnow())
    assert session.is_open and session.collection_start <= today <= session.collection_end
    assert {k: getattr(session, k) for k in PRESETS["strict"].values} == PRESETS["strict"].values
    proposals = {p.title: p for p in db.session.scalars(select(Proposal).where(Proposal.session_id == session.id))}

    def one(title_part):
        return next(p for t, p in proposals.items() if title_part in t)

    # a worker's draft: only delegates may submit here
    draft = one("饮水点")
    assert draft.state == "draft" and "submit" not in available_events(draft, user("worker"))
    # three co-signers of one delegation are not enough; one of another delegation would be
    short = one("交接班")
    assert short.state == "cosigning" and len(short.cosignatures) == 3
    assert len({c.user.delegation_id for c in short.cosignatures}) == 1
    assert "cosign" in available_events(short, user("delegate3"))
    # three from three delegations: on to the pre-review of the author's delegation, its head's to forward
    reviewed = one("技能等级")
    assert reviewed.state == "delegation_review" and "forward" in available_events(reviewed, user("head"))
    # the delegation's proposal: one of the two co-signatures its delegation must give
    delegations = one("通风除尘")
    assert delegations.delegation_proposal and delegations.author.username == "head"
    assert delegations.state == "cosigning" and len(delegations.cosignatures) == 1
    # invited co-signers: told, and first among their tasks
    invited = one("高温岗位")
    assert sorted(u.user.username for u in invited.invitations) == ["delegate2", "qianjin"]
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.proposal_id == invited.id, Notification.event == "submit")
    )
    assert set(told) == {user("delegate2").id, user("qianjin").id}


def check_the_group():
    """Three grassroots unions hold congresses of their own (one strict); a proposal beyond a workshop's
    authority went up to the company's congress, was handled there and rated, and its union follows it."""
    tree = unions.current()
    sessions = {s.code: s for s in db.session.scalars(select(CongressSession))}
    grassroots = {code: sessions[code] for code in ("JJ-5-2", "ZP-4-1", "WL-3-2")}
    assert all(s.is_open and s.union_id in tree.parent for s in grassroots.values())
    assert sessions["10-3"].union_id is None
    assert {k: getattr(grassroots["ZP-4-1"], k) for k in ("proposers", "min_cosigners", "delegation_review")} == {
        "proposers": "delegates",
        "min_cosigners": 3,
        "delegation_review": True,
    }  # stricter than its siblings
    assert grassroots["JJ-5-2"].proposers == "workers"
    up = db.session.scalar(select(Proposal).where(Proposal.escalated_from_session_id == grassroots["JJ-5-2"].id))
    assert up.session_id == sessions["10-3"].id and up.state == "closed" and up.final_rating == "satisfied"
    events = [h.event for h in up.history]
    assert events[events.index("escalate") :] == ["escalate", "accept", "assign", "acknowledge", "reply", "evaluate"]
    member = user("jj-committee")
    assert can_view(member, up) and "accept" not in available_events(up, member)
    assert can_view(user("jiangtao"), up)
    # each grassroots committee has work in its own congress, and none in a sibling's
    own = {p.session.code: p for p in db.session.scalars(select(Proposal).where(Proposal.state == "review"))}
    assert {"accept", "escalate"} <= set(available_events(own["JJ-5-2"], member))
    assert "accept" in available_events(own["ZP-4-1"], user("zp-committee"))
    assert not can_view(member, own["ZP-4-1"])
    handled = db.session.scalars(select(Proposal).where(Proposal.session_id == grassroots["JJ-5-2"].id)).all()
    assert any(p.state == "closed" and p.lead_assignment.department.code == "JJ-SB" for p in handled)
    logistics = db.session.scalar(select(Proposal).where(Proposal.session_id == grassroots["WL-3-2"].id))
    assert logistics.state == "assigned" and logistics.lead_assignment.department.code == "SAFETY"
    # the group's figures count the escalated one apart where it came from
    by_union = {row["code"]: row for row in stats.report(today=local_date(utcnow()))["by_union"]}
    assert by_union["GH-JJ"]["escalated"] == 1
