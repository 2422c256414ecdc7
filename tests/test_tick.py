"""`flask --app proposals tick`: reminders, overdue notices and automatic closures, travelling in time
with --now. Dates are China-local working days of March 2025 (a month without holidays)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from proposals.closure.tick import tick
from proposals.extensions import db
from proposals.models import HistoryEntry, Notification, Proposal, Reminder
from proposals.operations import clock, fire_event, update_session
from proposals.stats import overdue_ids

from .conftest import Cast

MONDAY = "2025-03-03"  # the day of the assignment / the reply in these tests


def at(day: str, hour: int = 9) -> datetime:
    """A China-local moment as the naive UTC the operations use."""
    local = datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=clock.LOCAL)
    return local.astimezone(UTC).replace(tzinfo=None)


def walk(cast: Cast, state: str, when: datetime, **fields) -> Proposal:
    """A proposal of the cast's author brought to `state`, every step taken at `when`."""
    proposal = cast.make.proposal(author=cast.author, session=cast.session, **fields)
    for event, who, payload in cast.path(state):
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload, now=when)
    return proposal


def told(event: str, proposal_id: int | None = None) -> set[int]:
    """Who has a notification of this event."""
    stmt = select(Notification.user_id).where(Notification.event == event)
    if proposal_id is not None:
        stmt = stmt.where(Notification.proposal_id == proposal_id)
    return set(db.session.scalars(stmt))


def snapshot() -> tuple:
    """Everything a tick could change."""
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    states = tuple(db.session.execute(select(Proposal.id, Proposal.state, Proposal.kind).order_by(Proposal.id)))
    return count(Notification), count(Reminder), count(HistoryEntry), states


def run(runner, day: str, hour: int = 9) -> str:
    result = runner.invoke(args=["tick", "--now", f"{day}T{hour:02d}:00"])
    assert result.exit_code == 0, result.output
    return result.output


def test_acknowledgement_reminder_then_overdue_notice_each_once(app, cast, runner):
    proposal = walk(cast, "assigned", at(MONDAY))
    lead = proposal.lead_assignment
    assert (lead.ack_deadline.isoformat(), cast.session.remind_days_before) == ("2025-03-10", 3)

    assert "reminders: 0" in run(runner, "2025-03-04")  # 4 working days ahead: not yet
    assert told("remind_ack") == set()

    output = run(runner, "2025-03-05")  # 3 working days ahead
    assert "reminders: 2" in output and "overdue notices: 0" in output
    assert told("remind_ack") == {cast.lead.id, cast.cohandler.id}  # the departments, not the supervisor
    before = snapshot()
    assert "reminders: 0" in run(runner, "2025-03-05", hour=10)
    assert snapshot() == before

    assert "reminders: 0" in run(runner, "2025-03-10")  # the deadline itself: not overdue yet
    assert overdue_ids([proposal.id], clock.local_date(at("2025-03-10"))) == set()
    assert told("overdue_ack") == set()

    output = run(runner, "2025-03-11")
    assert overdue_ids([proposal.id], clock.local_date(at("2025-03-11"))) == {proposal.id}
    assert "overdue notices: 3" in output
    assert told("overdue_ack") == {cast.lead.id, cast.cohandler.id, cast.supervisor.id}
    before = snapshot()
    run(runner, "2025-03-11", hour=15)
    run(runner, "2025-03-12")
    assert snapshot() == before


def test_reply_reminder_follows_an_extended_deadline(app, make):
    cast = Cast(make, session=make.new_session(reply_days=10))
    proposal = walk(cast, "in_progress", at(MONDAY))
    assert proposal.lead_assignment.reply_deadline.isoformat() == "2025-03-17"

    assert tick(at("2025-03-11")).reminders == 0
    assert tick(at("2025-03-12")).reminders == 1
    # the lead department, which owes the reply (a co-handler is reminded of its own countersign deadline)
    assert told("remind_reply") == {cast.lead.id}

    extension = {"days": 5, "reason": "需要协调预算。"}
    fire_event(proposal.id, "extend", cast.supervisor, extension, now=at("2025-03-12", 12))
    assert db.session.get(Proposal, proposal.id).lead_assignment.reply_deadline.isoformat() == "2025-03-24"
    assert tick(at("2025-03-13")).reminders == 0
    assert tick(at("2025-03-18")).overdue_notices == 0  # past the old deadline, not the new one

    assert tick(at("2025-03-19")).reminders == 1  # a new deadline: reminded again, the lead only now
    dues = set(db.session.scalars(select(Reminder.due).where(Reminder.kind == "reply", Reminder.stage == "before")))
    assert {d.isoformat() for d in dues} == {"2025-03-17", "2025-03-24"}

    report = tick(at("2025-03-25"))
    assert report.overdue_notices == 2  # the lead department and the supervisor
    assert told("overdue_reply") == {cast.lead.id, cast.supervisor.id}
    assert tick(at("2025-03-25", 17)).overdue_notices == 0


def test_reply_without_rating_closes_as_no_response_after_feedback_days(app, cast, runner):
    proposal = walk(cast, "replied", at(MONDAY))
    rated = walk(cast, "replied", at(MONDAY), title="另一件已答复的提案")
    fire_event(
        rated.id,
        "evaluate",
        cast.delegate1,
        {"rating": "unsatisfied", "comment": "答复没有具体措施。"},
        now=at("2025-03-04"),
    )  # a co-signer

    assert "reminders: 0" in run(runner, "2025-03-18")
    output = run(runner, "2025-03-19")  # 3 working days before 2025-03-24
    assert "reminders: 2" in output
    assert told("remind_feedback") == {cast.author.id}

    assert "closed without rating: 0" in run(runner, "2025-03-24")
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "replied"

    output = run(runner, "2025-03-25")
    assert "closed without rating: 2" in output  # a co-signer's rating does not count
    db.session.expire_all()
    for p in (proposal, rated):
        p = db.session.get(Proposal, p.id)
        assert (p.state, p.final_rating, p.closed_at) == ("closed", "no_response", at("2025-03-25"))
        assert (p.history[-1].event, p.history[-1].actor_id) == ("close_unrated", None)
    assert told("close_unrated", proposal.id) == {cast.author.id}
    before = snapshot()
    assert "closed without rating: 0" in run(runner, "2025-03-25", hour=10)
    assert snapshot() == before


def test_co_signing_closes_at_the_deadline_as_a_suggestion(app, make, runner):
    cast = Cast(make, session=make.new_session(cosign_deadline="2025-03-10"))
    one = walk(cast, "cosigning", at(MONDAY))
    fire_event(one.id, "cosign", cast.delegate1, now=at(MONDAY))
    none = walk(cast, "cosigning", at(MONDAY), title="没有人附议的提案")
    enough = walk(cast, "review", at(MONDAY), title="附议人数足够的提案")

    output = run(runner, "2025-03-05")
    assert "reminders: 2" in output
    assert told("remind_cosign") == {cast.author.id}

    output = run(runner, "2025-03-10")  # the deadline day itself still counts
    assert "co-signing closed: 0" in output

    output = run(runner, "2025-03-11")
    assert "co-signing closed: 2" in output
    db.session.expire_all()
    for p in (one, none):
        p = db.session.get(Proposal, p.id)
        assert (p.state, p.kind) == ("review", "suggestion")
        assert (p.history[-1].event, p.history[-1].actor_id) == ("close_cosigning", None)
    assert db.session.get(Proposal, enough.id).kind == "proposal"
    assert told("close_cosigning") == {cast.author.id}
    before = snapshot()
    assert "co-signing closed: 0" in run(runner, "2025-03-11", hour=10)
    assert snapshot() == before


def test_a_proposal_the_engine_will_not_close_is_left_and_reported(app, make):
    session = make.new_session(cosign_deadline="2025-03-10", min_cosigners=3)
    cast = Cast(make, session=session)
    proposal = walk(cast, "cosigning", at(MONDAY))
    for delegate in (cast.delegate1, cast.delegate2):
        fire_event(proposal.id, "cosign", delegate, now=at(MONDAY))
    update_session(session, {"min_cosigners": 2})  # enough now, yet it did not move on by itself
    report = tick(at("2025-03-11"))
    assert report.cosigning_closed == 0
    assert [(pid, event) for pid, event, _ in report.refused] == [(proposal.id, "close_cosigning")]
    assert db.session.get(Proposal, proposal.id).state == "cosigning"


def test_a_whole_dataset_replayed_day_by_day_twice_changes_nothing_the_second_time(app, make, runner):
    cast = Cast(make, session=make.new_session(cosign_deadline="2025-03-07", reply_days=10))
    for state in ("cosigning", "review", "assigned", "in_progress", "replied", "closed", "rejected"):
        walk(cast, state, at(MONDAY), title=f"{state} 状态的提案")
    for day in ("2025-03-03", "2025-03-05", "2025-03-10", "2025-03-11", "2025-03-18", "2025-03-25"):
        run(runner, day)
        before = snapshot()
        output = run(runner, day)
        assert snapshot() == before, day
        assert all(f"{what}: 0" in output for what in ("co-signing closed", "closed without rating", "reminders"))
    states = dict(db.session.execute(select(Proposal.title, Proposal.state)).all())
    assert states["cosigning 状态的提案"] == "review" and states["replied 状态的提案"] == "closed"
    assert db.session.scalar(select(func.count()).select_from(Reminder)) > 0


@pytest.mark.parametrize(
    "given, expected",
    [("2025-03-05T09:00", datetime(2025, 3, 5, 1)), ("2025-03-05T01:00:00+00:00", datetime(2025, 3, 5, 1))],
)
def test_now_is_china_time_unless_an_offset_is_given(runner, given, expected):
    result = runner.invoke(args=["tick", "--now", given])
    assert result.exit_code == 0, result.output
    assert "tick at 2025-03-05 01:00 UTC (China date 2025-03-05)" in result.output
    assert expected == at("2025-03-05")


def test_a_bad_now_is_refused(runner):
    result = runner.invoke(args=["tick", "--now", "yesterday"])
    assert result.exit_code == 2 and "2026-03-05T09:00" in result.output


def test_without_a_mail_server_tick_says_so(runner, cast):
    walk(cast, "cosigning", at(MONDAY))
    output = run(runner, "2025-03-03")
    assert "MAIL_SERVER is not set" in output
